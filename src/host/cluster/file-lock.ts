// A lock shared by every member through the pool FS: a directory created atomically (mkdir
// fails with EEXIST on every file system the pool FS may be, NFS included) holding its owner;
// a lock older than `staleMs` is broken (its holder died mid-update).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { AgentError } from '../../core/errors.js';

export async function withDirLock<T>(lockDir: string, owner: string, now: () => number, staleMs: number, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(lockDir), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      await fs.mkdir(lockDir);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new AgentError('HOST_IO_FAILED', `lock ${lockDir}: ${(e as NodeJS.ErrnoException).code}`);
      const st = await fs.stat(lockDir).catch(() => undefined);
      if (attempt === 0 && st && now() - st.mtimeMs > staleMs) {
        await fs.rm(lockDir, { recursive: true, force: true });
        continue;
      }
      const holder = await fs.readFile(path.join(lockDir, 'owner'), 'utf8').catch(() => '?');
      throw new AgentError('BUSY', `the pool shared state is being changed by ${holder.trim().slice(0, 100)}; try again`);
    }
  }
  try {
    await fs.writeFile(path.join(lockDir, 'owner'), owner);
    return await fn();
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}
