// The areas plugged into the agent, in start order. Each builds its services from the
// shared deps and returns its RPC methods.
import type { ServiceDeps } from './services/context.js';
import type { OwnershipService } from './services/ownership/ownership-service.js';
import type { Feature } from './features.js';
import { HostService } from './services/host/host-service.js';
import { HostStats } from './services/host/host-stats.js';
import { realSystemInfo, type SystemInfoFacade } from './host/hostinfo/system-info.js';
import type { Hypervisor } from './host/libvirt/hypervisor.js';
import type { Mounter } from './host/mounter.js';
import type { MountTable } from './host/storage/mount-table.js';
import type { NetworkService } from './services/network/network-service.js';
import { hostMethods } from './rpc/methods/host.js';
import { PoolService } from './services/ownership/pool-service.js';
import { poolMethods } from './rpc/methods/pool.js';
import { RepositoryService } from './services/repo/repository-service.js';
import { ExecMounter } from './host/mounter.js';
import { SandboxMounter } from './host/sandbox-mounter.js';
import { repoMethods } from './rpc/methods/repo.js';
import { buildNetworkService } from './agent-deps.js';
import { LibvirtHypervisor } from './host/libvirt/libvirt-hypervisor.js';
import { VmService } from './services/vm/vm-service.js';
import { vmMethods } from './rpc/methods/vm.js';
import { networkMethods } from './rpc/methods/network.js';
import { createSandboxNetns, destroySandboxNetns } from './host/net/sandbox-netns.js';
import { buildClusterArea, realClusterDeps } from './services/cluster/cluster-area.js';
import { CloudstackModule } from './services/cloudstack/cloudstack-module.js';
import { cloudstackMethods } from './rpc/methods/cloudstack.js';
import { tcpProbe } from './host/tcp-probe.js';
import { storageFeature } from './services/storage/storage-feature.js';

/** Adapters used instead of the real ones (tests, bench); the services around them stay real. */
export interface FeatureOverrides {
  hypervisor?: Hypervisor;
  /** Every mount the agent makes (repositories, storage plugins, the pool FS's export). */
  mounter?: Mounter;
  /** The mount table the storage plugins read (with a test mounter: the mounts it made). */
  mounts?: MountTable;
  systemInfo?: SystemInfoFacade;
  network?: NetworkService;
}
import { HaService } from './services/ha/ha-service.js';
import { PoolSharedState } from './services/cluster/pool-shared-state.js';
import { networkVip, statePoolView, vmServiceHost } from './services/ha/ha-adapters.js';
import { rebootFence } from './services/ha/ha-reboot.js';
import type { DomainLease } from './core/ha/libvirt-leases.js';
import { SanlockLeaseManager } from './host/sanlock/sanlock-lease-manager.js';
import { haMethods } from './rpc/methods/ha.js';

export interface FeatureContext {
  ownership: OwnershipService;
  agentVersion: string;
  overrides?: FeatureOverrides;
}

/** The services behind the features (the CLI runs some without a server; tests inspect them). */
export interface AgentServices {
  host: HostService;
  pool: PoolService;
  network: NetworkService;
  repos: RepositoryService;
  vm: VmService;
}

export interface BuiltFeatures {
  features: Feature[];
  services: AgentServices;
  /** What the statistics push sends: the host's own figures. */
  collectHostStats(): Promise<Record<string, unknown>>;
}

export async function buildFeatures(deps: ServiceDeps, ctx: FeatureContext): Promise<BuiltFeatures> {
  const o = ctx.overrides ?? {};
  const pool = new PoolService({ hostState: deps.hostState, events: deps.events, ownership: ctx.ownership, log: deps.log.child({ component: 'pool' }) });
  const clusterArea = buildClusterArea(realClusterDeps(deps, o.mounter), pool);
  const host = new HostService({
    ...deps,
    agentVersion: ctx.agentVersion,
    si: o.systemInfo ?? realSystemInfo(),
    // The SCSI plugin does iSCSI and Fibre Channel; the sandbox mounts no NFS.
    implements: { nfs: !deps.config.sandbox, iscsi: true, fibreChannel: true },
    clusterState: () => clusterArea.cluster.state(),
    clusterCapable: () => clusterArea.cluster.capable(),
  });
  const stats = new HostStats({ fs: deps.fs, clock: deps.clock });
  const hostFeature: Feature = { name: 'host', methods: hostMethods(host) };
  const hypervisor = o.hypervisor ?? new LibvirtHypervisor({ uri: deps.config.libvirt.uri, exec: deps.exec });
  // HA hooks of the VM service (the HA service is built further down): maintenance mode refuses
  // new VMs; with ha.vmLeases libvirt an HA VM's domain carries its <lease>
  const haHooks = { check: (): void => {}, domainLeases: async (_uuid: string): Promise<DomainLease[]> => [] };
  const vm = new VmService({ ...deps, log: deps.log.child({ component: 'vm' }), hypervisor, uri: hypervisor.uri, hypervisorKind: hypervisor.kind, domainLeases: (u) => haHooks.domainLeases(u) });
  // The sandbox never runs the machine's mount on a device or a network location.
  const mounter = o.mounter ?? (deps.config.sandbox ? new SandboxMounter() : new ExecMounter(deps.exec));
  const repos = new RepositoryService({ ...deps, mounter, vmsUsing: (uuid) => vm.vmsUsingRepository(uuid) });
  const repoFeature: Feature = { name: 'repositories', methods: repoMethods(repos), start: () => repos.start(), stop: () => repos.stop() };
  const vmFeature: Feature = { name: 'vm', methods: vmMethods(vm, () => haHooks.check()), start: () => vm.start(), stop: () => vm.stop() };
  const network = o.network ?? buildNetworkService(deps);
  const features = [
    hostFeature,
    { name: 'pool', methods: poolMethods(pool, clusterArea.sequence) },
    clusterArea.feature,
    networkFeature(deps, network),
    repoFeature,
    storageFeature(deps, { clusterOnline: () => clusterArea.cluster.isOnline(), ...(o.mounter ? { mounter: o.mounter } : {}), ...(o.mounts ? { mounts: o.mounts } : {}) }),
    vmFeature,
  ];
  // Opt-in: without `extensions: [cloudstack]` its methods stay unknown.
  if (deps.config.extensions.includes('cloudstack')) {
    const startTimeOf = async (name: string) => {
      const e = (await vm.listVms()).find((x) => x.name === name);
      return e ? Number(e.start_time) || undefined : undefined;
    };
    const cs = new CloudstackModule({ ...deps, hypervisor, probe: tcpProbe, startTimeOf });
    features.push({ name: 'cloudstack', methods: cloudstackMethods(cs, deps.config.ovmVersion) });
  }
  // HA rides on the pool FS only while it is there for every member: bind-mounted (stack none)
  // or mounted with the cluster online (o2cb); lease files in an empty mount point would be local.
  const poolDir = () => {
    const p = clusterArea.poolFs.get();
    return p && (p.stack === 'none' || clusterArea.cluster.local()?.online) ? p.mountPoint : undefined;
  };
  if (deps.config.ha.enabled) {
    const { feature, ha } = haFeature(deps, network, vm, hypervisor, poolDir);
    haHooks.check = () => ha.checkAcceptsVms();
    haHooks.domainLeases = (u) => ha.domainLeases(u);
    vm.haGate = (v) => ha.leaseBeforeStart(v);
    features.push(feature);
  }
  return {
    services: { host, pool, network, repos, vm },
    features,
    collectHostStats: async () => ({ ...(await stats.collectHostStats()) }),
  };
}

/** HA on sanlock: idle until the host is in a clustered pool whose pool FS the cluster area named. */
function haFeature(deps: ServiceDeps, net: NetworkService, vm: VmService, hypervisor: Hypervisor, poolDir: () => string | undefined): { feature: Feature; ha: HaService } {
  const c = deps.config.ha;
  const view = statePoolView(deps.hostState, poolDir, (dir) => new PoolSharedState(deps, dir, '').read());
  const ha = new HaService({
    leases: new SanlockLeaseManager({ exec: deps.exec, clock: deps.clock, runDir: c.sanlockRunDir }),
    pool: view,
    vip: networkVip(net, deps.hostState),
    vms: vmServiceHost(vm, hypervisor, view.memberIp),
    settings: { ioTimeout: c.ioTimeout, fence: c.fence, placement: c.placement, vmLeases: c.vmLeases },
    fs: deps.fs,
    clock: deps.clock,
    events: deps.events,
    hostState: deps.hostState,
    lifecycle: vm.lifecycle,
    log: deps.log.child({ component: 'ha' }),
    // a sandbox never resets the machine it runs on
    reboot: rebootFence({ exec: deps.exec, log: deps.log.child({ component: 'ha' }), allowShutdown: () => deps.config.power.allowShutdown && !deps.config.sandbox }),
  });
  // the HA service's own actions are reported by its round; anyone else's at once
  vm.lifecycle.watch((e) => {
    if (e.cause !== 'agent') void ha.nudge();
  });
  return { ha, feature: { name: 'ha', methods: haMethods(ha), start: () => ha.start(), stop: () => ha.stop() } };
}

function networkFeature(deps: ServiceDeps, net: NetworkService): Feature {
  const log = deps.log.child({ component: 'network' });
  const sandboxNetns = deps.config.sandbox ? deps.config.network.netns : undefined;
  return {
    name: 'network',
    methods: networkMethods(net),
    onAuthenticatedCall: (method, from) => net.noteAuthenticatedCall(method, from),
    // the caller waiting for a connectivity confirmation gets its fault before the server stops
    quiesce: () => net.abortPending(),
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
