// Intents of the file-system plugins' multi-step changes: a file created or cloned inside a
// mounted file system (temp file, then the final name), a file or directory destroyed, a
// mount (and the NFS stamp), an OCFS2 mkfs. Kinds, what each records, and the file recoveries.
import * as fsp from 'node:fs/promises';
import type { Intents } from '../../intents/intents.js';

export const INTENT_STORAGE_FILE = 'storage-file-create';
export const INTENT_STORAGE_DESTROY = 'storage-file-destroy';
export const INTENT_NFS_MOUNT = 'nfs-mount';
export const INTENT_OCFS2_MOUNT = 'ocfs2-mount';
export const INTENT_OCFS2_MKFS = 'ocfs2-mkfs';

/** A file made under a temp name (real paths); from `committing`, the inode the final name then holds. */
export interface FileCreateIntent {
  tmp: string;
  final: string;
  ino?: number;
}

/** A file or directory being removed (real path). */
export interface FileDestroyIntent {
  real: string;
}

/** A mount of a file system at `mp` (host path); `created`: the mount point folder is this call's. */
export interface FsMountIntent {
  mp: string;
  created: boolean;
  /** NFS: the export and the file system uuid the stamp names. */
  source?: string;
  uuid?: string;
}

/** The event and finished-delete key of a file of a plugin's file system. */
export const fileKey = (shown: string): string => `file:${shown}`;

/**
 * Creates and clones are undone whole (the temp file, and the final name when it holds this
 * call's own file: same inode), so the caller's retry succeeds. A destroy that had begun
 * removing is finished, and its retry answers as done.
 */
export function registerFileRecoveries(intents: Intents): void {
  intents.register<FileCreateIntent>(INTENT_STORAGE_FILE, async (p) => {
    const gone: string[] = [];
    const st = await fsp.lstat(p.final).catch(() => undefined);
    if (p.ino !== undefined && st?.ino === p.ino && (await fsp.rm(p.final, { force: true }).then(() => true))) gone.push(p.final);
    if (await fsp.lstat(p.tmp).then(() => true, () => false)) {
      await fsp.rm(p.tmp, { force: true });
      gone.push(p.tmp);
    }
    return { outcome: 'rolled-back', detail: gone.length ? `removed ${gone.join(', ')}` : 'nothing was left' };
  });
  intents.register<FileDestroyIntent>(INTENT_STORAGE_DESTROY, async (p, step) => {
    if (step === 'begin') return { outcome: 'rolled-back', detail: 'nothing had been removed' };
    // After a reboot the file system may not be mounted: then nothing is there to finish here.
    const there = await fsp.lstat(p.real).then(() => true, () => false);
    await fsp.rm(p.real, { recursive: true, force: true });
    return { outcome: 'rolled-forward', detail: there ? `removed the rest of ${p.real}` : `${p.real} was gone` };
  });
}
