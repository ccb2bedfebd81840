// What the agent database keeps about the pool FS and the cluster (host_state keys), the
// shared deps of the cluster area, and the uuid forms the wire uses.
import type { ServiceDeps } from '../context.js';
import type { ClusterStack } from '../../host/cluster/o2cb-tool.js';
import type { LoopDevices, Ocfs2Tools } from '../../host/cluster/ocfs2-tools.js';
import type { HbRegionReader } from '../../host/cluster/hb-region.js';
import type { PoolFsRecord } from '../../core/cluster/cluster-xml.js';
import { fail } from '../../core/errors.js';
import { DASHED_UUID, HEX32 } from '../../core/ids.js';
export { sameUuid } from '../../core/ids.js';

export const CLUSTER_KEYS = {
  poolFs: 'poolfs',
  cluster: 'cluster',
} as const;

/** The pool FS this host created or adopted. Paths are host paths (under the sysroot). */
export interface PoolFsLocal extends PoolFsRecord {
  stack: 'o2cb' | 'none';
  clusterName: string;
  /** The heartbeat region name: the OCFS2 UUID, 32 upper-case hex digits. */
  region: string;
  mountPoint: string;
  /** NFS: where the export is mounted (/nfsmnt/<nfsbase_uuid>). */
  nfsMount?: string;
  /** NFS + o2cb: the image file and the loop device it is attached to. */
  image?: string;
  device?: string;
}

/** What this host did to the cluster stack. */
export interface ClusterLocal {
  name: string;
  configured: boolean;
  online: boolean;
  poolFsUuid?: string;
}

export interface PoolFsMounts {
  /** Mount an NFS export (`host:/export`) on a real directory path. */
  mountExport(target: string, dir: string): Promise<void>;
  /** Bind-mount a real directory on another (the `none` stack's pool FS). */
  bind(src: string, dir: string): Promise<void>;
  unmount(dir: string): Promise<void>;
  isMounted(dir: string): Promise<boolean>;
}

export interface ClusterDeps extends Pick<ServiceDeps, 'config' | 'log' | 'fs' | 'hostState' | 'events' | 'clock' | 'exec' | 'intents'> {
  stack: ClusterStack;
  tools: Ocfs2Tools;
  loops: LoopDevices;
  mounts: PoolFsMounts;
  readHb: HbRegionReader;
  /** Real path whose sys/kernel/config and proc/mounts show the kernel's cluster state. */
  configfsRoot: string;
  hostname(): Promise<string>;
}

/** A uuid in either wire form (the shapes of wireUuid) → 32 lower-case hex digits; refuses anything else naming `what`. */
export function uuidHex(raw: string, what: string): string {
  const s = raw.trim();
  if (HEX32.test(s)) return s.toLowerCase();
  if (DASHED_UUID.test(s)) return s.replace(/-/g, '').toLowerCase();
  throw fail('INVALID_ARGUMENT', `${what} must be a uuid (32 hex digits, dashed or not): ${JSON.stringify(s.slice(0, 60))}`);
}

export function hexToDashed(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const POOLFS_ROOT = '/poolfsmnt';
export const NFS_ROOT = '/nfsmnt';
export const POOLFS_IMAGE = 'ovspoolfs.img';
/** The `none` stack's pool FS: a directory beside where the image would be. */
export const POOLFS_DIR = 'ovspoolfs';
/** Stamp beside the image naming the pool FS and its pool, readable without the cluster. */
export const POOLFS_STAMP = '.ovspoolfs';
export const POOLFS_VERSION = '3.0';
