// File operations HostFs lacks (links, lstat, sizes on disk, sparse creation, resize, rename),
// each taking host paths resolved under the same sysroot.
import * as fsp from 'node:fs/promises';
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import { AgentError } from '../core/errors.js';
import type { FileFacts } from '../core/repo/file-record.js';
import type { HostFs } from './host-fs.js';

function ioError(op: string, p: string, e: unknown): AgentError {
  const err = e as NodeJS.ErrnoException;
  return new AgentError('HOST_IO_FAILED', `${op} ${p}: ${err.code ?? err.message}`, { path: p, errno: err.code });
}

const missing = (e: unknown) => ['ENOENT', 'ENOTDIR'].includes((e as NodeJS.ErrnoException).code ?? '');

export async function lstatPath(fs: HostFs, p: string): Promise<Stats | undefined> {
  try {
    return await fsp.lstat(fs.resolve(p));
  } catch (e) {
    if (missing(e)) return undefined;
    throw ioError('lstat', p, e);
  }
}

/** The host path a symlink at `p` points to (relative targets resolved), or undefined. */
export async function readLinkTarget(fs: HostFs, p: string): Promise<string | undefined> {
  try {
    const t = await fsp.readlink(fs.resolve(p));
    return path.posix.resolve(path.posix.dirname(p), t);
  } catch (e) {
    if (missing(e) || (e as NodeJS.ErrnoException).code === 'EINVAL') return undefined;
    throw ioError('readlink', p, e);
  }
}

/** A relative symlink `link` → `target`, so it stays inside the sysroot in tests and sandbox. */
export async function symlinkRelative(fs: HostFs, link: string, target: string): Promise<void> {
  const rel = path.posix.relative(path.posix.dirname(link), target);
  try {
    await fsp.mkdir(path.dirname(fs.resolve(link)), { recursive: true });
    await fsp.symlink(rel, fs.resolve(link));
  } catch (e) {
    throw ioError('symlink', link, e);
  }
}

export async function unlinkPath(fs: HostFs, p: string): Promise<void> {
  try {
    await fsp.unlink(fs.resolve(p));
  } catch (e) {
    if (!missing(e)) throw ioError('unlink', p, e);
  }
}

/** Remove an empty directory; true when removed, false when absent or not empty. */
export async function rmdirIfEmpty(fs: HostFs, p: string): Promise<boolean> {
  try {
    await fsp.rmdir(fs.resolve(p));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (missing(e) || code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EBUSY') return false;
    throw ioError('rmdir', p, e);
  }
}

export async function fileFacts(fs: HostFs, p: string): Promise<FileFacts | undefined> {
  const st = await fs.stat(p);
  return st ? { isDirectory: st.isDirectory(), size: st.size, blocks: st.blocks } : undefined;
}

export interface DirEntry {
  name: string;
  isDirectory: boolean;
  isFile: boolean;
}

/** Entries of a directory (following symlinks for their kind); [] when it does not exist. */
export async function listEntries(fs: HostFs, p: string): Promise<DirEntry[]> {
  const out: DirEntry[] = [];
  for (const name of await fs.list(p)) {
    const st = await fs.stat(`${p}/${name}`); // gone meanwhile: undefined; any other failure is reported
    out.push({ name, isDirectory: st?.isDirectory() ?? false, isFile: st?.isFile() ?? false });
  }
  return out;
}

/** Create a new file of `size` bytes: a hole when sparse, zeros written when not. */
export async function createSizedFile(fs: HostFs, p: string, size: number, sparse: boolean, signal?: AbortSignal): Promise<void> {
  const full = fs.resolve(p);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(full, 'wx', 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new AgentError('REPO_FILE_EXISTS', `${path.posix.basename(p)} already exists`);
    throw ioError('create', p, e);
  }
  try {
    if (sparse) {
      await fh.truncate(size);
    } else {
      const chunk = Buffer.alloc(Math.min(size, 4 * 1024 * 1024));
      for (let pos = 0; pos < size; ) {
        signal?.throwIfAborted();
        const n = Math.min(chunk.length, size - pos);
        const { bytesWritten } = await fh.write(chunk, 0, n, pos);
        pos += bytesWritten;
      }
    }
    await fh.sync();
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => {});
    await fsp.rm(full, { force: true });
    if (e instanceof AgentError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOSPC') throw new AgentError('STORAGE_NO_SPACE', `no space left for ${p}`);
    throw signal?.aborted ? e : ioError('write', p, e);
  }
}

/** Set a file's size (growing adds a hole). */
export async function truncateFile(fs: HostFs, p: string, size: number): Promise<void> {
  try {
    await fsp.truncate(fs.resolve(p), size);
  } catch (e) {
    throw ioError('truncate', p, e);
  }
}

export async function renamePath(fs: HostFs, from: string, to: string): Promise<void> {
  try {
    await fsp.rename(fs.resolve(from), fs.resolve(to));
  } catch (e) {
    throw ioError('rename', from, e);
  }
}
