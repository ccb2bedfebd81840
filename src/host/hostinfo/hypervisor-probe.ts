// Default answer to "which hypervisor runs here" for discover_server, until the VM area
// injects one backed by libvirt: /proc/xen → Xen, /dev/kvm → KVM.
import type { HostFs } from '../host-fs.js';

export interface HypervisorInfo {
  type: string;
  name: string;
  version: { major: string; minor: string; extra: string };
  capabilities: string;
}

export async function probeHypervisor(fs: HostFs, kernelRelease: string): Promise<HypervisorInfo> {
  if (await fs.exists('/proc/xen')) {
    const r = async (p: string): Promise<string> => ((await fs.readTextIfExists(p)) ?? '').trim();
    return {
      type: 'xen',
      name: 'Xen',
      version: {
        major: await r('/sys/hypervisor/version/major'),
        minor: await r('/sys/hypervisor/version/minor'),
        extra: await r('/sys/hypervisor/version/extra'),
      },
      capabilities: await r('/sys/hypervisor/properties/capabilities'),
    };
  }
  // KVM is part of the kernel: its version is the kernel release (our reading).
  const m = /^(\d+)\.(\d+)(.*)$/.exec(kernelRelease) ?? ['', '', '', ''];
  // /dev/kvm means the kernel can run hardware-virtualised guests (KVM runs no PV guests).
  if (await fs.exists('/dev/kvm')) {
    return { type: 'kvm', name: 'KVM', version: { major: m[1], minor: m[2], extra: m[3] }, capabilities: 'hvm' };
  }
  return { type: 'none', name: 'none', version: { major: '', minor: '', extra: '' }, capabilities: '' };
}
