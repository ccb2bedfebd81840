// Where a repository lives: an fs_location is an absolute directory, an NFS export
// (`host:/export`) or a block device (`/dev/...`); plus mount-point rules and mount argv.
import * as path from 'node:path';
import { fail } from '../errors.js';
import { isSafeComponent, REPOSITORIES_ROOT } from '../ids.js';

export type FsLocation =
  | { kind: 'dir'; path: string }
  | { kind: 'nfs'; host: string; export: string; source: string }
  | { kind: 'block'; device: string };

export type MountableLocation = Extract<FsLocation, { kind: 'nfs' | 'block' }>;

/** Roots a mount point may live under; repositories themselves only under REPOSITORIES_ROOT. */
export const MOUNT_ROOTS = [REPOSITORIES_ROOT, '/nfsmnt'] as const;

/**
 * Where a local directory repository may be (storage.repositoryRoots): the repository mount
 * points themselves (in place), file systems the storage plugins mount (NFS at /nfsmnt, OCFS2 at
 * /poolfsmnt) and, our extension, the local data directories /srv and /data.
 */
export const DEFAULT_REPOSITORY_ROOTS: readonly string[] = [REPOSITORIES_ROOT, '/nfsmnt', '/poolfsmnt', '/srv', '/data'];

/** A repository root in the config: a clean absolute path other than `/`. */
export function isRepositoryRoot(p: string): boolean {
  return cleanAbsolutePath(p) === p && p !== '/';
}

/** Directories a local repository may never be placed in (or be an ancestor of), whatever the roots. */
const FORBIDDEN_DIRS = [
  '/proc', '/sys', '/dev', '/etc', '/boot', '/usr', '/bin', '/sbin', '/lib', '/lib64', '/run', '/root',
  // State, logs and spools of the host and of the agent itself (cron jobs, mail, its own log).
  '/var/lib', '/var/log', '/var/spool', '/var/cache', '/var/run', '/var/mail',
];

const NFS_RE = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\/.*)$/;

function badChars(s: string): boolean {
  return /[\0\r\n]/.test(s);
}

/** An absolute path without '.', '..' or empty components (trailing '/' tolerated). */
export function cleanAbsolutePath(p: string): string | undefined {
  if (!p.startsWith('/') || badChars(p)) return undefined;
  const parts = p.split('/').filter((c) => c !== '');
  if (parts.some((c) => c === '.' || c === '..')) return undefined;
  return '/' + parts.join('/');
}

export function isWithin(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent === '/' ? '/' : parent + '/');
}

/**
 * Reads an fs_location. With `roots` (a new repository), a directory must lie strictly inside one
 * of them; without (one the host already has), only the fixed refusals apply.
 */
export function parseFsLocation(raw: string, roots?: readonly string[]): FsLocation {
  const s = raw.trim();
  if (s === '' || badChars(s)) throw fail('REPO_BAD_LOCATION', 'fs_location is empty or holds a control character');
  if (s.startsWith('/dev/')) {
    const dev = cleanAbsolutePath(s);
    if (!dev || dev === '/dev') throw fail('REPO_BAD_LOCATION', `bad block device path: ${s}`);
    return { kind: 'block', device: dev };
  }
  if (s.startsWith('/')) {
    const dir = cleanAbsolutePath(s);
    if (!dir) throw fail('REPO_BAD_LOCATION', `fs_location must be a clean absolute path (no '.' or '..'): ${s}`);
    if (dir === '/' || isWithin(REPOSITORIES_ROOT, dir)) throw fail('REPO_BAD_LOCATION', `fs_location may not be ${dir} (it holds the repositories root)`);
    const bad = FORBIDDEN_DIRS.find((f) => isWithin(dir, f) || isWithin(f, dir));
    if (bad) throw fail('REPO_BAD_LOCATION', `fs_location ${dir} overlaps the system directory ${bad}`);
    if (roots && !roots.some((r) => isWithin(dir, r) && dir !== r)) {
      throw fail('REPO_BAD_LOCATION', `fs_location ${dir} is outside the allowed repository roots (${roots.join(', ')}; config storage.repositoryRoots)`);
    }
    // Hidden directories are the agent's or the cluster's (the pool FS keeps its state in .hvagent).
    if (roots && dir.split('/').some((c) => c.startsWith('.'))) throw fail('REPO_BAD_LOCATION', `fs_location ${dir} is in a hidden directory`);
    return { kind: 'dir', path: dir };
  }
  const m = NFS_RE.exec(s);
  if (m) {
    const exp = cleanAbsolutePath(m[2]);
    if (!exp) throw fail('REPO_BAD_LOCATION', `bad NFS export path in ${s}`);
    return { kind: 'nfs', host: m[1], export: exp, source: `${m[1]}:${exp}` };
  }
  throw fail('REPO_BAD_LOCATION', `fs_location must be an absolute directory, host:/export or /dev/<device>: ${s}`);
}

export function fsLocationToText(loc: FsLocation): string {
  return loc.kind === 'dir' ? loc.path : loc.kind === 'nfs' ? loc.source : loc.device;
}

/** The Filesystem_type reported by discover_repository_db (our choice for non-NFS kinds). */
export function fsLocationToType(loc: FsLocation): string {
  return loc.kind === 'dir' ? 'dir' : loc.kind;
}

/** A mount point: `<root>/<one safe component>` under one of MOUNT_ROOTS. */
export function parseMountPoint(raw: string, roots: readonly string[] = MOUNT_ROOTS): { path: string; root: string; name: string } {
  const p = cleanAbsolutePath(raw.trim());
  if (p) {
    const root = path.posix.dirname(p);
    const name = path.posix.basename(p);
    if (roots.includes(root) && isSafeComponent(name)) return { path: p, root, name };
  }
  throw fail('REPO_BAD_PATH', `mount point must be ${roots.map((r) => `${r}/<id>`).join(' or ')}: ${raw}`);
}

/** The mount point of a repository: always `/OVS/Repositories/<uuid>`; returns the uuid part. */
export function repoMountPointToId(raw: string): string {
  return parseMountPoint(raw, [REPOSITORIES_ROOT]).name;
}

export function mountArgv(loc: MountableLocation, dir: string, options: readonly string[] = []): string[] {
  const opts = options.length > 0 ? ['-o', options.join(',')] : [];
  return loc.kind === 'nfs' ? ['mount', '-t', 'nfs', ...opts, loc.source, dir] : ['mount', ...opts, loc.device, dir];
}

export function umountArgv(dir: string, force = false): string[] {
  return force ? ['umount', '-f', dir] : ['umount', dir];
}

export function isMountedArgv(dir: string): string[] {
  return ['mountpoint', '-q', dir];
}
