// Paths inside a repository: every file a caller names is `<repo>/<subdir>/<one safe name>`,
// and copy_file paths must lie inside a known repository or an allowed root.
import { fail } from '../errors.js';
import { isSafeComponent, repoPath, REPO_SUBDIRS } from '../ids.js';
import { cleanAbsolutePath, isWithin } from './fs-location.js';
import { REPO_META_FILE } from './repo-meta.js';

export type RepoSubdir = (typeof REPO_SUBDIRS)[number];

export function checkComponent(what: string, s: string): string {
  if (!isSafeComponent(s)) throw fail('REPO_BAD_PATH', `${what} must be one path component (no '/', '..' or NUL): ${JSON.stringify(s.slice(0, 120))}`);
  return s;
}

export function repoRoot(repoId: string): string {
  return repoPath(checkComponent('repository id', repoId));
}

export function repoMetaPath(repoId: string): string {
  return `${repoRoot(repoId)}/${REPO_META_FILE}`;
}

export function repoSubdirPath(repoId: string, sub: RepoSubdir): string {
  return `${repoRoot(repoId)}/${sub}`;
}

export function repoFilePath(repoId: string, sub: RepoSubdir, name: string): string {
  return `${repoSubdirPath(repoId, sub)}/${checkComponent('file name', name)}`;
}

/**
 * A clean absolute path strictly inside one of `roots` (never a root itself), or a fault.
 * Lexical on purpose: symlinks inside a repository are the repository's own business.
 */
export function checkPathInside(what: string, raw: string, roots: readonly string[]): string {
  const p = cleanAbsolutePath(raw);
  if (!p) throw fail('REPO_BAD_PATH', `${what} must be a clean absolute path (no '.', '..' or NUL): ${JSON.stringify(raw.slice(0, 200))}`);
  if (!roots.some((r) => p !== r && isWithin(p, r))) {
    throw fail('REPO_BAD_PATH', `${what} ${p} is not inside a known repository or allowed root`);
  }
  return p;
}
