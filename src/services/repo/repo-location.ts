// Making a repository location reachable at its mount point and undoing it: a directory
// fs_location is used in place or reached through a relative symlink; NFS and block devices
// go through the Mounter.
import { fail } from '../../core/errors.js';
import { REPOSITORIES_ROOT } from '../../core/ids.js';
import { isWithin, type FsLocation } from '../../core/repo/fs-location.js';
import { REPO_META_FILE } from '../../core/repo/repo-meta.js';
import type { RepoFsType } from '../../store/repository-store.js';
import type { HostFs } from '../../host/host-fs.js';
import type { Mounter } from '../../host/mounter.js';
import { lstatPath, readLinkTarget, rmdirIfEmpty, symlinkRelative, unlinkPath } from '../../host/file-ops.js';

export type Undo = () => Promise<void>;
const noop: Undo = async () => {};

export class RepoLocations {
  constructor(
    private readonly fs: HostFs,
    private readonly mounter: Mounter,
  ) {}

  /**
   * Make `loc` reachable at `mountPoint` (idempotent); returns how to undo what this call did.
   * `createMissing` false (the start-up restore) never creates a vanished directory location:
   * an empty stand-in on the wrong disk would silently take the repository's writes.
   */
  async attach(loc: FsLocation, mountPoint: string, createMissing = true): Promise<Undo> {
    const { fs } = this;
    const st = await lstatPath(fs, mountPoint);
    if (loc.kind === 'dir') {
      if (!createMissing && !(await fs.exists(`${loc.path}/${REPO_META_FILE}`))) {
        throw fail('REPO_NOT_FOUND', `no repository at ${loc.path} any more`);
      }
      if (loc.path === mountPoint) {
        if (st?.isSymbolicLink()) throw fail('REPO_BAD_PATH', `${mountPoint} is a link to another location`);
        if (st && !st.isDirectory()) throw fail('REPO_BAD_PATH', `${mountPoint} is not a directory`);
        if (st) return noop;
        await fs.mkdirp(mountPoint);
        return async () => void (await rmdirIfEmpty(fs, mountPoint));
      }
      if (isWithin(loc.path, REPOSITORIES_ROOT)) {
        throw fail('REPO_BAD_LOCATION', `a directory under ${REPOSITORIES_ROOT} can only hold the repository of the same name`);
      }
      if (st?.isSymbolicLink()) {
        const target = await readLinkTarget(fs, mountPoint);
        if (target === loc.path) return noop;
        throw fail('REPO_BAD_PATH', `${mountPoint} already links to ${target}`);
      }
      if (st && !(st.isDirectory() && (await rmdirIfEmpty(fs, mountPoint)))) {
        throw fail('REPO_BAD_PATH', `${mountPoint} is in use (not an empty directory)`);
      }
      const created = !(await fs.exists(loc.path));
      await fs.mkdirp(loc.path);
      await symlinkRelative(fs, mountPoint, loc.path);
      return async () => {
        await unlinkPath(fs, mountPoint);
        if (created) await rmdirIfEmpty(fs, loc.path);
      };
    }
    if (st?.isSymbolicLink()) throw fail('REPO_BAD_PATH', `${mountPoint} is a link to a directory, not a mount point`);
    if (st && !st.isDirectory()) throw fail('REPO_BAD_PATH', `${mountPoint} is not a directory`);
    const real = fs.resolve(mountPoint);
    if (st && (await this.mounter.isMounted(real))) return noop;
    await fs.mkdirp(mountPoint);
    try {
      await this.mounter.mount(loc, real);
    } catch (e) {
      if (!st) await rmdirIfEmpty(fs, mountPoint);
      throw e;
    }
    return async () => {
      await this.mounter.unmount(real);
      if (!st) await rmdirIfEmpty(fs, mountPoint);
    };
  }

  /** Whether something (a link, a mount, or the location itself) is already at `mountPoint`. */
  async present(loc: FsLocation, mountPoint: string): Promise<boolean> {
    const st = await lstatPath(this.fs, mountPoint);
    if (!st) return false;
    if (st.isSymbolicLink()) return true;
    if (loc.kind === 'dir') return loc.path === mountPoint && st.isDirectory();
    return this.mounter.isMounted(this.fs.resolve(mountPoint));
  }

  /** Undo attach for whatever is at `mountPoint`: unlink a link, unmount a mount, drop an empty dir. */
  async detach(mountPoint: string): Promise<void> {
    const { fs } = this;
    const st = await lstatPath(fs, mountPoint);
    if (!st) return;
    if (st.isSymbolicLink()) return unlinkPath(fs, mountPoint);
    const real = fs.resolve(mountPoint);
    if (await this.mounter.isMounted(real)) await this.mounter.unmount(real);
    await rmdirIfEmpty(fs, mountPoint);
  }

  /** Whether the repository's files can be reached now. */
  async isReachable(fsType: RepoFsType, mountPoint: string): Promise<boolean> {
    if (fsType !== 'dir' && !(await this.mounter.isMounted(this.fs.resolve(mountPoint)))) return false;
    return this.fs.exists(`${mountPoint}/${REPO_META_FILE}`);
  }
}
