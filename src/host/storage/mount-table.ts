// The live mount table (/proc/self/mounts of this process, not a file under the sysroot),
// with mount points mapped back to host paths under the sysroot so plugins compare like with like.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { procMountsToMounts } from '../../core/hostinfo/proc-files.js';
import type { MountEntry } from '../../core/discovery/host-info.js';

export type MountTable = () => Promise<MountEntry[]>;

/** Octal escapes of /proc/mounts (\040 for a space) are decoded by procMountsToMounts. */
export function procMountTable(sysroot: string, file = '/proc/self/mounts'): MountTable {
  const root = path.resolve(sysroot);
  return async () => {
    const text = await fsp.readFile(file, 'utf8');
    const out: MountEntry[] = [];
    for (const m of procMountsToMounts(text)) {
      if (root === '/') out.push(m);
      else if (m.dir === root) out.push({ ...m, dir: '/' });
      else if (m.dir.startsWith(root + '/')) out.push({ ...m, dir: m.dir.slice(root.length) });
    }
    return out;
  };
}
