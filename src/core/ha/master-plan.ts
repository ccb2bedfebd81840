// What the master decides each round from the members' reports and sanlock's liveness: which
// members are declared dead, where their HA VMs restart (placement), which VMs wait in the
// pending queue, and which placements are void (a VM its member stopped on purpose).
import type { HaVm, MasterRecord, MemberReport } from './ha-state.js';
import type { HostLiveness } from './lease-manager.js';
import { placeVms, type Capacity, type PlacementPolicy } from './placement.js';

export interface MemberLiveness {
  node: number;
  liveness: HostLiveness;
  generation: number;
}

export interface MasterPlanInput {
  record: MasterRecord;
  reports: readonly MemberReport[];
  liveness: readonly MemberLiveness[];
  policy: PlacementPolicy;
  now: number;
  /** A placement not yet running after this long, on a live member, is dropped (ms). */
  startGraceMs: number;
}

export interface MasterPlan {
  record: MasterRecord;
  /** Members newly declared dead (node and generation). */
  declaredDead: MemberLiveness[];
  /** New placements made this round: restarts of orphaned or pending VMs. */
  restarts: Array<{ vm: HaVm; node: number; from: number | 'pending' }>;
  /** VMs newly put in the pending queue. */
  queued: HaVm[];
}

export function masterPlan(i: MasterPlanInput): MasterPlan {
  const rec: MasterRecord = structuredClone(i.record);
  const live = new Map(i.liveness.map((l) => [l.node, l]));
  const isDeadGen = (node: number, gen: number) => rec.dead[String(node)] === gen;
  // a report counts only from a live member whose current generation was never declared dead
  const reports = i.reports.filter((r) => live.get(r.node)?.liveness === 'live' && !isDeadGen(r.node, r.generation));
  const reportOf = new Map(reports.map((r) => [r.node, r]));

  // 1. what runs where, as the members say
  const running = new Map<string, number>();
  for (const r of reports) for (const vm of r.running) {
    running.set(vm.uuid, r.node);
    const p = rec.placements[vm.uuid];
    // running where it is: a record of fact, nothing left to start
    rec.placements[vm.uuid] = { vm, node: r.node, at: p?.node === r.node ? p.at : i.now, gen: r.generation };
  }
  rec.pending = rec.pending.filter((e) => !running.has(e.vm.uuid));

  // 2. members sanlock reports dead: declare once per generation
  const declaredDead: MemberLiveness[] = [];
  for (const l of i.liveness) {
    if (l.liveness === 'dead' && !isDeadGen(l.node, l.generation)) {
      rec.dead[String(l.node)] = l.generation;
      declaredDead.push(l);
    }
  }

  // 3. orphans: placed on a dead member, or on a member in maintenance that no longer runs them;
  //    placements on a live member that never started (or were stopped on purpose) are void
  //    a VM its member fenced is an orphan too, even when that member is back and live
  const orphans: Array<{ vm: HaVm; from: number }> = [];
  const fencedBy = new Map(reports.flatMap((r) => (r.fenced ?? []).map((vm) => [vm.uuid, { vm, node: r.node }] as const)));
  const pendingNow = new Set(rec.pending.map((e) => e.vm.uuid));
  for (const [uuid, f] of fencedBy) {
    // fenced, and the placement that would restart it was dropped (or never made)
    if (!running.has(uuid) && !pendingNow.has(uuid) && !rec.placements[uuid]) orphans.push({ vm: f.vm, from: f.node });
  }
  for (const [uuid, p] of Object.entries(rec.placements)) {
    if (running.get(uuid) === p.node) continue;
    const l = live.get(p.node);
    const dead = l === undefined || l.liveness === 'dead' || l.liveness === 'free' || isDeadGen(p.node, l.generation) || (p.gen !== undefined && p.gen !== l.generation);
    const rep = reportOf.get(p.node);
    if (dead || rep?.maintenance || (fencedBy.get(uuid)?.node === p.node && !p.start)) {
      orphans.push({ vm: p.vm, from: p.node });
      delete rec.placements[uuid];
    } else if (rep && i.now - p.at > i.startGraceMs) {
      delete rec.placements[uuid];
    }
  }

  // 4. capacity of live members, less what is placed there but not yet running
  const caps: Capacity[] = reports
    .filter((r) => !r.maintenance)
    .map((r) => {
      const inFlight = Object.values(rec.placements).filter((p) => p.node === r.node && running.get(p.vm.uuid) !== r.node);
      return { node: r.node, freeMemMiB: Math.max(0, r.freeMemMiB - inFlight.reduce((s, p) => s + p.vm.memMiB, 0)) };
    });

  const fromOf = new Map<string, number | 'pending'>([
    ...rec.pending.map((e) => [e.vm.uuid, 'pending'] as const),
    ...orphans.map((o) => [o.vm.uuid, o.from] as const),
  ]);
  const candidates = [...rec.pending.map((e) => e.vm), ...orphans.map((o) => o.vm)];
  const { placed, unplaced } = placeVms(candidates, caps, i.policy);
  const restarts: MasterPlan['restarts'] = [];
  for (const p of placed) {
    rec.placements[p.vm.uuid] = { vm: p.vm, node: p.node, at: i.now, start: true, gen: live.get(p.node)?.generation };
    restarts.push({ vm: p.vm, node: p.node, from: fromOf.get(p.vm.uuid) ?? 'pending' });
  }
  const wasPending = new Map(rec.pending.map((e) => [e.vm.uuid, e]));
  const queued: HaVm[] = [];
  rec.pending = unplaced.map((vm) => {
    const old = wasPending.get(vm.uuid);
    if (old) return old;
    queued.push(vm);
    return { vm, since: i.now, reason: 'no live member has enough free memory' };
  });
  rec.updatedAt = i.now;
  return { record: rec, declaredDead, restarts, queued };
}
