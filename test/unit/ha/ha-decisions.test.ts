// The pure HA decisions: placement (largest first, policy), master rules (rank, stepped
// fallback, release), the master plan (death, orphans, pending queue) and fencing.
import t from 'tap';
import { placeVms } from '../../../src/core/ha/placement.js';
import { masterAction, masterRank, type MemberView } from '../../../src/core/ha/master-rules.js';
import { masterPlan, type MemberLiveness } from '../../../src/core/ha/master-plan.js';
import { fenceDecision, strayVms } from '../../../src/core/ha/fencing.js';
import { emptyMasterRecord, masterRecordSchema, type HaVm, type MemberReport } from '../../../src/core/ha/ha-state.js';
import { hostDeadSeconds, renewalFailSeconds } from '../../../src/core/ha/lease-manager.js';

const vm = (uuid: string, memMiB: number): HaVm => ({ uuid, memMiB });

t.test('placement: largest first, on the member with most free memory', async (t) => {
  const r = placeVms([vm('a', 1024), vm('b', 4096), vm('c', 2048)], [{ node: 1, freeMemMiB: 4096 }, { node: 2, freeMemMiB: 3072 }]);
  t.same(r.placed.map((p) => [p.vm.uuid, p.node]), [['b', 1], ['c', 2], ['a', 2]]);
  t.same(r.unplaced, []);
  const ff = placeVms([vm('a', 1024), vm('b', 1024)], [{ node: 2, freeMemMiB: 8192 }, { node: 1, freeMemMiB: 2048 }], 'first-fit');
  t.same(ff.placed.map((p) => p.node), [1, 1], 'first-fit packs the lowest node');
  const none = placeVms([vm('big', 9000), vm('small', 100)], [{ node: 1, freeMemMiB: 8000 }]);
  t.same(none.unplaced.map((v) => v.uuid), ['big']);
  t.same(none.placed.map((p) => p.vm.uuid), ['small'], 'a small VM still fits after a big one did not');
});

t.test('master rules', async (t) => {
  const m = (node: number, liveness: MemberView['liveness'] = 'live', maintenance = false): MemberView => ({ node, liveness, maintenance });
  const members = [m(3), m(1), m(2, 'dead'), m(0, 'live', true)];
  t.equal(masterRank(1, members), 0, 'node 0 is in maintenance, node 1 is the lowest eligible');
  t.equal(masterRank(3, members), 1, 'the dead node 2 does not count');
  t.equal(masterRank(0, members), -1);
  t.equal(masterRank(3, [m(1, 'unknown'), m(3)]), 1, 'a member not yet observed keeps its place');
  t.equal(masterRank(3, [m(1, 'free'), m(3)]), 0, 'a member that left does not');
  const base = { members, joined: true, holding: false, now: 10_000, stepMs: 2000 };
  t.equal(masterAction({ ...base, self: 1, vacantSince: 10_000 }), 'acquire', 'rank 0 tries at once');
  t.equal(masterAction({ ...base, self: 3, vacantSince: 9_000 }), 'wait', 'rank 1 waits one step');
  t.equal(masterAction({ ...base, self: 3, vacantSince: 8_000 }), 'acquire', 'then tries: the lowest could not take it');
  t.equal(masterAction({ ...base, self: 1, vacantSince: undefined }), 'wait', 'a live master exists');
  t.equal(masterAction({ ...base, self: 1, vacantSince: 0, joined: false }), 'wait', 'not in the lockspace');
  t.equal(masterAction({ ...base, self: 1, vacantSince: undefined, holding: true }), 'keep');
  t.equal(masterAction({ ...base, self: 0, vacantSince: undefined, holding: true }), 'release', 'maintenance hands over');
  t.equal(masterAction({ ...base, self: 1, vacantSince: undefined, holding: true, joined: false }), 'release', 'lease lost');
});

const report = (node: number, freeMemMiB: number, running: HaVm[] = [], over: Partial<MemberReport> = {}): MemberReport => ({
  node, generation: 1, updatedAt: 0, freeMemMiB, maintenance: false, running, ...over,
});
const lv = (node: number, liveness: MemberLiveness['liveness'], generation = 1): MemberLiveness => ({ node, liveness, generation });

t.test('master plan: a dead member\'s VMs restart elsewhere, largest first; the rest wait', async (t) => {
  let rec = emptyMasterRecord(0, 1, 0);
  const a = vm('a', 2048), b = vm('b', 4096), c = vm('c', 1024);
  let p = masterPlan({ record: rec, reports: [report(0, 4096), report(1, 8192, [a, b, c]), report(2, 3072)], liveness: [lv(0, 'live'), lv(1, 'live'), lv(2, 'live')], policy: 'most-free', now: 1000, startGraceMs: 10_000 });
  t.same(Object.fromEntries(Object.entries(p.record.placements).map(([u, x]) => [u, x.node])), { a: 1, b: 1, c: 1 });
  t.same(p.restarts, []);
  t.equal(p.record.placements.a.start, undefined, 'running VMs are facts, not orders to start');
  rec = p.record;
  // node 1 FAIL: nothing happens yet (it may still be running its VMs)
  p = masterPlan({ record: rec, reports: [report(0, 4096), report(2, 3072)], liveness: [lv(0, 'live'), lv(1, 'fail'), lv(2, 'live')], policy: 'most-free', now: 2000, startGraceMs: 10_000 });
  t.same(p.restarts, [], 'FAIL is not DEAD');
  t.same(p.declaredDead, []);
  // node 1 DEAD
  p = masterPlan({ record: p.record, reports: [report(0, 4096), report(2, 3072)], liveness: [lv(0, 'live'), lv(1, 'dead'), lv(2, 'live')], policy: 'most-free', now: 3000, startGraceMs: 10_000 });
  t.same(p.declaredDead, [lv(1, 'dead')]);
  t.same(p.restarts.map((r) => [r.vm.uuid, r.node, r.from]), [['b', 0, 1], ['a', 2, 1], ['c', 2, 1]]);
  t.same(p.queued, []);
  t.equal(p.record.dead['1'], 1);
  t.equal(p.record.placements.b.start, true, 'a restart is an order to start');
  masterRecordSchema.parse(p.record);
  // declared once: the same generation is not declared again
  const again = masterPlan({ record: p.record, reports: [report(0, 0, [b]), report(2, 0, [a, c])], liveness: [lv(0, 'live'), lv(1, 'dead'), lv(2, 'live')], policy: 'most-free', now: 4000, startGraceMs: 10_000 });
  t.same(again.declaredDead, []);
  t.same(again.restarts, []);
});

t.test('master plan: the pending queue is persisted and drained when a member has room', async (t) => {
  const big = vm('big', 16384);
  let rec = emptyMasterRecord(0, 1, 0);
  rec.placements.big = { vm: big, node: 1, at: 0 };
  let p = masterPlan({ record: rec, reports: [report(0, 4096)], liveness: [lv(0, 'live'), lv(1, 'dead')], policy: 'most-free', now: 1000, startGraceMs: 10_000 });
  t.same(p.queued.map((v) => v.uuid), ['big']);
  t.same(p.record.pending.map((e) => [e.vm.uuid, e.since]), [['big', 1000]]);
  t.notOk(p.record.placements.big, 'not placed anywhere');
  rec = masterRecordSchema.parse(JSON.parse(JSON.stringify(p.record)));
  // still no room: stays queued with its first time
  p = masterPlan({ record: rec, reports: [report(0, 4096)], liveness: [lv(0, 'live'), lv(1, 'dead')], policy: 'most-free', now: 2000, startGraceMs: 10_000 });
  t.same(p.queued, [], 'not queued twice');
  t.equal(p.record.pending[0].since, 1000);
  // a member joins with room
  p = masterPlan({ record: p.record, reports: [report(0, 4096), report(3, 32768, [], { generation: 1 })], liveness: [lv(0, 'live'), lv(1, 'dead'), lv(3, 'live')], policy: 'most-free', now: 3000, startGraceMs: 10_000 });
  t.same(p.restarts.map((r) => [r.vm.uuid, r.node, r.from]), [['big', 3, 'pending']]);
  t.same(p.record.pending, []);
});

t.test('master plan: maintenance, stopped-on-purpose VMs, in-flight memory', async (t) => {
  const a = vm('a', 2048), b = vm('b', 2048);
  const rec = emptyMasterRecord(0, 1, 0);
  rec.placements.a = { vm: a, node: 1, at: 0 };
  rec.placements.b = { vm: b, node: 2, at: 0 };
  // node 1 entered maintenance and stopped a (nothing fitted); node 2's b was stopped by the manager
  const p = masterPlan({ record: rec, reports: [report(0, 3000), report(1, 8000, [], { maintenance: true }), report(2, 8000)], liveness: [lv(0, 'live'), lv(1, 'live'), lv(2, 'live')], policy: 'most-free', now: 20_000, startGraceMs: 10_000 });
  t.same(p.restarts.map((r) => [r.vm.uuid, r.node]), [['a', 2]], 'a moves off the maintenance member, not onto it');
  t.notOk(p.record.placements.b, 'b was stopped on purpose: no longer placed, never restarted');
  // in flight: two VMs placed on node 0 count against its memory before they run
  const r2 = emptyMasterRecord(0, 1, 0);
  r2.placements.x = { vm: vm('x', 3000), node: 1, at: 0 };
  r2.placements.y = { vm: vm('y', 3000), node: 1, at: 0 };
  const p2 = masterPlan({ record: r2, reports: [report(0, 4000)], liveness: [lv(0, 'live'), lv(1, 'dead')], policy: 'most-free', now: 1, startGraceMs: 10_000 });
  t.equal(p2.restarts.length, 1);
  t.equal(p2.queued.length, 1, 'the second does not fit once the first is counted');
});

t.test('fencing and a member back from the dead', async (t) => {
  t.equal(renewalFailSeconds(1), 8);
  t.equal(hostDeadSeconds(1), 68);
  t.equal(hostDeadSeconds(10), 140);
  t.ok(renewalFailSeconds(10) < hostDeadSeconds(10), 'a member fences itself before others may declare it dead');
  const vms = [vm('a', 1), vm('b', 1)];
  t.same(fenceDecision({ ownLeaseOk: true, mode: 'stop-vms', holdingMaster: true, vipUp: true, localHaVms: vms }), { dropVip: false, releaseMaster: false, stopVms: [], reboot: false });
  t.same(fenceDecision({ ownLeaseOk: false, mode: 'stop-vms', holdingMaster: true, vipUp: true, localHaVms: vms }), { dropVip: true, releaseMaster: true, stopVms: vms, reboot: false });
  t.same(fenceDecision({ ownLeaseOk: false, mode: 'reboot', holdingMaster: false, vipUp: false, localHaVms: vms }), { dropVip: false, releaseMaster: false, stopVms: [], reboot: true });
  const rec = emptyMasterRecord(0, 1, 0);
  rec.placements.a = { vm: vms[0], node: 2, at: 0 };
  rec.placements.b = { vm: vms[1], node: 1, at: 0 };
  t.same(strayVms(1, 1, vms, rec, new Set(['a', 'b'])).map((v) => v.uuid), ['a'], 'a was restarted on node 2');
  t.same(strayVms(1, 1, vms, rec, new Set(['a'])).map((v) => v.uuid), ['a', 'b'], 'no lease for b: it may run elsewhere');
  rec.dead['1'] = 1;
  t.same(strayVms(1, 1, vms, rec, new Set(['a', 'b'])).map((v) => v.uuid), ['a', 'b'], 'declared dead: nothing resumes');
  t.same(strayVms(1, 2, [vms[1]], rec, new Set(['b'])).map((v) => v.uuid), [], 'a new generation that holds the lease runs b');
});

t.test('master plan: a VM of a member that came back with a new generation is restarted', async (t) => {
  const a = vm('a', 1024);
  const rec = emptyMasterRecord(0, 1, 0);
  rec.placements.a = { vm: a, node: 1, at: 0, gen: 1 };
  // node 1 fenced itself (its VM stopped) and joined again as generation 2 before being declared dead
  const p = masterPlan({ record: rec, reports: [report(0, 4096), report(1, 4096, [], { generation: 2 })], liveness: [lv(0, 'live'), lv(1, 'live', 2)], policy: 'most-free', now: 1000, startGraceMs: 10_000 });
  t.same(p.restarts.map((r) => [r.vm.uuid, r.from]), [['a', 1]], 'orphaned with its old generation, placed again');
  t.equal(p.record.placements.a.gen, p.restarts[0].node === 0 ? 1 : 2, 'the new placement carries the target generation');
});
