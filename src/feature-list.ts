// The areas plugged into the agent, in start order. Each builds its services from the
// shared deps and returns its RPC methods.
import type { ServiceDeps } from './services/context.js';
import type { OwnershipService } from './services/ownership/ownership-service.js';
import type { Feature } from './features.js';
import { HostService } from './services/host/host-service.js';
import { HostStats } from './services/host/host-stats.js';
import { realSystemInfo } from './host/hostinfo/system-info.js';
import { hostMethods } from './rpc/methods/host.js';
import { PoolService } from './services/ownership/pool-service.js';
import { poolMethods } from './rpc/methods/pool.js';
import { RepositoryService } from './services/repo/repository-service.js';
import { ExecMounter } from './host/mounter.js';
import { repoMethods } from './rpc/methods/repo.js';
import { buildNetworkService } from './agent-deps.js';
import { LibvirtHypervisor } from './host/libvirt/libvirt-hypervisor.js';
import { VmService } from './services/vm/vm-service.js';
import { vmMethods } from './rpc/methods/vm.js';
import { networkMethods } from './rpc/methods/network.js';
import { createSandboxNetns, destroySandboxNetns } from './host/net/sandbox-netns.js';
import type { NetworkService } from './services/network/network-service.js';
import { HaService } from './services/ha/ha-service.js';
import { networkVip, statePoolView, vmServiceHost } from './services/ha/ha-adapters.js';
import { SanlockLeaseManager } from './host/sanlock/sanlock-lease-manager.js';
import { haMethods } from './rpc/methods/ha.js';

export interface FeatureContext {
  ownership: OwnershipService;
  agentVersion: string;
}

export interface BuiltFeatures {
  features: Feature[];
  /** What the statistics push sends: the host's own figures. */
  collectHostStats(): Promise<Record<string, unknown>>;
}

export async function buildFeatures(deps: ServiceDeps, ctx: FeatureContext): Promise<BuiltFeatures> {
  const host = new HostService({ ...deps, agentVersion: ctx.agentVersion, si: realSystemInfo() });
  const stats = new HostStats({ fs: deps.fs, clock: deps.clock });
  const hostFeature: Feature = { name: 'host', methods: hostMethods(host) };
  const pool = new PoolService({ hostState: deps.hostState, events: deps.events, ownership: ctx.ownership, log: deps.log.child({ component: 'pool' }) });
  const repos = new RepositoryService({ ...deps, mounter: new ExecMounter(deps.exec) });
  const repoFeature: Feature = { name: 'repositories', methods: repoMethods(repos), start: () => repos.start(), stop: () => repos.stop() };
  const hypervisor = new LibvirtHypervisor({ uri: deps.config.libvirt.uri, exec: deps.exec });
  const vm = new VmService({ ...deps, log: deps.log.child({ component: 'vm' }), hypervisor, uri: hypervisor.uri, hypervisorKind: hypervisor.kind });
  const vmFeature: Feature = { name: 'vm', methods: vmMethods(vm), start: () => vm.start(), stop: () => vm.stop() };
  const net = buildNetworkService(deps);
  const features = [hostFeature, { name: 'pool', methods: poolMethods(pool) }, networkFeature(deps, net), repoFeature, vmFeature];
  if (deps.config.ha.enabled) features.push(haFeature(deps, net, vm, hypervisor));
  return {
    features,
    collectHostStats: async () => ({ ...(await stats.collectHostStats()) }),
  };
}

/** HA on sanlock: idle until the host is in a clustered pool whose pool FS the cluster area named. */
function haFeature(deps: ServiceDeps, net: NetworkService, vm: VmService, hypervisor: LibvirtHypervisor): Feature {
  const c = deps.config.ha;
  const view = statePoolView(deps.hostState);
  const ha = new HaService({
    leases: new SanlockLeaseManager({ exec: deps.exec, clock: deps.clock, runDir: c.sanlockRunDir }),
    pool: view,
    vip: networkVip(net, deps.hostState),
    vms: vmServiceHost(vm, hypervisor, view.memberIp),
    settings: { ioTimeout: c.ioTimeout, fence: c.fence, placement: c.placement },
    fs: deps.fs,
    clock: deps.clock,
    events: deps.events,
    hostState: deps.hostState,
    lifecycle: vm.lifecycle,
    log: deps.log.child({ component: 'ha' }),
    reboot: async () => {
      // without a watchdog device this is the reset that sanlock's watchdog would do
      if (deps.config.power.allowShutdown) await deps.exec.run(['systemctl', 'reboot', '--force']);
    },
  });
  return { name: 'ha', methods: haMethods(ha), start: () => ha.start(), stop: () => ha.stop() };
}

function networkFeature(deps: ServiceDeps, net: NetworkService): Feature {
  const log = deps.log.child({ component: 'network' });
  const sandboxNetns = deps.config.sandbox ? deps.config.network.netns : undefined;
  return {
    name: 'network',
    methods: networkMethods(net),
    onAuthenticatedCall: (method) => net.noteAuthenticatedCall(method),
    async start() {
      if (sandboxNetns) {
        // The sandbox's "host" is a private namespace with veth ports eth0..eth3, made fresh at
        // each start and rebuilt from the safe config, as a real host is at boot.
        try {
          await createSandboxNetns(sandboxNetns, { exec: deps.exec });
          const report = await net.restoreNetworks();
          log.info({ netns: sandboxNetns, restored: report.entries.length }, 'sandbox network namespace ready');
        } catch (e) {
          log.error({ err: e, netns: sandboxNetns }, 'sandbox network namespace unavailable; network calls will fail');
        }
      }
      await net.start();
    },
    async stop() {
      await net.stop();
      if (sandboxNetns) await destroySandboxNetns(sandboxNetns, { exec: deps.exec }).catch(() => {});
    },
  };
}
