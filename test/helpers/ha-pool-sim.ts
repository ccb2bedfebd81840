// A simulated pool for HaService tests: N members sharing one virtual clock, one fake lease
// world, one pool directory, one "cluster" of running VMs (so a VM running twice is caught)
// and one switch on which the virtual IP may be held by several members (so two holders are caught).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SysrootFs } from '../../src/host/host-fs.js';
import { HaService } from '../../src/services/ha/ha-service.js';
import type { HaSettings } from '../../src/services/ha/ha-deps.js';
import { VmLifecycleLog } from '../../src/services/vm/vm-lifecycle-log.js';
import type { HaVm } from '../../src/core/ha/ha-state.js';
import { FakeLeaseWorld } from './fake-lease-manager.js';
import { makeKit, ManualClock, type Kit } from './service-kit.js';

export interface SimMember {
  node: number;
  kit: Kit;
  svc: HaService;
  memMiB: number;
  up: boolean;
  isMaster: boolean;
  reboots: number;
  /** What its reset answers (false: not allowed or failed, as with power.allowShutdown off). */
  rebootOk: boolean;
  /** false once the member left the pool (its pool view reports none). */
  inPool: boolean;
}

export class PoolSim {
  readonly clock = new ManualClock();
  readonly world = new FakeLeaseWorld(() => this.clock.now(), 1);
  readonly members: SimMember[] = [];
  /** uuid -> nodes running it (more than one is a violation) */
  readonly vms = new Map<string, Set<number>>();
  readonly vipHolders = new Set<number>();
  readonly violations: string[] = [];
  readonly root: string;
  private readonly kits: Kit[] = [];

  constructor(readonly settings: HaSettings = { ioTimeout: 1, fence: 'stop-vms', placement: 'most-free' }, readonly vip = '192.0.2.100') {
    const k = makeKit();
    this.kits.push(k);
    this.root = k.sysroot;
    mkdirSync(join(this.root, 'pool'), { recursive: true });
  }

  add(node: number, memMiB: number): SimMember {
    const kit = makeKit();
    this.kits.push(kit);
    const m: SimMember = { node, kit, memMiB, up: true, isMaster: false, reboots: 0, rebootOk: true, inPool: true, svc: undefined as unknown as HaService };
    m.svc = this.service(m);
    this.members.push(m);
    return m;
  }

  /** The member's host comes back (after kill or reboot): a fresh agent on the same database. */
  restart(node: number): void {
    const m = this.members.find((x) => x.node === node)!;
    m.isMaster = false;
    m.svc = this.service(m);
    m.up = true;
    this.world.freeze(node + 1, false);
  }

  private service(m: SimMember): HaService {
    const { node, kit } = m;
    const fs = new SysrootFs(this.root);
    const lifecycle = new VmLifecycleLog({ fs, clock: this.clock, events: kit.events, log: kit.log, file: `/log/vm-events-${node}.log` });
    lifecycle.host = `node${node}`;
    return new HaService({
      leases: this.world.view(node + 1), fs, lifecycle, clock: this.clock, events: kit.events, hostState: kit.hostState, log: kit.log, settings: this.settings, roundMs: 2000,
      pool: {
        current: () => (m.inPool ? { uuid: '0004fb00-0001-0000-0000-00000000abcd', node, poolDir: '/pool', virtualIp: this.vip, members: this.members.map((x) => x.node) } : undefined),
        setIsMaster: (v) => void (m.isMaster = v),
      },
      vip: {
        up: async () => void this.vipHolders.add(node),
        down: async () => void this.vipHolders.delete(node),
      },
      vms: {
        runningHaVms: async () => this.runningOn(node),
        freeMemMiB: async () => m.memMiB - this.runningOn(node).reduce((s, v) => s + v.memMiB, 0),
        start: async (vm) => this.startVm(vm, node),
        kill: async (vm) => void this.vms.get(vm.uuid)?.delete(node),
        migrate: async (vm, to) => {
          this.vms.get(vm.uuid)?.delete(node);
          this.startVm(vm, to);
        },
      },
      reboot: async () => (m.reboots++, m.rebootOk),
    });
  }

  readonly catalogue = new Map<string, HaVm>();

  runningOn(node: number): HaVm[] {
    return [...this.vms.entries()].filter(([, n]) => n.has(node)).map(([u]) => this.catalogue.get(u)!);
  }

  startVm(vm: HaVm, node: number): void {
    this.catalogue.set(vm.uuid, vm);
    const set = this.vms.get(vm.uuid) ?? new Set<number>();
    set.add(node);
    this.vms.set(vm.uuid, set);
  }

  where(uuid: string): number[] {
    return [...(this.vms.get(uuid) ?? [])].sort();
  }

  /** A host dies: its VMs and its address go with it, its leases stay until sanlock says DEAD. */
  kill(node: number): void {
    const m = this.members.find((x) => x.node === node)!;
    m.up = false;
    this.world.kill(node + 1);
    for (const set of this.vms.values()) set.delete(node);
    this.vipHolders.delete(node);
  }

  /** SIGSTOP of the whole member (agent, sanlock, VMs) and SIGCONT. */
  freeze(node: number, frozen = true): void {
    const m = this.members.find((x) => x.node === node)!;
    m.up = !frozen;
    this.world.freeze(node + 1, frozen);
  }

  /** Rounds on every member that is up, every 2 s of virtual time, checking invariants each step. */
  async run(seconds: number): Promise<void> {
    for (let s = 0; s < seconds; s += 2) {
      for (const m of this.members) if (m.up) await m.svc.round();
      this.check();
      this.clock.t += 2000;
    }
  }

  /** Never two running copies among members that run; never two VIP holders with a valid lease. */
  check(): void {
    const up = (n: number) => this.members.find((x) => x.node === n)?.up === true;
    for (const [uuid, nodes] of this.vms) {
      const live = [...nodes].filter(up);
      if (live.length > 1) this.violations.push(`${uuid} runs on ${live.join(',')} at ${this.clock.t}`);
    }
    const valid = [...this.vipHolders].filter((n) => up(n) && this.world.liveness(n + 1) === 'live' && !this.world.hosts.get(n + 1)?.failed);
    if (valid.length > 1) this.violations.push(`VIP on ${valid.join(',')} at ${this.clock.t}`);
  }

  cleanup(): void {
    for (const k of this.kits) k.cleanup();
  }
}
