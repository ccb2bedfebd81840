// The Mounter of sandbox mode: the sandbox never runs the machine's `mount` on a device or a
// network location (its repositories are plain directories); such a request is refused.
import { AgentError } from '../core/errors.js';
import { fsLocationToText, type MountableLocation } from '../core/repo/fs-location.js';
import type { Mounter } from './mounter.js';

export class SandboxMounter implements Mounter {
  async mount(loc: MountableLocation, _dir?: string): Promise<void> {
    throw new AgentError(
      'STORAGE_OP_NOT_SUPPORTED',
      `the sandbox does not mount ${loc.kind === 'nfs' ? 'network file systems' : 'devices'} (${fsLocationToText(loc).slice(0, 100)}); use a directory`,
    );
  }

  async unmount(): Promise<void> {}

  async isMounted(): Promise<boolean> {
    return false;
  }
}
