// Paths a file-system plugin may touch: file paths confined to a mount root (relative to it
// or absolute under it, never '..', NUL or a symlink that leads out), and mount-point rules.
import * as path from 'node:path';
import { fail } from '../errors.js';

/** Where the generic NFS plugin mounts a file system: /nfsmnt/<fs uuid>. */
export const NFS_MOUNT_ROOT = '/nfsmnt';

export function nfsMountPoint(fsUuid: string): string {
  return `${NFS_MOUNT_ROOT}/${fsUuid}`;
}

/**
 * A caller's file path inside the file system mounted at `mountRoot` (host paths). Relative
 * paths are taken from the mount root; absolute ones must lie under it. '..' and '.'
 * components are refused outright rather than normalized: the caller meant something else.
 */
export function confinedPath(mountRoot: string, raw: string, what = 'file_path'): { full: string; rel: string } {
  if (raw === '' || /[\0\r\n]/.test(raw)) throw fail('STORAGE_BAD_PATH', `${what} is empty or holds a control character`);
  const parts = raw.split('/').filter((c) => c !== '');
  if (parts.some((c) => c === '..' || c === '.')) throw fail('STORAGE_BAD_PATH', `${what} may not contain '.' or '..': ${raw}`);
  const root = path.posix.normalize(mountRoot).replace(/\/+$/, '') || '/';
  let rel: string;
  if (raw.startsWith('/')) {
    const abs = '/' + parts.join('/');
    if (abs === root) rel = '';
    else if (abs.startsWith(root + '/')) rel = abs.slice(root.length + 1);
    else throw fail('STORAGE_BAD_PATH', `${what} ${raw} is outside the file system mounted at ${root}`);
  } else rel = parts.join('/');
  if (rel === '') throw fail('STORAGE_BAD_PATH', `${what} names the mount root itself: ${raw}`);
  return { full: `${root}/${rel}`, rel };
}
