// A started VmService on libvirt's built-in test:///default driver, stopped and cleaned up at
// the end of the test: the setup of the tests that drive the VM API against real libvirt.
import { systemClock } from '../../src/host/clock.js';
import { HostExec } from '../../src/host/exec.js';
import { LibvirtHypervisor } from '../../src/host/libvirt/libvirt-hypervisor.js';
import type { VmService } from '../../src/services/vm/vm-service.js';
import { startVmService, type VmTestEnv } from './vm-fakes.js';

export async function startTestDriverVms(t: { teardown(fn: () => unknown): void }): Promise<{ hv: LibvirtHypervisor; env: VmTestEnv; svc: VmService }> {
  const hv = new LibvirtHypervisor({ uri: 'test:///default', exec: new HostExec() });
  const { env, svc } = await startVmService(t, hv, { libvirt: { uri: 'test:///default', shutdownPollMs: 10, statsInterval: 3600 } }, systemClock);
  return { hv, env, svc };
}
