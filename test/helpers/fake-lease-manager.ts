// A LeaseManager fake with sanlock's timing rules on a virtual clock: one FakeLeaseWorld is
// the shared storage, each host gets a view. A host renews while it is neither frozen
// (SIGSTOP) nor cut off from storage; others see it FAIL after 8 x io and DEAD after 8 x io + 60 s.
import type { AcquireResult, HeldLease, HolderKind, HostLiveness, HostState, LeaseManager, LockspaceSpec, ResourceSpec } from '../../src/core/ha/lease-manager.js';
import { hostDeadSeconds, renewalFailSeconds } from '../../src/core/ha/lease-manager.js';

interface HostRec {
  gen: number;
  lastRenew: number;
  joined: boolean;
  frozen: boolean;
  cut: boolean;
  /** Renewal failed past 8 x io: sanlock dropped the lockspace; only a new join (generation) helps. */
  failed: boolean;
}

export class FakeLeaseWorld {
  readonly hosts = new Map<number, HostRec>();
  /** resource name -> owner host id and generation */
  readonly owners = new Map<string, { hostId: number; gen: number; kind: HolderKind; pid: number }>();
  private nextPid = 5000;

  constructor(readonly now: () => number, readonly ioTimeout = 1) {}

  /** Moves every renewing host's timestamp to now (sanlock renews every 2 x io). */
  renew(): void {
    for (const h of this.hosts.values()) if (h.joined && !h.frozen && !h.cut && !h.failed) h.lastRenew = this.now();
  }

  liveness(hostId: number): HostLiveness {
    const h = this.hosts.get(hostId);
    if (!h) return 'unknown';
    if (!h.joined) return 'free';
    this.renew();
    const age = (this.now() - h.lastRenew) / 1000;
    if (age >= hostDeadSeconds(this.ioTimeout)) return 'dead';
    if (age >= renewalFailSeconds(this.ioTimeout)) return 'fail';
    return 'live';
  }

  pid(): number {
    return this.nextPid++;
  }

  /** SIGSTOP / SIGCONT: a host resumed after its lease expired finds its lockspace failed. */
  freeze(hostId: number, frozen = true): void {
    const h = this.hosts.get(hostId);
    if (!h) return;
    if (!frozen && (this.now() - h.lastRenew) / 1000 >= renewalFailSeconds(this.ioTimeout)) h.failed = true;
    h.frozen = frozen;
  }

  cutStorage(hostId: number, cut = true): void {
    const h = this.hosts.get(hostId);
    if (h) h.cut = cut;
  }

  /** A host dies: its daemon and holders vanish; its leases stay on disk until it is DEAD. */
  kill(hostId: number): void {
    const h = this.hosts.get(hostId);
    if (h) h.frozen = true;
  }

  view(hostId: number): FakeLeaseManager {
    return new FakeLeaseManager(this, hostId);
  }
}

export class FakeLeaseManager implements LeaseManager {
  readonly calls: string[] = [];
  private lost: Array<(l: HeldLease) => void> = [];
  private lockspace = '';

  constructor(readonly world: FakeLeaseWorld, readonly hostId: number) {}

  async initLockspace(ls: LockspaceSpec): Promise<void> {
    this.calls.push(`initLockspace ${ls.name}`);
  }
  async initResource(res: ResourceSpec): Promise<void> {
    this.calls.push(`initResource ${res.name}`);
  }

  async joinLockspace(ls: LockspaceSpec): Promise<void> {
    this.calls.push(`join ${ls.name}:${ls.hostId}`);
    this.lockspace = ls.name;
    const h = this.world.hosts.get(this.hostId);
    // no storage, no delta lease: sanlock's add_lockspace fails with an I/O error
    if (h?.cut) throw new Error(`add_lockspace ${ls.name}: -5 (no access to the lockspace storage)`);
    this.world.hosts.set(this.hostId, { gen: (h?.gen ?? 0) + 1, lastRenew: this.world.now(), joined: true, frozen: false, cut: false, failed: false });
  }

  async leaveLockspace(ls: LockspaceSpec): Promise<void> {
    this.calls.push(`leave ${ls.name}`);
    for (const [name, o] of this.world.owners) if (o.hostId === this.hostId) this.world.owners.delete(name);
    const h = this.world.hosts.get(this.hostId);
    if (h) h.joined = false;
  }

  /** Own lease: fails after 8 x io without renewal; sanlock then kills our holders. */
  private ownOk(): boolean {
    const h = this.world.hosts.get(this.hostId);
    if (!h || !h.joined) return false;
    const ok = !h.failed && this.world.liveness(this.hostId) === 'live';
    if (!ok) {
      h.failed = true;
      this.dropHolders();
    }
    return ok;
  }

  private dropHolders(): void {
    for (const [name, o] of [...this.world.owners]) {
      if (o.hostId !== this.hostId) continue;
      this.world.owners.delete(name);
      if (o.kind === 'agent') for (const cb of this.lost) cb({ lockspace: this.lockspace, name, pid: o.pid });
    }
  }

  async inLockspace(): Promise<boolean> {
    return this.ownOk();
  }

  async hosts(): Promise<HostState[]> {
    this.ownOk();
    return [...this.world.hosts.entries()].map(([hostId, h]) => ({ hostId, generation: h.gen, timestamp: Math.floor(h.lastRenew / 1000), liveness: this.world.liveness(hostId) }));
  }

  async acquire(res: ResourceSpec, kind: HolderKind): Promise<AcquireResult> {
    this.calls.push(`acquire ${res.name}`);
    if (!this.ownOk()) return { ok: false, reason: 'no-lockspace', detail: 'not in the lockspace' };
    const o = this.world.owners.get(res.name);
    const me = this.world.hosts.get(this.hostId)!;
    if (o && o.hostId === this.hostId && o.gen === me.gen) return { ok: true, pid: o.pid };
    if (o && o.hostId !== this.hostId && this.world.liveness(o.hostId) !== 'dead' && this.world.hosts.get(o.hostId)?.gen === o.gen) {
      return { ok: false, reason: 'held', detail: `held by host ${o.hostId}` };
    }
    const pid = this.world.pid();
    this.world.owners.set(res.name, { hostId: this.hostId, gen: me.gen, kind, pid });
    return { ok: true, pid };
  }

  async release(res: Pick<ResourceSpec, 'lockspace' | 'name'>): Promise<void> {
    this.calls.push(`release ${res.name}`);
    const o = this.world.owners.get(res.name);
    if (o && o.hostId === this.hostId) this.world.owners.delete(res.name);
  }

  async held(): Promise<HeldLease[]> {
    this.ownOk();
    return [...this.world.owners.entries()].filter(([, o]) => o.hostId === this.hostId).map(([name, o]) => ({ lockspace: this.lockspace, name, pid: o.pid }));
  }

  onLost(cb: (lease: HeldLease) => void): void {
    this.lost.push(cb);
  }
}
