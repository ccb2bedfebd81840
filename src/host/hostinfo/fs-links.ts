// What HostFs does not offer and host info needs: symlink read/replace, binary reads and
// statfs, all resolved under the same sysroot.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AgentError } from '../../core/errors.js';
import type { HostFs } from '../host-fs.js';

export async function readLink(fs: HostFs, hostPath: string): Promise<string | undefined> {
  try {
    return await fsp.readlink(fs.resolve(hostPath));
  } catch {
    return undefined;
  }
}

/** Atomically point `hostPath` at `target` (a new link renamed over the old file or link). */
export async function replaceSymlink(fs: HostFs, hostPath: string, target: string): Promise<{ changed: boolean }> {
  const full = fs.resolve(hostPath);
  if ((await readLink(fs, hostPath)) === target) return { changed: false };
  const tmp = path.join(path.dirname(full), `.${path.basename(full)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fsp.mkdir(path.dirname(full), { recursive: true });
    await fsp.symlink(target, tmp);
    await fsp.rename(tmp, full);
    return { changed: true };
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw new AgentError('HOST_IO_FAILED', `link ${hostPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function readBytesIfExists(fs: HostFs, hostPath: string): Promise<Buffer | undefined> {
  try {
    return await fsp.readFile(fs.resolve(hostPath));
  } catch {
    return undefined;
  }
}

export interface FsSpace {
  totalBytes: number;
  freeBytes: number;
  availableBytes: number;
  usedBytes: number;
  totalInodes: number;
  freeInodes: number;
}

export async function statFs(fs: HostFs, hostPath: string): Promise<FsSpace> {
  try {
    const s = await fsp.statfs(fs.resolve(hostPath));
    return {
      totalBytes: s.blocks * s.bsize,
      freeBytes: s.bfree * s.bsize,
      availableBytes: s.bavail * s.bsize,
      usedBytes: (s.blocks - s.bfree) * s.bsize,
      totalInodes: s.files,
      freeInodes: s.ffree,
    };
  } catch (e) {
    throw new AgentError('HOST_IO_FAILED', `statfs ${hostPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
