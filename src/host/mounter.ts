// Mounting repository file systems (NFS exports, block devices) through `mount`/`umount`
// argv; the mount points handed in are real paths (already resolved under the sysroot).
import { AgentError, isAgentError } from '../core/errors.js';
import { isMountedArgv, mountArgv, umountArgv, type MountableLocation, fsLocationToText } from '../core/repo/fs-location.js';
import type { Exec } from './exec.js';

export interface Mounter {
  mount(loc: MountableLocation, dir: string, options?: readonly string[]): Promise<void>;
  unmount(dir: string, force?: boolean): Promise<void>;
  isMounted(dir: string): Promise<boolean>;
}

function stderrOf(e: unknown): string {
  if (isAgentError(e) && typeof e.detail?.stderr === 'string') return e.detail.stderr.trim().slice(0, 300);
  return (e as Error).message;
}

export class ExecMounter implements Mounter {
  constructor(
    private readonly exec: Exec,
    /** An unreachable NFS server must not hang a call for ever. */
    private readonly timeoutMs = 120_000,
  ) {}

  async mount(loc: MountableLocation, dir: string, options: readonly string[] = []): Promise<void> {
    try {
      await this.exec.run(mountArgv(loc, dir, options), { timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new AgentError('STORAGE_MOUNT_FAILED', `mount ${fsLocationToText(loc)} on ${dir} failed: ${stderrOf(e)}`);
    }
  }

  async unmount(dir: string, force = false): Promise<void> {
    try {
      await this.exec.run(umountArgv(dir, force), { timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new AgentError('STORAGE_UNMOUNT_FAILED', `umount ${dir} failed: ${stderrOf(e)}`);
    }
  }

  async isMounted(dir: string): Promise<boolean> {
    const r = await this.exec.run(isMountedArgv(dir), { allowFail: true, timeoutMs: this.timeoutMs });
    return r.code === 0;
  }
}
