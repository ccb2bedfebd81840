// Keeps a clustered pool alive without the manager: each round joins the pool's lockspace,
// fences this host when its lease fails, takes or hands over the master role (virtual IP,
// Is_Current_Master, event), and as master restarts dead members' HA VMs (placement, pending
// queue); as a member starts the VMs placed on it under their leases. Decisions: src/core/ha.
import { AgentError, fail } from '../../core/errors.js';
import type { TimerHandle } from '../../host/clock.js';
import type { HaVm, MasterRecord, MemberReport } from '../../core/ha/ha-state.js';
import { emptyMasterRecord } from '../../core/ha/ha-state.js';
import { hostIdToNode, nodeToHostId, type HostState, type LockspaceSpec, type ResourceSpec } from '../../core/ha/lease-manager.js';
import { masterAction, type MemberView } from '../../core/ha/master-rules.js';
import { masterPlan } from '../../core/ha/master-plan.js';
import { fenceDecision, strayVms } from '../../core/ha/fencing.js';
import type { DomainLease } from '../../core/ha/libvirt-leases.js';
import { HaRecords } from './ha-records.js';
import { LibvirtLocks } from './libvirt-locks.js';
import { VmLeaseGate } from './vm-lease-gate.js';
import { evacuate } from './ha-maintenance.js';
import { FencedVms } from './fenced-vms.js';
import { HA_STATE_KEYS, type HaServiceDeps } from './ha-deps.js';
import { lockspaceName, vmLeaseName, type HaState } from './ha-names.js';

export { lockspaceName, vmLeaseName, type HaState };
type Pool = NonNullable<ReturnType<HaServiceDeps['pool']['current']>>;

export class HaService {
  private timer: TimerHandle | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private joinedLs: string | undefined;
  private joinedSpec: LockspaceSpec | undefined;
  private isMaster = false;
  private vipUp: string | undefined;
  private vacantSince: number | undefined;
  private generation = 0;
  private again = false; // a nudge came while a round ran: one more round once it ends
  private readonly gate: VmLeaseGate; // leases of starts in progress, which a round keeps
  private readonly libvirt: LibvirtLocks;
  private readonly fenced: FencedVms; // HA VMs we powered off ourselves, until the master restarts them
  private lastReport: MemberReport | undefined;
  private last: { hosts: HostState[]; master?: MasterRecord; at?: number; error?: string; held: string[] } = { hosts: [], held: [] };

  constructor(private readonly deps: HaServiceDeps) {
    this.gate = new VmLeaseGate({ leases: deps.leases, log: deps.log });
    this.fenced = new FencedVms(deps);
    this.libvirt = new LibvirtLocks({ fs: deps.fs, log: deps.log, events: deps.events, wanted: deps.settings.vmLeases === 'libvirt' });
  }

  private get roundMs(): number {
    return this.deps.roundMs ?? this.deps.settings.ioTimeout * 2000;
  }

  get maintenance(): boolean {
    return this.deps.hostState.get(HA_STATE_KEYS.maintenance) === '1';
  }

  start(): void {
    this.stopped = false;
    this.deps.leases.onLost((l) => {
      if (l.name === 'master') void this.masterLost('the master lease holder exited (renewal failed or killed)');
    });
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      void this.round().finally(() => this.schedule(this.roundMs));
    }, ms);
  }

  /** Planned handover at agent stop: the master role goes, VM leases stay with their VMs. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.running?.catch(() => {});
    if (this.isMaster) await this.handOver('agent stopping');
  }

  /** What a crash does (benches and chaos runs): no more rounds, nothing handed over or released. */
  abandon(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** One round; concurrent callers share the round in progress. */
  round(): Promise<void> {
    this.running ??= this.doRound().finally(() => {
      this.running = undefined;
      const again = this.again && !this.stopped;
      this.again = false;
      if (again) void this.round();
    });
    return this.running;
  }

  /** Someone else (the manager) started, stopped or switched HA of a VM here: report it now, as the
   *  master knows a member's HA VMs only from its report (a host dying before the round loses it). */
  nudge(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) return this.round();
    this.again = true;
    return this.running;
  }

  private async doRound(): Promise<void> {
    // an unreadable pool FS leaves the last copy in place: the round goes on with it
    await this.deps.pool.refresh?.().catch((err: unknown) => this.deps.log.warn({ err }, 'pool members not re-read from the pool FS'));
    const pool = this.deps.pool.current();
    try {
      if (!pool) {
        if (this.isMaster) await this.handOver('left the pool');
        if (this.joinedSpec) {
          // out of the pool: out of its lockspace too (a member leaves with no VMs running)
          await this.deps.leases.leaveLockspace(this.joinedSpec);
          this.deps.events.emit({ severity: 'info', object: 'pool', code: 'HA_LEFT', message: `left the pool lockspace ${this.joinedSpec.name}` });
          this.joinedSpec = undefined;
          this.joinedLs = undefined;
        }
        return;
      }
      await this.roundIn(pool);
      this.last.error = undefined;
    } catch (err) {
      this.last.error = err instanceof Error ? err.message : String(err);
      this.deps.log.error({ err }, 'HA round failed');
    } finally {
      this.last.at = this.deps.clock.now();
    }
  }

  private names(pool: Pool) {
    const rec = new HaRecords(this.deps.fs, pool.poolDir);
    const ls: LockspaceSpec = { name: lockspaceName(pool.uuid), hostId: nodeToHostId(pool.node), path: rec.leasePath('lockspace'), ioTimeout: this.deps.settings.ioTimeout };
    const res = (name: string): ResourceSpec => ({ lockspace: ls.name, name, path: rec.leasePath(`${name}.lease`) });
    return { rec, ls, res };
  }

  private async roundIn(pool: Pool): Promise<void> {
    const { rec, ls, res } = this.names(pool);
    const L = this.deps.leases;
    if (this.joinedLs !== ls.name) {
      // an address left by an agent (or host) that died as master: never two VIP holders
      if (pool.virtualIp && !this.isMaster) await this.deps.vip.down(pool.virtualIp).catch((err) => this.deps.log.warn({ err }, 'cannot drop a stale virtual IP'));
      await rec.ensureDir();
      await L.initLockspace({ ...ls, hostId: 0 });
      await L.initResource(res('master'));
      await L.joinLockspace(ls);
      this.joinedLs = ls.name;
      this.joinedSpec = ls;
      this.deps.events.emit({ severity: 'info', object: `pool:${pool.uuid}`, code: 'HA_JOINED', message: `joined the pool lockspace as host id ${ls.hostId}` });
    }
    const ownOk = await L.inLockspace(ls.name);
    const hosts = await L.hosts(ls.name);
    this.last.hosts = hosts;
    const me = hosts.find((h) => h.hostId === ls.hostId);
    if (me) this.generation = me.generation;
    const held = await L.held();
    this.last.held = held.map((h) => h.name);
    const running = await this.deps.vms.runningHaVms();

    // 1. fencing: a member that cannot renew stops being a member before others may declare it dead
    const fence = fenceDecision({ ownLeaseOk: ownOk, mode: this.deps.settings.fence, holdingMaster: this.isMaster, vipUp: this.vipUp !== undefined, localHaVms: running });
    if (!ownOk) {
      await this.masterLost('our lockspace lease is not renewing');
      for (const vm of fence.stopVms) await this.killVm(vm, 'ha-fence', 'own lease failed: fencing (ha.fence stop-vms)');
      this.deps.events.emit({ severity: 'critical', object: `pool:${pool.uuid}`, code: 'HA_FENCED', message: `lockspace lease lost; fencing with ${this.deps.settings.fence}` });
      // no reset possible: never leave HA VMs running without their lease
      if (fence.reboot && (await this.deps.reboot()) === false) for (const vm of running) await this.killVm(vm, 'ha-fence', 'own lease failed: reset refused or failed, VM stopped');
      this.joinedLs = undefined; // join again (new generation) once storage is back
      return;
    }

    // 2. a member back from the dead, or a VM someone else now owns: never two copies
    const master = await rec.master();
    this.last.master = master;
    const heldVm = new Set(held.map((h) => h.name));
    const leased = new Set(running.filter((vm) => heldVm.has(vmLeaseName(vm.uuid))).map((vm) => vm.uuid));
    for (const vm of running.filter((v) => !leased.has(v.uuid))) {
      // a VM started without its lease (manager start_vm, agent restart): take it now or stop it
      const lease = res(vmLeaseName(vm.uuid));
      const r = await L.initResource(lease)
        .then(() => L.acquire(lease, 'detached'))
        .catch((err: unknown) => ({ ok: false as const, detail: err instanceof Error ? err.message : String(err) }));
      if (r.ok) leased.add(vm.uuid);
      else this.deps.log.warn({ vm: vm.uuid, detail: r.detail }, 'running HA VM without its lease');
    }
    const strays = strayVms(pool.node, this.generation, running, master, leased);
    for (const vm of strays) await this.killVm(vm, 'ha-fence', 'runs elsewhere or its lease is held by another host');
    const runningNow = running.filter((v) => !strays.includes(v));
    // a lease lives exactly as long as its VM runs here (under libvirt's lock manager qemu holds it)
    const viaLibvirt = await this.libvirt.active();
    const unused = (name: string) => !viaLibvirt && name.startsWith('vm-') && !this.gate.starting.has(name) && !runningNow.some((v) => vmLeaseName(v.uuid) === name);
    for (const h of held.filter((x) => unused(x.name))) await L.release({ lockspace: ls.name, name: h.name });
    for (const v of runningNow) this.gate.starting.delete(vmLeaseName(v.uuid)); // started: an ordinary lease now

    // 3. our report for the master, with the VMs we fenced until it has them running (or queued) again
    for (const [uuid, p] of [...this.fenced.keys()].map((u) => [u, master?.placements[u]] as const)) {
      if (runningNow.some((v) => v.uuid === uuid) || master?.pending.some((e) => e.vm.uuid === uuid) || (p && p.node !== pool.node && !p.start)) this.fenced.delete(uuid);
    }
    const starting = [...this.gate.starting.values()].filter((v) => !runningNow.some((r) => r.uuid === v.uuid));
    const report: MemberReport = { node: pool.node, generation: this.generation, updatedAt: this.deps.clock.now(), freeMemMiB: Math.max(0, Math.floor(await this.deps.vms.freeMemMiB())), maintenance: this.maintenance, running: [...runningNow, ...starting], fenced: [...this.fenced.values()] };
    await rec.writeReport((this.lastReport = report));

    // 4. the master role
    // every pool member counts, observed or not: sanlock lists no hosts for a while after a join
    // ("hosts not ready"), and an unobserved member keeps its rank (the step fallback covers it)
    const members: MemberView[] = [...new Set([...pool.members, pool.node])].map((node) => ({
      node,
      liveness: node === pool.node ? 'live' : (hosts.find((h) => hostIdToNode(h.hostId) === node)?.liveness ?? 'unknown'),
      maintenance: false,
    }));
    for (const r of await rec.reports()) {
      const m = members.find((x) => x.node === r.node);
      if (m) m.maintenance = r.maintenance;
    }
    // a master that just handed the role over is not a candidate: the next one need not wait for it
    if (master?.released) for (const m of members) if (m.node === master.node && m.node !== pool.node) m.maintenance = true;
    const holding = held.some((h) => h.name === 'master');
    if (holding !== this.isMaster && !holding) await this.masterLost('master lease no longer held');
    // vacant only when no lease can be held by another: no master yet, handed over, or its
    // holder DEAD (or gone). A FAIL master may still hold it, and sanlock would block an acquire.
    const masterLiveness = master ? hosts.find((h) => hostIdToNode(h.hostId) === master.node)?.liveness : undefined;
    const vacant = !master || master.released === true || master.node === pool.node || masterLiveness === 'dead' || masterLiveness === 'free' || masterLiveness === undefined;
    if (!vacant || holding) this.vacantSince = undefined;
    else this.vacantSince ??= this.deps.clock.now();
    const action = masterAction({ self: pool.node, members, holding, joined: true, vacantSince: this.vacantSince, now: this.deps.clock.now(), stepMs: this.roundMs });
    // 'keep' while we do not think we are master: the lease came back to us (an acquire that
    // finished late); act as master so the role is never held without its virtual IP
    if (action === 'acquire' || (action === 'keep' && !this.isMaster)) await this.takeMaster(pool, res('master'), master);
    else if (action === 'release') await this.handOver(this.maintenance ? 'maintenance mode' : 'not eligible');
    if (this.isMaster && pool.virtualIp && this.vipUp !== pool.virtualIp) await this.vipOn(pool.virtualIp);

    // 5. master duties, then member duties
    if (this.isMaster) await this.masterRound(pool, rec, hosts);
    if (!this.maintenance) await this.startPlaced(pool, rec, res, runningNow);
  }

  private async takeMaster(pool: Pool, res: ResourceSpec, prev: MasterRecord | undefined): Promise<void> {
    const r = await this.deps.leases.acquire(res, 'agent');
    if (!r.ok) {
      this.deps.log.info({ reason: r.reason, detail: r.detail }, 'master lease not taken');
      return;
    }
    this.isMaster = true;
    this.vacantSince = undefined;
    const rec = new HaRecords(this.deps.fs, pool.poolDir);
    const next: MasterRecord = prev ? { ...prev, node: pool.node, epoch: prev.epoch + 1, released: false, updatedAt: this.deps.clock.now() } : emptyMasterRecord(pool.node, 1, this.deps.clock.now());
    await rec.writeMaster(next);
    this.deps.pool.setIsMaster(true);
    if (pool.virtualIp) await this.vipOn(pool.virtualIp);
    this.deps.events.emit({ severity: 'info', object: `pool:${pool.uuid}`, code: 'POOL_MASTER_ACQUIRED', message: `this host (node ${pool.node}) is the pool master (epoch ${next.epoch})`, data: { node: pool.node, epoch: next.epoch } });
  }

  private async vipOn(vip: string): Promise<void> {
    await this.deps.vip.up(vip);
    this.vipUp = vip;
  }

  /** The lease is gone: the virtual IP goes first, at once. */
  private async masterLost(why: string): Promise<void> {
    if (!this.isMaster && this.vipUp === undefined) return;
    const vip = this.vipUp;
    this.isMaster = false;
    this.vipUp = undefined;
    if (vip) await this.deps.vip.down(vip).catch((err) => this.deps.log.error({ err, vip }, 'cannot drop the virtual IP'));
    this.deps.pool.setIsMaster(false);
    this.deps.events.emit({ severity: 'warning', object: 'pool', code: 'POOL_MASTER_LOST', message: `master role lost: ${why}` });
  }

  /** Planned handover: VIP down, then the lease released so another member takes over now. */
  private async handOver(why: string): Promise<void> {
    const pool = this.deps.pool.current();
    const vip = this.vipUp;
    this.isMaster = false;
    this.vipUp = undefined;
    if (vip) await this.deps.vip.down(vip);
    if (pool && this.joinedLs) {
      const rec = new HaRecords(this.deps.fs, pool.poolDir);
      const cur = await rec.master();
      // tell the members the role is vacant now, so they need not wait for a dead time
      if (cur && cur.node === pool.node) await rec.writeMaster({ ...cur, released: true, updatedAt: this.deps.clock.now() });
      await this.deps.leases.release({ lockspace: this.joinedLs, name: 'master' });
    }
    this.deps.pool.setIsMaster(false);
    this.deps.events.emit({ severity: 'info', object: 'pool', code: 'POOL_MASTER_RELEASED', message: `master role handed over: ${why}` });
  }

  private async masterRound(pool: Pool, rec: HaRecords, hosts: HostState[]): Promise<void> {
    const current = (await rec.master()) ?? emptyMasterRecord(pool.node, 1, this.deps.clock.now());
    const liveness = hosts.map((h) => ({ node: hostIdToNode(h.hostId), liveness: h.liveness, generation: h.generation }));
    const plan = masterPlan({ record: current, reports: await rec.reports(), liveness, policy: this.deps.settings.placement, now: this.deps.clock.now(), startGraceMs: this.roundMs * 5 });
    plan.record.node = pool.node;
    await rec.writeMaster(plan.record);
    this.last.master = plan.record;
    for (const d of plan.declaredDead) {
      this.deps.events.emit({ severity: 'critical', object: `pool:${pool.uuid}`, code: 'HA_MEMBER_DEAD', message: `member node ${d.node} declared dead by sanlock (generation ${d.generation})`, data: { node: d.node } });
    }
    for (const r of plan.restarts) {
      await this.deps.lifecycle.record({ action: 'ha-restart', vm: r.vm, cause: 'agent', detail: `placed on node ${r.node} (from ${r.from === 'pending' ? 'the pending queue' : `dead node ${r.from}`})` });
    }
    for (const vm of plan.queued) await this.deps.lifecycle.record({ action: 'ha-pending', vm, cause: 'agent', detail: 'no live member has enough free memory; queued' });
  }

  private async startPlaced(pool: Pool, rec: HaRecords, res: (n: string) => ResourceSpec, running: HaVm[]): Promise<void> {
    const master = await rec.master();
    if (!master || master.dead[String(pool.node)] === this.generation) return;
    const viaLibvirt = await this.libvirt.active();
    for (const p of Object.values(master.placements)) {
      // only restarts: a VM that ran here and was stopped on purpose stays stopped
      if (p.node !== pool.node || !p.start || running.some((v) => v.uuid === p.vm.uuid)) continue;
      const lease = res(vmLeaseName(p.vm.uuid));
      await this.deps.leases.initResource(lease);
      // libvirt's lock manager: the start itself acquires (qemu holds it) and fails when held
      const got = viaLibvirt ? { ok: true as const } : await this.deps.leases.acquire(lease, 'detached');
      if (!got.ok) {
        await this.deps.lifecycle.record({ action: 'ha-lease-busy', vm: p.vm, cause: 'agent', detail: `not started: ${got.detail}` });
        continue;
      }
      try {
        await this.deps.vms.start(p.vm);
        await this.deps.lifecycle.record({ action: 'ha-start', vm: p.vm, cause: 'agent', detail: `HA restart on node ${pool.node}` });
      } catch (err) {
        if (!viaLibvirt) await this.deps.leases.release(lease);
        await this.deps.lifecycle.record({ action: 'ha-start-failed', vm: p.vm, cause: 'agent', detail: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  private async killVm(vm: HaVm, action: 'ha-fence', detail: string): Promise<void> {
    try {
      await this.deps.vms.kill(vm);
    } catch (err) {
      this.deps.log.error({ err, vm: vm.uuid }, 'cannot stop an HA VM while fencing');
    }
    if (this.joinedLs) await this.deps.leases.release({ lockspace: this.joinedLs, name: vmLeaseName(vm.uuid) }).catch(() => {});
    this.fenced.set(vm.uuid, vm);
    await this.deps.lifecycle.record({ action, vm, cause: 'agent', detail });
  }

  /** ext set_maintenance_mode: HA VMs move away (or stop), the master role is handed over. */
  async setMaintenance(enable: boolean): Promise<void> {
    const pool = this.deps.pool.current();
    if (!pool) throw fail('POOL_NOT_MEMBER', 'Server is not a member of a server pool');
    if (enable === this.maintenance) return;
    this.deps.hostState.set(HA_STATE_KEYS.maintenance, enable ? '1' : '0');
    this.deps.events.emit({ severity: 'info', object: `pool:${pool.uuid}`, code: enable ? 'HA_MAINTENANCE_ON' : 'HA_MAINTENANCE_OFF', message: `maintenance mode ${enable ? 'on' : 'off'}` });
    if (!enable) return;
    if (this.isMaster) await this.handOver('maintenance mode');
    const rec = new HaRecords(this.deps.fs, pool.poolDir);
    const others = (await rec.reports()).filter((r) => r.node !== pool.node && !r.maintenance && this.last.hosts.some((h) => hostIdToNode(h.hostId) === r.node && h.liveness === 'live'));
    await evacuate(this.deps, others, (vm, detail) => this.killVm(vm, 'ha-fence', detail));
  }

  /** VM service hook: an HA VM's lease, taken before its domain starts (none outside a pool); resolves the undo of a failed start. */
  async leaseBeforeStart(vm: HaVm): Promise<(() => Promise<void>) | undefined> {
    const pool = this.deps.pool.current();
    // under libvirt's lock manager qemu takes the lease itself (the domain's <lease>)
    if (!pool || !this.joinedSpec || (await this.libvirt.active())) return undefined;
    const undo = await this.gate.take(vm, this.names(pool).res(vmLeaseName(vm.uuid)));
    // the master knows a member's VMs only from its report: name this one before its domain starts
    const r = this.lastReport;
    if (undo && r) await new HaRecords(this.deps.fs, pool.poolDir).writeReport({ ...r, updatedAt: this.deps.clock.now(), running: [...r.running.filter((v) => v.uuid !== vm.uuid), vm] });
    return undo;
  }

  /** ha.vmLeases libvirt (VM service hook): an HA VM's `<lease>`, its file formatted first (libvirt
   *  formats none). None when off or not in the lockspace: a holder process then, as by default. */
  async domainLeases(uuid: string): Promise<DomainLease[]> {
    const pool = this.deps.pool.current();
    if (!pool || !this.joinedLs || !(await this.libvirt.active())) return [];
    const lease = this.names(pool).res(vmLeaseName(uuid));
    await this.deps.leases.initResource(lease);
    return [{ lockspace: lease.lockspace, key: lease.name, path: lease.path, offset: 0 }];
  }

  /** Refuses a new VM on this host while in maintenance (VM service hook). */
  checkAcceptsVms(): void {
    if (this.maintenance) throw new AgentError('HA_MAINTENANCE', 'this server is in maintenance mode and takes no new VMs');
  }

  /** ext get_ha_state, and `hvagent status`. */
  state(): HaState {
    const pool = this.deps.pool.current();
    const m = this.last.master;
    return {
      pool: pool?.uuid ?? null,
      node: pool?.node ?? null,
      joined: this.joinedLs !== undefined,
      master: this.isMaster,
      masterNode: m?.node ?? null,
      vipUp: this.vipUp !== undefined,
      maintenance: this.maintenance,
      hosts: this.last.hosts.map((h) => ({ node: hostIdToNode(h.hostId), liveness: h.liveness, generation: h.generation })),
      leases: [...this.last.held],
      pending: (m?.pending ?? []).map((e) => ({ uuid: e.vm.uuid, memMiB: e.vm.memMiB, since: new Date(e.since).toISOString() })),
      lastRound: this.last.at ? new Date(this.last.at).toISOString() : null,
      lastError: this.last.error ?? null,
    };
  }
}
