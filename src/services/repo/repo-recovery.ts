// Crash recovery of the repository life cycle: what create/add/delete_repository record as
// their intent, and how each unfinished one is put right (the undo of a failed call, too).
import { parseFsLocation } from '../../core/repo/fs-location.js';
import { REPO_META_FILE } from '../../core/repo/repo-meta.js';
import { REPO_SUBDIRS } from '../../core/ids.js';
import { rmdirIfEmpty } from '../../host/file-ops.js';
import type { HostFs } from '../../host/host-fs.js';
import type { RepositoryStore } from '../../store/repository-store.js';
import type { Intents } from '../intents/intents.js';
import type { RepoLocations } from './repo-location.js';

/** Intent kinds of the repository life cycle and what their recovery needs. */
export const INTENT_REPO_CREATE = 'repo-create';
export const INTENT_REPO_ADD = 'repo-add';
export const INTENT_REPO_DELETE = 'repo-delete';
export const INTENT_REPO_MOUNT = 'repo-mount';
export const INTENT_REPO_UNMOUNT = 'repo-unmount';

export interface CreateIntent {
  uuid: string;
  fsLocation: string;
  mountPoint: string;
  /** Something was already at the mount point before: recovery leaves it. */
  present: boolean;
  /** The directory location did not exist: recovery removes it again when empty. */
  locationMade: boolean;
  /** The metadata file is this call's (set just before it is written). */
  metaIsOurs: boolean;
}
export interface AddIntent {
  fsLocation: string;
  mountPoint: string;
  present: boolean;
  locationMade: boolean;
  /** The repository was already known (add_repository again): its row is left alone. */
  rowExisted: boolean;
}
/** mount_repository_fs: undone unless something was at the mount point before (then attach changed nothing, or the call was a no-op). */
export interface MountIntent {
  fsLocation: string;
  mountPoint: string;
  /** Anything (a link, a mount, a directory) was at the mount point before the call. */
  occupied: boolean;
  locationMade: boolean;
}
/** unmount_repository_fs: once detaching began it is finished (the caller asked for it gone). */
export interface UnmountIntent {
  mountPoint: string;
}
export interface DeleteIntent {
  uuid: string;
  erase: boolean;
}

export function registerRepoRecoveries(d: { fs: HostFs; intents: Intents; store: RepositoryStore; locations: RepoLocations }): void {
  const { intents, fs, store, locations } = d;
  // A create left unfinished is undone whole, even when only the intent's removal was missing:
  // the caller had no answer, and its retry then succeeds instead of finding "already exists".
  intents.register<CreateIntent>(INTENT_REPO_CREATE, async (p) => {
    const undone: string[] = [];
    // create_repository refuses a known uuid before it starts: a row now is this call's.
    if (store.get(p.uuid)) {
      store.delete(p.uuid);
      undone.push('database row');
    }
    const loc = parseFsLocation(p.fsLocation);
    if (p.metaIsOurs) {
      // After a reboot an NFS or block location is no longer mounted: reach it to clean it.
      await locations.attach(loc, p.mountPoint);
      for (const sub of REPO_SUBDIRS) if (await rmdirIfEmpty(fs, `${p.mountPoint}/${sub}`)) undone.push(sub);
      if (await fs.remove(`${p.mountPoint}/${REPO_META_FILE}`)) undone.push(REPO_META_FILE);
    }
    if (!p.present) {
      await locations.detach(p.mountPoint);
      undone.push(`detached ${p.mountPoint}`);
    }
    if (p.locationMade && loc.kind === 'dir' && (await rmdirIfEmpty(fs, loc.path))) undone.push(`removed ${loc.path}`);
    return { outcome: 'rolled-back', detail: undone.length ? `undid ${undone.join(', ')}` : 'nothing was left' };
  });
  intents.register<AddIntent>(INTENT_REPO_ADD, async (p) => {
    if (!p.rowExisted) for (const r of store.list()) if (r.mountPoint === p.mountPoint) store.delete(r.uuid);
    if (!p.present) await locations.detach(p.mountPoint);
    const loc = parseFsLocation(p.fsLocation);
    if (p.locationMade && loc.kind === 'dir') await rmdirIfEmpty(fs, loc.path);
    return { outcome: 'rolled-back', detail: p.present ? 'nothing was left' : `detached ${p.mountPoint}` };
  });
  intents.register<MountIntent>(INTENT_REPO_MOUNT, async (p) => {
    if (p.occupied) return { outcome: 'nothing-to-do', detail: `${p.mountPoint} was in use before: left as it is` };
    // Nothing was there: whatever is there now (a link, a mount, an empty folder) is this call's.
    await locations.detach(p.mountPoint);
    const loc = parseFsLocation(p.fsLocation);
    if (p.locationMade && loc.kind === 'dir') await rmdirIfEmpty(fs, loc.path);
    return { outcome: 'rolled-back', detail: `detached ${p.mountPoint}` };
  });
  intents.register<UnmountIntent>(INTENT_REPO_UNMOUNT, async (p, step) => {
    if (step === 'begin') return { outcome: 'rolled-back', detail: 'nothing had been changed' };
    await locations.detach(p.mountPoint);
    return { outcome: 'rolled-forward', detail: `detached ${p.mountPoint}` };
  });
  intents.register<DeleteIntent>(INTENT_REPO_DELETE, async (p, step) => {
    const row = store.get(p.uuid);
    if (!row) return { outcome: 'rolled-forward', detail: 'the repository was already forgotten' };
    if (step === 'begin') return { outcome: 'rolled-back', detail: 'nothing had been changed' };
    if (step === 'erasing') {
      // Reach the files again (after a reboot nothing is mounted), then finish the erase.
      await locations.attach(parseFsLocation(row.fsLocation), row.mountPoint, false);
      for (const sub of REPO_SUBDIRS) await fs.removeTree(`${row.mountPoint}/${sub}`);
      await fs.remove(`${row.mountPoint}/${REPO_META_FILE}`);
    }
    await locations.detach(row.mountPoint);
    store.delete(p.uuid);
    return { outcome: 'rolled-forward', detail: `deleted${p.erase ? ' and erased' : ''} repository ${p.uuid}` };
  });
}
