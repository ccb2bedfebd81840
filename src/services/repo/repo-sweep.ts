// Temp files a crash left in a repository (interrupted imports, copies, disk creations and
// vm.cfg writes) are removed when the repository is reached at start. Only files older than
// this process are touched, so a write that started since is never swept from under itself.
import type { HostFs } from '../../host/host-fs.js';
import { isWriteTemp } from '../../host/temp-file.js';
import { REPO_SUBDIRS } from '../../core/ids.js';

/** Removes stale temp files under one repository root; returns the paths removed. */
export async function sweepRepoTemps(fs: HostFs, root: string, olderThanMs: number): Promise<string[]> {
  const dirs = [root, ...REPO_SUBDIRS.map((s) => `${root}/${s}`)];
  for (const sub of ['VirtualMachines', 'Templates', 'Assemblies']) {
    for (const name of await fs.list(`${root}/${sub}`)) {
      if (!name.startsWith('.') && (await fs.stat(`${root}/${sub}/${name}`))?.isDirectory()) dirs.push(`${root}/${sub}/${name}`);
    }
  }
  const removed: string[] = [];
  for (const dir of dirs) {
    for (const name of await fs.list(dir)) {
      if (!isWriteTemp(name)) continue;
      const p = `${dir}/${name}`;
      const st = await fs.stat(p);
      if (st?.isFile() && st.mtimeMs < olderThanMs && (await fs.remove(p))) removed.push(p);
    }
  }
  return removed;
}
