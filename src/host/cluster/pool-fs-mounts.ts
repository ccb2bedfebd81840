// The mounts of the pool FS area: the NFS export (through the repository Mounter, so the
// storage area's NFS plugin can take it over) and the bind mount of the `none` stack.
import { AgentError } from '../../core/errors.js';
import { parseFsLocation } from '../../core/repo/fs-location.js';
import type { Exec } from '../exec.js';
import type { Mounter } from '../mounter.js';

export class ExecPoolFsMounts {
  constructor(
    private readonly exec: Exec,
    private readonly mounter: Mounter,
  ) {}

  async mountExport(target: string, dir: string): Promise<void> {
    const loc = parseFsLocation(target);
    if (loc.kind !== 'nfs') throw new AgentError('POOLFS_INVALID', `not an NFS export: ${target}`);
    await this.mounter.mount(loc, dir);
  }

  async bind(src: string, dir: string): Promise<void> {
    try {
      await this.exec.run(['mount', '--bind', src, dir], { timeoutMs: 60_000 });
    } catch (e) {
      throw new AgentError('STORAGE_MOUNT_FAILED', `mount --bind ${src} ${dir} failed: ${(e as Error).message.slice(0, 300)}`);
    }
  }

  unmount(dir: string): Promise<void> {
    return this.mounter.unmount(dir);
  }

  isMounted(dir: string): Promise<boolean> {
    return this.mounter.isMounted(dir);
  }
}
