// A VM a member powered off itself (fencing: its lease failed or was lost) is restarted by the
// master even when that member is back and live (found by the real-process chaos run: a member
// frozen for less than the dead time came back, fenced its VMs, and nobody restarted them).
import t from 'tap';
import { masterPlan, type MemberLiveness } from '../../../src/core/ha/master-plan.js';
import { emptyMasterRecord, memberReportSchema, type HaVm, type MemberReport } from '../../../src/core/ha/ha-state.js';

const vm = (uuid: string, memMiB: number): HaVm => ({ uuid, memMiB });
const report = (node: number, freeMemMiB: number, running: HaVm[] = [], fenced?: HaVm[]): MemberReport => ({ node, generation: 1, updatedAt: 0, freeMemMiB, maintenance: false, running, fenced });
const lv = (node: number): MemberLiveness => ({ node, liveness: 'live', generation: 1 });
const plan = (rec: ReturnType<typeof emptyMasterRecord>, reports: MemberReport[], now: number) =>
  masterPlan({ record: rec, reports, liveness: [lv(0), lv(1)], policy: 'most-free', now, startGraceMs: 10_000 });

t.test('fenced on a live member: restarted at once, not dropped as stopped on purpose', async (t) => {
  const a = vm('a', 1024);
  const rec = emptyMasterRecord(0, 1, 0);
  rec.placements.a = { vm: a, node: 1, at: 0, gen: 1 };
  const p = plan(rec, [report(0, 4096), report(1, 2048, [], [a])], 50_000);
  t.same(p.restarts.map((r) => [r.vm.uuid, r.node, r.from]), [['a', 0, 1]], 'placed on the member with most room');
  t.equal(p.record.placements.a.start, true);
  // a VM only stopped (no fenced entry) on a live member stays stopped after the grace
  const rec2 = emptyMasterRecord(0, 1, 0);
  rec2.placements.a = { vm: a, node: 1, at: 0, gen: 1 };
  const q = plan(rec2, [report(0, 4096), report(1, 2048)], 50_000);
  t.same(q.restarts, []);
  t.notOk(q.record.placements.a, 'stopped on purpose: the placement is dropped');
});

t.test('fenced and its placement dropped earlier (its restart could not take the lease): placed again', async (t) => {
  const a = vm('a', 1024);
  const p = plan(emptyMasterRecord(0, 1, 0), [report(0, 4096), report(1, 2048, [], [a])], 1000);
  t.same(p.restarts.map((r) => [r.vm.uuid, r.from]), [['a', 1]]);
});

t.test('fenced but running elsewhere, queued, or already placed for a restart: nothing more', async (t) => {
  const a = vm('a', 1024), b = vm('b', 8192), c = vm('c', 512);
  const rec = emptyMasterRecord(0, 1, 0);
  rec.pending = [{ vm: b, since: 0, reason: 'no room' }];
  rec.placements.c = { vm: c, node: 0, at: 900, start: true, gen: 1 };
  const p = plan(rec, [report(0, 4096, [a]), report(1, 2048, [], [a, b, c])], 1000);
  t.same(p.restarts, []);
  t.same(p.queued, []);
  t.equal(p.record.placements.a.node, 0, 'a runs on node 0: a fact');
  t.equal(p.record.placements.c.start, true, 'c keeps its restart order');
});

t.test('reports without the field (older members) still parse', async (t) => {
  t.ok(memberReportSchema.parse({ node: 1, generation: 1, updatedAt: 0, freeMemMiB: 1, maintenance: false, running: [] }));
});
