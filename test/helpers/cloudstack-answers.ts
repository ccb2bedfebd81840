// Our answers to the CloudStack agent module methods whose real answers CloudStack's tests
// captured (exec_domr, ovs_dom0_stats, ovs_domU_stats), for the golden test: the module on the
// recorded real-vm sysroot, a scripted ssh and a one-router hypervisor stub.
import pino from 'pino';
import { hostDeps } from './host-deps.js';
import { FakeExec } from './fake-exec.js';
import { CloudstackModule } from '../../src/services/cloudstack/cloudstack-module.js';
import type { Hypervisor } from '../../src/host/libvirt/hypervisor.js';

const MAC = '0e:00:a9:fe:03:02';
const dom = { name: 'r-4-VM', uuid: '11111111-2222-3333-4444-555555555555', id: 7, state: 'running' as const, maxMemKiB: 262144, memKiB: 262144, vcpus: 1, cpuTimeNs: 2.5e9 };
const hypervisor = {
  listDomains: async () => [dom],
  lookupByName: async () => dom,
  getXml: async () => `<domain type='kvm'><name>r-4-VM</name><uuid>${dom.uuid}</uuid><memory unit='KiB'>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os><devices><interface type='bridge'><mac address='${MAC}'/><source bridge='control0'/></interface></devices></domain>`,
  bulkStats: async () => [{ ...dom, blockRdBytes: 1, blockWrBytes: 2, blockRdReqs: 3, blockWrReqs: 4, netRxBytes: 5, netTxBytes: 6 }],
} as unknown as Hypervisor;

export async function cloudstackAnswers(method: string): Promise<unknown> {
  const d = await hostDeps('real-vm');
  try {
    const exec = new FakeExec(({ argv }) => {
      if (argv[0] === 'ip') return { stdout: `[{"dst":"169.254.3.2","lladdr":"${MAC}","state":["REACHABLE"]}]` };
      if (argv[0] === 'ssh') return { stdout: 'clearUsageRules.sh func.sh\n' };
      return {};
    });
    const cs = new CloudstackModule({ ...d, exec, log: pino({ level: 'silent' }), hypervisor, probe: async () => true });
    switch (method) {
      case 'exec_domr':
        return await cs.domrExec('169.254.3.2', 'ls');
      case 'ovs_dom0_stats':
        return await cs.dom0Stats('eth0');
      case 'ovs_domU_stats':
        return await cs.domUStats('r-4-VM');
      default:
        throw new Error(`no producer for ${method}`);
    }
  } finally {
    await d.cleanup();
  }
}
