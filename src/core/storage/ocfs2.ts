// OCFS2 plugin, pure parts: the mkfs.ocfs2 argv for the options a manager asks for (checked),
// the `mounted.ocfs2 -d` table and the `tunefs.ocfs2 -Q` answer as records, and OCFS2 mount
// options. Formats as ocfs2-tools 1.8 prints them (lab-storage-ha.md §3).
import { fail } from '../errors.js';
import type { FsCreateOptions } from './plugin.js';

const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,16}$/;
const LABEL = /^[A-Za-z0-9_.:-]{1,63}$/;
const UUID_ANY = /^[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}$/;
const BLOCK_SIZES = [512, 1024, 2048, 4096];
const CLUSTER_SIZES = [4096, 8192, 16384, 32768, 65536, 131072, 262144, 524288, 1048576];

function sizeText(bytes: number): string {
  return bytes % 1048576 === 0 ? `${bytes / 1048576}M` : `${bytes / 1024}K`;
}

export interface Ocfs2CreatePlan {
  argv: string[];
  /** What mkfs.ocfs2 reads on stdin: 'y' confirms re-formatting a device that holds a file system. */
  input: string;
}

/** mkfs.ocfs2 argv; every option checked, nothing from the caller reaches argv unchecked. */
export function mkfsOcfs2Argv(device: string, o: FsCreateOptions, fsUuid?: string): Ocfs2CreatePlan {
  const argv = ['mkfs.ocfs2', '-F'];
  if (o.block_size !== undefined) {
    if (!BLOCK_SIZES.includes(o.block_size)) throw fail('STORAGE_INVALID', `options.block_size must be one of ${BLOCK_SIZES.join(', ')}`);
    argv.push('-b', sizeText(o.block_size));
  }
  if (o.cluster_size !== undefined) {
    if (!CLUSTER_SIZES.includes(o.cluster_size)) throw fail('STORAGE_INVALID', `options.cluster_size must be a power of two from 4096 to 1048576`);
    argv.push('-C', sizeText(o.cluster_size));
  }
  if (o.node_slots !== undefined) {
    if (o.node_slots < 1 || o.node_slots > 255) throw fail('STORAGE_INVALID', 'options.node_slots must be 1..255');
    argv.push('-N', String(o.node_slots));
  }
  if (o.journal_size !== undefined) {
    if (o.journal_size < 4 * 1048576 || o.journal_size % 1048576 !== 0) throw fail('STORAGE_INVALID', 'options.journal_size must be whole MiB, at least 4 MiB');
    argv.push('-J', `size=${o.journal_size / 1048576}M`);
  }
  if (o.label !== undefined && o.label !== '') {
    if (!LABEL.test(o.label)) throw fail('STORAGE_INVALID', 'options.label must be 1-63 characters of A-Z a-z 0-9 _ . : -');
    argv.push('-L', o.label);
  }
  const uuid = o.fs_uuid || fsUuid;
  if (uuid) {
    if (!UUID_ANY.test(uuid)) throw fail('STORAGE_INVALID', 'options.fs_uuid must be a uuid');
    argv.push('-U', uuid.toUpperCase());
  }
  if (o.global_heartbeat) argv.push('--global-heartbeat');
  const stack = o.cluster_stack ?? (o.cluster_name ? 'o2cb' : undefined);
  if (stack !== undefined) {
    if (stack !== 'o2cb') throw fail('STORAGE_INVALID', `options.cluster_stack must be o2cb (got ${JSON.stringify(stack)})`);
    if (!o.cluster_name) throw fail('STORAGE_INVALID', 'options.cluster_name is required with a cluster stack');
    argv.push(`--cluster-stack=${stack}`);
  }
  if (o.cluster_name !== undefined) {
    if (!CLUSTER_NAME.test(o.cluster_name)) throw fail('STORAGE_INVALID', 'options.cluster_name must be 1-16 characters of A-Z a-z 0-9 _ -');
    argv.push(`--cluster-name=${o.cluster_name}`);
  }
  if (o.global_heartbeat && !o.cluster_name) throw fail('STORAGE_INVALID', 'options.global_heartbeat needs options.cluster_name');
  argv.push(device);
  return { argv, input: o.force ? 'y\n' : '' };
}

export interface MountedOcfs2 {
  device: string;
  stack: string;
  cluster: string;
  globalHeartbeat: boolean;
  /** Dashed, lower case. */
  uuid: string;
  label: string;
}

/** `0004FB0000050000E70FBDDEB802208F` -> `0004fb00-0005-0000-e70f-bddeb802208f`. */
export function dashOcfs2Uuid(hex: string): string {
  const h = hex.replace(/-/g, '').toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** `mounted.ocfs2 -d`: a fixed-column table whose F column may be blank. */
export function parseMountedOcfs2(stdout: string): MountedOcfs2[] {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  const head = lines.findIndex((l) => /^Device\s+Stack\s+Cluster/.test(l));
  if (head < 0) return [];
  const h = lines[head];
  const col = (name: string) => h.indexOf(name);
  const cols = { stack: col('Stack'), cluster: col('Cluster'), f: h.search(/\bF\b/), uuid: col('UUID'), label: col('Label') };
  const out: MountedOcfs2[] = [];
  for (const l of lines.slice(head + 1)) {
    const cut = (a: number, b: number) => (a < 0 ? '' : l.slice(a, b < 0 ? undefined : b).trim());
    const device = cut(0, cols.stack);
    const uuid = cut(cols.uuid, cols.label);
    if (!device.startsWith('/') || !/^[0-9A-Fa-f]{32}$/.test(uuid)) continue;
    out.push({
      device,
      stack: cut(cols.stack, cols.cluster),
      cluster: cut(cols.cluster, cols.f),
      globalHeartbeat: cut(cols.f, cols.uuid) === 'G',
      uuid: dashOcfs2Uuid(uuid),
      label: cut(cols.label, -1),
    });
  }
  return out;
}

/** The tunefs.ocfs2 -Q format the plugin asks for (%B is documented but rejected by 1.8.7). */
export const TUNEFS_QUERY = 'UUID=%U\\nLabel=%V\\nSlots=%N\\nClusterSize=%T\\nCompat=%M\\nIncompat=%H\\nRoCompat=%O\\n';

export interface Ocfs2Facts {
  uuid: string;
  label: string;
  slots: number;
  clusterSize: number;
  features: string[];
}

export function parseTunefsQuery(stdout: string): Ocfs2Facts {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) kv.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const uuid = kv.get('UUID') ?? '';
  if (!/^[0-9A-Fa-f]{32}$/.test(uuid)) throw fail('STORAGE_INVALID', 'tunefs.ocfs2 gave no file-system UUID: not an OCFS2 file system');
  const feats = ['Compat', 'Incompat', 'RoCompat'].flatMap((k) => (kv.get(k) ?? '').split(/\s+/).filter(Boolean));
  return { uuid: dashOcfs2Uuid(uuid), label: kv.get('Label') ?? '', slots: Number(kv.get('Slots') ?? 0), clusterSize: Number(kv.get('ClusterSize') ?? 0), features: feats };
}

const OCFS2_FLAGS = new Set(['_netdev', 'noatime', 'nodiratime', 'relatime', 'datavolume', 'nointr', 'intr', 'localflocks', 'ro', 'rw', 'user_xattr', 'nouser_xattr', 'acl', 'noacl']);
const OCFS2_VALUES: Record<string, RegExp> = {
  heartbeat: /^(local|global|none)$/,
  coherency: /^(full|buffered)$/,
  commit: /^\d{1,4}$/,
  errors: /^(panic|remount-ro)$/,
  atime_quantum: /^\d{1,6}$/,
  data: /^(ordered|writeback)$/,
};

export function ocfs2MountOptions(given: readonly string[]): string[] {
  const out = ['_netdev'];
  for (const raw of given) {
    const o = raw.trim();
    if (o === '' || out.includes(o)) continue;
    const [k, v] = o.includes('=') ? [o.slice(0, o.indexOf('=')), o.slice(o.indexOf('=') + 1)] : [o, undefined];
    if ((v === undefined && OCFS2_FLAGS.has(k)) || (v !== undefined && OCFS2_VALUES[k]?.test(v))) out.push(o);
    else throw fail('STORAGE_INVALID', `mount option ${JSON.stringify(o.slice(0, 80))} is not accepted for OCFS2`);
  }
  return out;
}
