// File-system sizes of a mounted directory through `stat -f` in a child process with a time
// limit: statvfs(2) on a hard NFS mount of a dead server blocks, and in-process it would hang
// the call and pin a libuv thread; a child can be killed and the call faults instead.
import { AgentError } from '../../core/errors.js';
import type { Exec } from '../exec.js';

export interface FsSizes {
  size: number;
  /** Bytes available to unprivileged users (statvfs f_bavail). */
  free: number;
}

export type Statvfs = (realPath: string) => Promise<FsSizes>;

export function boundedStatvfs(exec: Exec, timeoutMs: number): Statvfs {
  return async (realPath) => {
    let out: string;
    try {
      out = (await exec.run(['stat', '-f', '-c', '%S %b %a', '--', realPath], { timeoutMs })).stdout;
    } catch (e) {
      const timedOut = e instanceof AgentError && /timed out/.test(e.message);
      throw new AgentError(
        timedOut ? 'STORAGE_SERVER_UNREACHABLE' : 'STORAGE_COMMAND_FAILED',
        timedOut ? `the file system at ${realPath} did not answer statvfs within ${timeoutMs} ms (server down?)` : `statvfs of ${realPath} failed: ${(e as Error).message.slice(0, 200)}`,
      );
    }
    const [bsize, blocks, avail] = out.trim().split(/\s+/).map(Number);
    if (![bsize, blocks, avail].every((n) => Number.isSafeInteger(n) && n >= 0)) throw new AgentError('STORAGE_COMMAND_FAILED', `stat -f gave no sizes for ${realPath}`);
    return { size: bsize * blocks, free: bsize * avail };
  };
}
