// The real HA adapters: the pool view from the agent's pool record (the cluster area names the
// pool FS directory), the virtual IP through the network service's configure_virtual_ip code
// (gratuitous ARP, never written to a file), and the VM host over the VM service and libvirt.
import { AgentError } from '../../core/errors.js';
import type { HaVm } from '../../core/ha/ha-state.js';
import type { Hypervisor } from '../../host/libvirt/hypervisor.js';
import type { HostStateRepo } from '../../store/host-state.js';
import { STATE_KEYS } from '../context.js';
import type { PoolState } from '../host/server-facts.js';
import type { NetworkService } from '../network/network-service.js';
import { isActive, type VmService } from '../vm/vm-service.js';
import type { HaPoolView, HaVip, HaVmHost } from './ha-deps.js';

/** Host-state key where the cluster area records the pool FS directory of a clustered pool. */
export const POOL_FS_DIR_KEY = 'pool.fs_dir';

interface SharedMembers {
  members?: Array<{ nodeNumber: number; ip: string }>;
}

/**
 * `poolDir`: where the pool FS is now (the cluster area says); default the `pool.fs_dir`
 * host-state key. `readShared`: re-reads the pool FS's shared state into this member's copy
 * (PoolSharedState.read), so members that joined after this one are known.
 */
export function statePoolView(
  hostState: HostStateRepo,
  poolDir?: () => string | undefined,
  readShared?: (dir: string) => Promise<unknown>,
): HaPoolView & { memberIp(node: number): string | undefined } {
  const shared = () => hostState.getJson<SharedMembers>('pool.shared');
  const dirNow = () => (poolDir ? poolDir() : hostState.get(POOL_FS_DIR_KEY));
  return {
    async refresh() {
      const dir = dirNow();
      if (readShared && dir && hostState.getJson<PoolState>(STATE_KEYS.pool)) await readShared(dir);
    },
    current() {
      const p = hostState.getJson<PoolState>(STATE_KEYS.pool);
      const dir = dirNow();
      if (!p || typeof p.nodeNumber !== 'number' || !dir) return undefined;
      const members = shared()?.members?.map((m) => m.nodeNumber) ?? [p.nodeNumber];
      return { uuid: p.uuid, node: p.nodeNumber, poolDir: dir, virtualIp: p.virtualIp || undefined, members };
    },
    setIsMaster(master) {
      const p = hostState.getJson<PoolState>(STATE_KEYS.pool);
      if (p && p.isMaster !== master) hostState.setJson(STATE_KEYS.pool, { ...p, isMaster: master });
    },
    memberIp: (node) => shared()?.members?.find((m) => m.nodeNumber === node)?.ip,
  };
}

export function networkVip(net: NetworkService, hostState: HostStateRepo): HaVip {
  const baseIp = () => {
    const ip = hostState.getJson<PoolState>(STATE_KEYS.pool)?.registeredIp;
    if (!ip) throw new AgentError('HA_INVALID', 'the pool record has no registered IP to carry the virtual IP');
    return ip;
  };
  return {
    up: async (vip) => void (await net.configureVirtualIp(vip, baseIp())),
    down: async (vip) => void (await net.deconfigureVirtualIp(vip)),
  };
}

const norm = (u: string) => u.replace(/-/g, '').toLowerCase();

export function vmServiceHost(vm: VmService, hypervisor: Hypervisor, memberIp: (node: number) => string | undefined): HaVmHost {
  const need = (v: HaVm) => {
    if (!v.repoId || !v.vmId) throw new AgentError('HA_INVALID', `HA VM ${v.uuid} has no repository/VM id to start from`);
    return { repoId: v.repoId, vmId: v.vmId };
  };
  return {
    async runningHaVms() {
      const ha = new Map(vm.store.all().filter((r) => r.ha).map((r) => [norm(r.uuid), r]));
      return (await hypervisor.listDomains())
        .filter((d) => isActive(d) && ha.has(norm(d.uuid)))
        .map((d) => {
          const r = ha.get(norm(d.uuid))!;
          return { uuid: r.uuid, repoId: r.repoId, vmId: r.vmId, name: d.name, memMiB: Math.ceil(d.maxMemKiB / 1024) };
        });
    },
    async freeMemMiB() {
      const node = await hypervisor.nodeInfo();
      const used = (await hypervisor.listDomains()).filter(isActive).reduce((s, d) => s + d.maxMemKiB, 0);
      return Math.max(0, Math.floor((node.memoryKiB - used) / 1024));
    },
    async start(v) {
      const { repoId, vmId } = need(v);
      await vm.startVm(repoId, vmId, 'agent');
    },
    async kill(v) {
      const { repoId, vmId } = need(v);
      await vm.stopVm(repoId, vmId, true);
    },
    async migrate(v, node) {
      const { repoId, vmId } = need(v);
      const ip = memberIp(node);
      if (!ip) throw new AgentError('HA_INVALID', `no address known for pool node ${node}`);
      await vm.migrateVm(repoId, vmId, ip, true, false);
    },
  };
}
