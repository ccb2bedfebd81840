// The o2cb kernel state as configfs shows it (/sys/kernel/config/cluster/<name>/{node,
// heartbeat/<region>/dev}) plus the ocfs2_dlmfs mount: Offline, Heartbeating or DLM_Ready.
// The root is injectable: tests read recorded trees.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { ClusterState } from '../../core/cluster/cluster-xml.js';

export interface ConfigfsView {
  state: ClusterState;
  /** Heartbeat regions started (their `dev` is set). */
  activeRegions: string[];
  /** Node names registered in the kernel. */
  nodes: string[];
}

async function list(p: string): Promise<string[]> {
  try {
    return (await fs.readdir(p)).sort();
  } catch {
    return [];
  }
}

async function text(p: string): Promise<string> {
  try {
    return (await fs.readFile(p, 'utf8')).trim();
  } catch {
    return '';
  }
}

/** `root` is the real path of the host root ('/' or a recorded tree). */
export async function readConfigfs(root: string, cluster: string): Promise<ConfigfsView> {
  const base = path.join(root, 'sys/kernel/config/cluster', cluster);
  const nodes = await list(path.join(base, 'node'));
  const regions = await list(path.join(base, 'heartbeat'));
  const activeRegions: string[] = [];
  for (const r of regions) if (/^[0-9A-F]{32}$/i.test(r) && (await text(path.join(base, 'heartbeat', r, 'dev'))) !== '') activeRegions.push(r);
  const registered = (await list(base)).length > 0;
  if (!registered || activeRegions.length === 0) return { state: 'Offline', activeRegions, nodes };
  const mounts = await text(path.join(root, 'proc/mounts'));
  const dlm = mounts.split('\n').some((l) => l.split(' ')[2] === 'ocfs2_dlmfs');
  return { state: dlm ? 'DLM_Ready' : 'Heartbeating', activeRegions, nodes };
}
