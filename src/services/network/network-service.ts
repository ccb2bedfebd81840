// The network service: every network RPC (stock ovs_* calls, setup_networks, safe config,
// discovery, virtual IP, management network) runs through the one transactional pipeline.
import { fail } from '../../core/errors.js';
import { networkDiscoveryXml } from '../../core/net/discovery.js';
import { ifaceOfAddress } from '../../core/net/manager-link.js';
import * as mut from '../../core/net/mutations.js';
import { setupNetworks, type BondAttrs, type NetworkAttrs } from '../../core/net/setup-networks.js';
import type { NetModel } from '../../core/net/model.js';
import { NET_STATE_KEYS, type NetworkServiceDeps } from './deps.js';
import { NetPipeline, type ChangeResult } from './pipeline.js';
import { INTENT_NET_CHANGE, type NetCheckpoint } from './net-checkpoint.js';
import { setupManagementNetwork, type ManagementNetworkDef } from './management-network.js';
import { restoreNetworks, type RestoreReport } from './restore.js';
import { applyResetTrigger } from './reset.js';

export interface SetupOptions {
  connectivityCheck?: boolean;
  connectivityTimeout?: number;
  commitOnSuccess?: boolean;
  dryRun?: boolean;
}

export interface DryRunResult {
  operations: Array<Record<string, unknown>>;
  files: Record<string, { old?: string; new?: string }>;
}

export class NetworkService {
  readonly pipe: NetPipeline;

  constructor(readonly deps: NetworkServiceDeps) {
    this.pipe = new NetPipeline(deps);
    // A change cut short by a crash: files, rows and live devices back to its checkpoint.
    deps.intents.register<NetCheckpoint>(INTENT_NET_CHANGE, async (cp) => {
      const r = await this.pipe.locked(() => this.pipe.recoverChange(cp));
      return { outcome: 'rolled-back', detail: `${cp.label}: ${r.files.length} file(s) and ${r.ops} live operation(s) restored` };
    });
  }

  async start(): Promise<void> {
    // a failed reset must not keep the agent (and so the manager) off the host: it is an event
    await applyResetTrigger(this).catch((err) => this.deps.log.error({ err }, 'emergency network reset failed'));
  }

  /** Rolls back a change waiting for the manager and waits until the change in progress has ended. */
  async stop(): Promise<void> {
    this.abortPending();
    await this.pipe.idle();
  }

  /** An unconfirmed change must not outlive the agent half-committed: its rollback starts now. */
  abortPending(): void {
    this.pipe.abortPending(fail('NET_LOST_CONNECTION', 'LOST_CONNECTION: the agent stopped before the manager confirmed connectivity; the change was rolled back'));
  }

  /** Registry hook: a call from the manager that made the waiting change proves it still reaches us. */
  noteAuthenticatedCall(method: string, from: string): void {
    if (method === 'confirm_connectivity' || !this.pipe.hasPending()) return;
    if (this.pipe.confirm(from)) this.deps.log.info({ method, from }, 'connectivity confirmed by a manager call');
  }

  confirmConnectivity(from: string): null {
    if (this.pipe.confirm(from)) this.deps.log.info({ from }, 'connectivity confirmed');
    else if (this.pipe.hasPending()) this.deps.log.warn({ from }, 'confirm_connectivity from another address than the change came from: ignored');
    return null;
  }

  private run<T>(label: string, localAddress: string | undefined, build: (cur: NetModel) => { desired: NetModel; result?: T }): Promise<ChangeResult<T>> {
    return this.pipe.locked(() => this.pipe.change<T>({ label, localAddress }, (cur) => build(cur)));
  }

  private async runResult(label: string, localAddress: string | undefined, build: (cur: NetModel) => mut.Mutation): Promise<string | null> {
    const r = await this.run<string>(label, localAddress, build);
    return r.result ?? null;
  }

  // ---- stock ovs_* calls ----
  bondMode(bond: string, mode: string | number, la?: string) {
    return this.runResult(`ovs_bond_mode ${bond} ${mode}`, la, (c) => mut.bondMode(c, bond, mode));
  }
  bondOp(action: 'add' | 'remove', bond: string, slave: string, la?: string) {
    return this.runResult(`ovs_bond_op ${action} ${bond} ${slave}`, la, (c) => mut.bondOp(c, action, bond, slave));
  }
  bondConfig(action: 'add' | 'remove', bond: string, la?: string) {
    return this.runResult(`ovs_bond_config ${action} ${bond}`, la, (c) => mut.bondConfig(c, action, bond));
  }
  changeMtu(iface: string, mtu: number, la?: string) {
    return this.runResult(`ovs_change_mtu ${iface} ${mtu}`, la, (c) => mut.changeMtu(c, iface, mtu));
  }
  ipConfig(iface: string, optype: 'static' | 'dynamic' | 'flush', ip: string, netmask: string, la?: string) {
    return this.runResult(`ovs_ip_config ${iface} ${optype}`, la, (c) => mut.ipConfig(c, iface, optype, ip, netmask));
  }
  ifMeta(iface: string, data: string, la?: string) {
    return this.runResult(`ovs_if_meta ${iface}`, la, (c) => mut.ifMeta(c, iface, data));
  }
  localConfig(action: 'start' | 'stop', bridge: string, la?: string) {
    return this.runResult(`ovs_local_config ${action} ${bridge}`, la, (c) => mut.localConfig(c, action, bridge));
  }
  vlanConfig(action: 'add' | 'remove', iface: string, id: number, la?: string) {
    return this.runResult(`ovs_vlan_config ${action} ${iface} ${id}`, la, (c) => mut.vlanConfig(c, action, iface, id));
  }
  brConfig(action: 'start' | 'stop', bridge: string, netdev: string, la?: string) {
    return this.runResult(`ovs_br_config ${action} ${bridge} ${netdev}`, la, (c) => mut.brConfig(c, action, bridge, netdev));
  }
  vlanBridge(action: 'start' | 'stop', bridge: string, netdev: string, vlan: number, la?: string) {
    return this.runResult(`ovs_vlan_bridge ${action} ${bridge} ${netdev} ${vlan}`, la, (c) => mut.vlanBridge(c, action, bridge, netdev, vlan));
  }
  configureVirtualIp(vip: string, baseIp: string, la?: string) {
    return this.runResult(`configure_virtual_ip ${vip}`, la, (c) => mut.configureVip(c, vip, baseIp));
  }
  deconfigureVirtualIp(vip: string, la?: string) {
    return this.runResult(`deconfigure_virtual_ip ${vip}`, la, (c) => mut.deconfigureVip(c, vip));
  }

  // ---- extensions ----
  async setupNetworks(
    networks: Record<string, NetworkAttrs>,
    bondings: Record<string, BondAttrs>,
    options: SetupOptions,
    localAddress?: string,
    caller?: string,
  ): Promise<DryRunResult | null> {
    const label = `setup_networks ${[...Object.keys(bondings), ...Object.keys(networks)].join(',') || '(nothing)'}`;
    const r = await this.pipe.locked(() =>
      this.pipe.change(
        {
          label,
          localAddress,
          ...(caller !== undefined ? { caller } : {}),
          connectivityCheck: options.connectivityCheck,
          connectivityTimeout: options.connectivityTimeout,
          commitOnSuccess: options.commitOnSuccess,
          dryRun: options.dryRun,
        },
        (cur) => ({ desired: setupNetworks(cur, networks, bondings) }),
      ),
    );
    if (!options.dryRun) return null;
    const files: DryRunResult['files'] = {};
    for (const f of r.plan.files) {
      files[f.path] = {};
      if (f.old !== undefined) files[f.path].old = f.old;
      if (f.new !== undefined) files[f.path].new = f.new;
    }
    return { operations: r.plan.ops.map((o) => ({ ...o })), files };
  }

  async setSafeNetworkConfig(): Promise<null> {
    return this.pipe.locked(async () => {
      const state = await this.pipe.readCurrent();
      if (!this.pipe.repo.get('running')) this.pipe.repo.set('running', state.current);
      this.pipe.repo.promoteSafe();
      this.deps.log.info('running network config promoted to safe');
      return null;
    });
  }

  async discoverNetwork(): Promise<string> {
    const state = await this.pipe.readCurrent();
    return networkDiscoveryXml(state.snap, state.current, { running: this.pipe.repo.get('running'), safe: this.pipe.repo.get('safe') });
  }

  async getCapabilities(localAddress?: string): Promise<Record<string, unknown>> {
    const state = await this.pipe.readCurrent();
    const last = localAddress ? ifaceOfAddress(state.snap, localAddress) : undefined;
    if (last) this.deps.hostState.set(NET_STATE_KEYS.lastClientIface, last);
    const running = this.pipe.repo.getRaw('running');
    const safe = this.pipe.repo.getRaw('safe');
    const m = state.current;
    const byKind = (k: string) => Object.values(m.ifaces).filter((i) => i.kind === k);
    const ipStruct = (i: NetModel['ifaces'][string]) =>
      i.ip.proto === 'static'
        ? { bootproto: 'static', ipaddr: i.ip.address, prefix: i.ip.prefix, gateway: i.ip.gateway ?? '' }
        : { bootproto: i.ip.proto, ipaddr: '', prefix: 0, gateway: '' };
    const links = new Map(state.snap.links.map((l) => [l.name, l]));
    const common = (i: NetModel['ifaces'][string]) => ({
      mtu: i.mtu,
      mac: links.get(i.name)?.mac ?? '',
      up: links.get(i.name)?.up ?? false,
      metadata: i.meta ?? '',
      ...ipStruct(i),
    });
    return {
      lastClientIface: last ?? this.deps.hostState.get(NET_STATE_KEYS.lastClientIface) ?? '',
      netConfigDirty: (running !== undefined && running !== safe) || this.pipe.rollbackFailure() !== undefined,
      ...(this.pipe.rollbackFailure() ? { rollbackFailed: this.pipe.rollbackFailure() } : {}),
      backend: this.pipe.backend.name,
      nics: Object.fromEntries(byKind('port').map((i) => [i.name, { ...common(i), hwaddr: i.kind === 'port' ? (i.hwaddr ?? '') : '', speed: links.get(i.name)?.speedMbps ?? 0 }])),
      bondings: Object.fromEntries(
        byKind('bond').map((i) => [i.name, i.kind === 'bond' ? { ...common(i), slaves: i.slaves, mode: i.mode, miimon: i.miimon, updelay: i.updelay, downdelay: i.downdelay, primary: i.primary ?? '' } : {}]),
      ),
      vlans: Object.fromEntries(byKind('vlan').map((i) => [i.name, i.kind === 'vlan' ? { ...common(i), iface: i.parent, vlanid: i.id } : {}])),
      bridges: Object.fromEntries(byKind('bridge').map((i) => [i.name, i.kind === 'bridge' ? { ...common(i), ports: i.ports, stp: 'off' } : {}])),
      networks: Object.fromEntries(
        Object.entries(m.networks).map(([n, d]) => [n, { iface: d.device, base: d.base, bridged: d.bridged, roles: d.roles, ...(d.vlan !== undefined ? { vlan: d.vlan } : {}) }]),
      ),
    };
  }

  setupManagementNetwork(def: ManagementNetworkDef | null, localAddress?: string): Promise<null> {
    return setupManagementNetwork(this, def, localAddress);
  }

  /** Boot restore: a change a crash cut short is rolled back first, then the safe config is applied. */
  async restoreNetworks(): Promise<RestoreReport> {
    await this.deps.intents.recoverAll({ kinds: [INTENT_NET_CHANGE] });
    const report = await restoreNetworks(this);
    if (!report.entries.some((e) => e.result === 'failed') && report.source === 'safe') this.pipe.clearDirty();
    return report;
  }

  getRestoreReport(): Record<string, unknown> {
    return (this.pipe.repo.lastRestoreReport() as Record<string, unknown> | undefined) ?? { entries: [], time: '' };
  }

  /** For callers that need a fault when the service cannot help (used by the CLI). */
  requireSafe(): NetModel {
    const safe = this.pipe.repo.get('safe');
    if (!safe) throw fail('NET_NO_SAFE_CONFIG', 'no safe network config has been stored on this host');
    return safe;
  }
}
