// Host file access resolved under a sysroot (`/` in production, a temp dir in tests and
// sandbox mode). Paths escaping the root are refused; owned files are written atomically and
// only when their content changes.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AgentError } from '../core/errors.js';

export interface WriteResult {
  /** False when the file already had this content and nothing was written. */
  changed: boolean;
}

export interface HostFs {
  readonly sysroot: string;
  /** Absolute real path of a host path under the sysroot. */
  resolve(hostPath: string): string;
  readText(hostPath: string): Promise<string>;
  /** undefined when the file does not exist. */
  readTextIfExists(hostPath: string): Promise<string | undefined>;
  exists(hostPath: string): Promise<boolean>;
  list(hostPath: string): Promise<string[]>;
  mkdirp(hostPath: string, mode?: number): Promise<void>;
  writeAtomic(hostPath: string, content: string | Buffer, mode?: number): Promise<WriteResult>;
  remove(hostPath: string): Promise<boolean>;
  removeTree(hostPath: string): Promise<void>;
  stat(hostPath: string): Promise<import('node:fs').Stats | undefined>;
}

export function resolveUnder(sysroot: string, hostPath: string): string {
  if (hostPath.includes('\0')) throw new AgentError('FORBIDDEN', 'path contains NUL');
  const root = path.resolve(sysroot);
  const rel = path.posix.normalize('/' + hostPath.replace(/\\/g, '/'));
  const full = path.resolve(root, '.' + rel);
  if (full !== root && !full.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) {
    throw new AgentError('FORBIDDEN', `path escapes the sysroot: ${hostPath}`);
  }
  return full;
}

function ioError(op: string, p: string, e: unknown): AgentError {
  const err = e as NodeJS.ErrnoException;
  return new AgentError('HOST_IO_FAILED', `${op} ${p}: ${err.code ?? err.message}`, { path: p, errno: err.code });
}

export class SysrootFs implements HostFs {
  constructor(readonly sysroot: string) {}

  resolve(hostPath: string): string {
    return resolveUnder(this.sysroot, hostPath);
  }

  async readText(hostPath: string): Promise<string> {
    try {
      return await fs.readFile(this.resolve(hostPath), 'utf8');
    } catch (e) {
      throw ioError('read', hostPath, e);
    }
  }

  async readTextIfExists(hostPath: string): Promise<string | undefined> {
    try {
      return await fs.readFile(this.resolve(hostPath), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw ioError('read', hostPath, e);
    }
  }

  async exists(hostPath: string): Promise<boolean> {
    return (await this.stat(hostPath)) !== undefined;
  }

  async stat(hostPath: string): Promise<import('node:fs').Stats | undefined> {
    try {
      return await fs.stat(this.resolve(hostPath));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw ioError('stat', hostPath, e);
    }
  }

  async list(hostPath: string): Promise<string[]> {
    try {
      return (await fs.readdir(this.resolve(hostPath))).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError('list', hostPath, e);
    }
  }

  async mkdirp(hostPath: string, mode?: number): Promise<void> {
    try {
      await fs.mkdir(this.resolve(hostPath), { recursive: true, mode });
    } catch (e) {
      throw ioError('mkdir', hostPath, e);
    }
  }

  async writeAtomic(hostPath: string, content: string | Buffer, mode = 0o644): Promise<WriteResult> {
    const full = this.resolve(hostPath);
    const data = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    try {
      const old = await fs.readFile(full);
      if (old.equals(data)) return { changed: false };
    } catch {
      /* absent: write it */
    }
    const dir = path.dirname(full);
    const tmp = path.join(dir, `.${path.basename(full)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await fs.mkdir(dir, { recursive: true });
      const fh = await fs.open(tmp, 'w', mode);
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, full);
      const dh = await fs.open(dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
      return { changed: true };
    } catch (e) {
      await fs.rm(tmp, { force: true }).catch(() => {});
      throw ioError('write', hostPath, e);
    }
  }

  async remove(hostPath: string): Promise<boolean> {
    try {
      await fs.unlink(this.resolve(hostPath));
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw ioError('remove', hostPath, e);
    }
  }

  async removeTree(hostPath: string): Promise<void> {
    try {
      await fs.rm(this.resolve(hostPath), { recursive: true, force: true });
    } catch (e) {
      throw ioError('remove', hostPath, e);
    }
  }
}
