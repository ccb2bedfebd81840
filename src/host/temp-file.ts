// Temp names beside a final file and the commit that puts a finished temp file in place
// (rename, or link+unlink when the final name must not be replaced), then fsyncs the directory.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AgentError } from '../core/errors.js';

export const TEMP_SUFFIX = '.part';

/** `<dir>/.<name>.<random>.part`: hidden, same directory (same file system) as `finalPath`. */
export function tempPathFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
}

export function isTempName(name: string): boolean {
  return name.startsWith('.') && name.endsWith(TEMP_SUFFIX);
}

/** Any temp file an interrupted write leaves: `.<name>.<12 hex>.tmp` (HostFs.writeAtomic) or a `.part`. */
export function isWriteTemp(name: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.tmp$/.test(name) || isTempName(name);
}

export async function commitTemp(tmp: string, finalPath: string, opts: { noClobber: boolean }): Promise<void> {
  if (opts.noClobber) {
    try {
      await fsp.link(tmp, finalPath);
      await fsp.unlink(tmp);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        await fsp.rm(tmp, { force: true });
        throw new AgentError('REPO_FILE_EXISTS', `${path.basename(finalPath)} already exists`);
      }
      // File systems without hard links: fall back to a checked rename.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EXDEV') throw e;
      if (await fsp.stat(finalPath).then(() => true, () => false)) {
        await fsp.rm(tmp, { force: true });
        throw new AgentError('REPO_FILE_EXISTS', `${path.basename(finalPath)} already exists`);
      }
      await fsp.rename(tmp, finalPath);
    }
  } else {
    await fsp.rename(tmp, finalPath);
  }
  const dh = await fsp.open(path.dirname(finalPath), 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
