// The stamp the agent writes beside a pool FS on its NFS export (`.ovspoolfs`, KEY=value):
// which pool FS lives there and which pool owns it, readable by every host without mounting.
import { shellVarsToRecord } from '../hostinfo/os-release.js';

export interface PoolFsStamp {
  poolFsUuid: string;
  poolUuid: string;
  clusterName: string;
  managerUuid: string;
  stack: string;
}

export function stampToText(s: PoolFsStamp): string {
  return `# Written by hvagent: the pool file system on this export and the pool that owns it.\nPOOLFS_UUID=${s.poolFsUuid}\nPOOL_UUID=${s.poolUuid}\nCLUSTER_NAME=${s.clusterName}\nMANAGER_UUID=${s.managerUuid}\nSTACK=${s.stack}\n`;
}

export function textToStamp(text: string): PoolFsStamp | undefined {
  const v = shellVarsToRecord(text);
  if (!v.POOLFS_UUID || !v.POOL_UUID) return undefined;
  return { poolFsUuid: v.POOLFS_UUID, poolUuid: v.POOL_UUID, clusterName: v.CLUSTER_NAME ?? '', managerUuid: v.MANAGER_UUID ?? '', stack: v.STACK ?? 'o2cb' };
}
