// A test-only Mounter for a kernel without an NFS client: records the mount(8)/umount(8) argv the
// agent would run (JSON lines in a file) and bind-mounts the export's backing directory (the test
// NFS server exports real paths) at the mount point, so everything after the mount is real. Its
// mount table shows those mounts as the kernel would show NFS mounts (source host:/export, nfs),
// and so does the sysroot's proc/mounts when the test made proc a directory of links to /proc.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { AgentError } from '../../src/core/errors.js';
import { fsLocationToText, mountArgv, umountArgv, type MountableLocation } from '../../src/core/repo/fs-location.js';
import { procMountsToMounts } from '../../src/core/hostinfo/proc-files.js';
import type { Mounter } from '../../src/host/mounter.js';
import { procMountTable, type MountTable } from '../../src/host/storage/mount-table.js';

export interface BindMounterOptions {
  /** JSON lines: one argv per mount/umount. */
  record: string;
  sysroot: string;
  /** The NFS server's address and the real directory it exports (exported under its own path). */
  nfsHost: string;
  exportDir: string;
}

export class BindMounter implements Mounter {
  /** Real mount point → what mount(8) of the NFS export would have put in the table. */
  private readonly made = new Map<string, { device: string; type: string }>();

  constructor(private readonly o: BindMounterOptions) {
    this.syncProcMounts();
  }

  /**
   * SYSROOT/proc/mounts (what discover_mounted_file_systems reads), when SYSROOT/proc is a
   * directory of links to /proc rather than the link to it: the kernel's table with this
   * mounter's mounts as NFS mounts, rewritten at each mount and unmount.
   */
  private syncProcMounts(): void {
    const proc = path.join(this.o.sysroot, 'proc');
    if (!fs.lstatSync(proc, { throwIfNoEntry: false })?.isDirectory()) return;
    const lines = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').filter(Boolean).map((l) => {
      const f = l.split(' ');
      const made = this.made.get(f[1]);
      return made ? [made.device, f[1], made.type, ...f.slice(3)].join(' ') : l;
    });
    fs.writeFileSync(path.join(proc, 'mounts'), lines.join('\n') + '\n');
  }

  private note(argv: string[]): void {
    fs.appendFileSync(this.o.record, JSON.stringify(argv) + '\n');
  }

  /** The directory an NFS mount of `loc` shows, as the server would refuse what it does not export. */
  private backing(loc: MountableLocation): string {
    const what = `mount ${fsLocationToText(loc)} failed`;
    if (loc.kind !== 'nfs') throw new AgentError('STORAGE_MOUNT_FAILED', `${what}: the test mounter mounts NFS exports only`);
    const exp = path.posix.normalize(loc.export);
    if (loc.host !== this.o.nfsHost || (exp !== this.o.exportDir && !exp.startsWith(this.o.exportDir + '/'))) {
      throw new AgentError('STORAGE_MOUNT_FAILED', `${what}: mount.nfs: access denied by server while mounting ${loc.source}`);
    }
    if (!fs.statSync(exp, { throwIfNoEntry: false })?.isDirectory()) throw new AgentError('STORAGE_MOUNT_FAILED', `${what}: mount.nfs: ${loc.source}: No such file or directory`);
    return exp;
  }

  async mount(loc: MountableLocation, dir: string, options: readonly string[] = []): Promise<void> {
    this.note(mountArgv(loc, dir, options));
    const src = this.backing(loc);
    execFileSync('mount', ['--bind', src, dir], { stdio: 'ignore' });
    this.made.set(dir, { device: fsLocationToText(loc), type: 'nfs' });
    this.syncProcMounts();
  }

  async unmount(dir: string, force = false): Promise<void> {
    this.note(umountArgv(dir, force));
    try {
      execFileSync('umount', [dir], { stdio: 'pipe' });
    } catch (e) {
      throw new AgentError('STORAGE_UNMOUNT_FAILED', `umount ${dir} failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim().slice(0, 200)}`);
    }
    this.made.delete(dir);
    this.syncProcMounts();
  }

  async isMounted(dir: string): Promise<boolean> {
    return procMountsToMounts(fs.readFileSync('/proc/self/mounts', 'utf8')).some((m) => m.dir === dir);
  }

  /** The live table with this mounter's mounts shown as NFS mounts. */
  readonly mounts: MountTable = async () => {
    const root = path.resolve(this.o.sysroot);
    return (await procMountTable(root)()).map((m) => {
      const made = this.made.get(m.dir === '/' ? root : root + m.dir);
      return made ? { ...m, ...made } : m;
    });
  };
}

/** Every mount under `dir` (deepest first), lazily unmounted: teardown after a crashed agent. */
export function unmountAllUnder(dir: string): void {
  const root = path.resolve(dir);
  const under = procMountsToMounts(fs.readFileSync('/proc/self/mounts', 'utf8'))
    .map((m) => m.dir)
    .filter((d) => d.startsWith(root + '/'))
    .sort((a, b) => b.length - a.length);
  for (const d of under) {
    try {
      execFileSync('umount', ['-l', d], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
}
