// HaService on a simulated three-member pool (fake sanlock on a virtual clock, shared pool
// dir): master election and VIP, HA restarts after a death, master death, SIGSTOP fencing,
// planned handover, the pending queue, maintenance. No VM ever runs twice, one VIP at most.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PoolSim } from '../../helpers/ha-pool-sim.js';
import { masterRecordSchema } from '../../../src/core/ha/ha-state.js';

const codes = (sim: PoolSim, node: number) => sim.members[node].kit.events.since(0).map((e) => e.code);

function pool(t: { teardown(fn: () => void): void }, mem = [8192, 8192, 8192]): PoolSim {
  const sim = new PoolSim();
  mem.forEach((m, i) => sim.add(i, m));
  t.teardown(() => sim.cleanup());
  return sim;
}

t.test('the lowest live member becomes master and holds the VIP', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  t.same(sim.members.map((m) => m.isMaster), [true, false, false]);
  t.same([...sim.vipHolders], [0]);
  t.ok(codes(sim, 0).includes('POOL_MASTER_ACQUIRED'));
  t.ok(codes(sim, 1).includes('HA_JOINED'));
  t.same(sim.members[0].svc.state().master, true);
  t.equal(sim.members[1].svc.state().masterNode, 0, 'members read the master from the pool FS');
  t.same(sim.violations, []);
});

t.test('a dead member\'s HA VMs restart on the others, largest first, after sanlock says DEAD', async (t) => {
  const sim = pool(t, [8192, 8192, 6144]);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-a', memMiB: 4096, repoId: 'r1', vmId: 'a' }, 1);
  sim.startVm({ uuid: 'vm-b', memMiB: 6144, repoId: 'r1', vmId: 'b' }, 1);
  await sim.run(4);
  sim.kill(1);
  await sim.run(66); // FAIL after 8 s, DEAD after 68 s: nothing moves before
  t.same(sim.where('vm-a'), [], 'not restarted before the dead time');
  await sim.run(10);
  t.same(sim.where('vm-b'), [0], 'largest to the member with most free memory');
  t.same(sim.where('vm-a'), [2]);
  t.same(sim.violations, []);
  t.ok(codes(sim, 0).includes('HA_MEMBER_DEAD'));
  t.ok(codes(sim, 0).includes('VM_HA_RESTART_PLACED'));
  t.ok(codes(sim, 2).includes('VM_HA_RESTARTED'));
  const log = readFileSync(join(sim.root, 'log/vm-events-2.log'), 'utf8');
  t.match(log, /host=node2 action=ha-start vm=r1\/a uuid=vm-a .*cause=agent detail="HA restart on node 2"/);
});

t.test('the master dies: another member takes the role and the VIP after the dead time', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  sim.kill(0);
  await sim.run(60);
  t.same([...sim.vipHolders], [], 'nobody holds the VIP while the old lease may be valid');
  await sim.run(16);
  t.same([...sim.vipHolders], [1], 'node 1 (lowest live) holds it now');
  t.ok(sim.members[1].isMaster);
  t.notOk(sim.members[2].isMaster);
  t.same(sim.violations, []);
});

t.test('SIGSTOP past the dead time, then SIGCONT: the member fences itself, nothing runs twice', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-s', memMiB: 1024 }, 2);
  await sim.run(4);
  sim.freeze(2);
  await sim.run(80);
  t.same(sim.where('vm-s').filter((n) => n !== 2), [0], 'restarted on node 0 while node 2 was stopped');
  sim.freeze(2, false);
  await sim.run(2);
  t.same(sim.where('vm-s'), [0], 'node 2 stopped its copy at once');
  t.ok(codes(sim, 2).includes('HA_FENCED'));
  await sim.run(10);
  t.same(sim.where('vm-s'), [0], 'and never resumes it after rejoining');
  t.equal(sim.members[2].svc.state().joined, true, 'rejoined with a new generation');
  t.same(sim.violations, []);
});

t.test('SIGSTOP short of the dead time, then SIGCONT: the member fences its VMs and they start again', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-f', memMiB: 1024 }, 2);
  await sim.run(4);
  sim.freeze(2);
  await sim.run(30);
  t.same(sim.where('vm-f'), [2], 'not DEAD yet: nobody else may start it');
  sim.freeze(2, false);
  await sim.run(20);
  t.ok(codes(sim, 2).includes('HA_FENCED'), 'its lease had failed: it fenced itself');
  t.equal(sim.where('vm-f').length, 1, 'the fenced VM runs again, once (not lost as if stopped on purpose)');
  t.same(sim.violations, []);
});

t.test('an agent restarted right after it fenced its VMs still reports them: they start again, once', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-r', memMiB: 1024 }, 2);
  await sim.run(4);
  sim.freeze(2);
  await sim.run(30);
  sim.freeze(2, false);
  for (let i = 0; i < 10 && !codes(sim, 2).includes('HA_FENCED'); i++) await sim.run(2);
  t.ok(codes(sim, 2).includes('HA_FENCED'), 'it fenced itself');
  t.same(sim.where('vm-r'), [], 'its VM is off');
  sim.restart(2); // before any report named the fenced VM: the new agent knows it from its database
  await sim.run(30);
  t.equal(sim.where('vm-r').length, 1, 'the fenced VM runs again, once');
  t.same(sim.violations, []);
});

t.test('planned handover: the next member is master within seconds', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  await sim.members[0].svc.stop();
  sim.members[0].up = false;
  t.same([...sim.vipHolders], [], 'VIP dropped before the lease is released');
  t.ok(codes(sim, 0).includes('POOL_MASTER_RELEASED'));
  await sim.run(2);
  t.ok(sim.members[1].isMaster, 'node 1 took over in its next round, not after a lease timeout');
  t.same([...sim.vipHolders], [1]);
  t.same(sim.violations, []);
});

t.test('a VM that fits nowhere waits in the persisted pending queue until a member joins', async (t) => {
  const sim = pool(t, [4096, 16384]);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-big', memMiB: 12288 }, 1);
  await sim.run(4);
  sim.kill(1);
  await sim.run(76);
  t.same(sim.where('vm-big'), []);
  const rec = masterRecordSchema.parse(JSON.parse(readFileSync(join(sim.root, 'pool/.hvagent/ha/master.json'), 'utf8')));
  t.same(rec.pending.map((e) => e.vm.uuid), ['vm-big'], 'queued on the pool FS');
  t.same(sim.members[0].svc.state().pending.map((e) => e.uuid), ['vm-big']);
  t.ok(codes(sim, 0).includes('VM_HA_PENDING'));
  sim.add(2, 16384);
  await sim.run(8);
  t.same(sim.where('vm-big'), [2], 'started on the member that joined');
  t.same(sim.members[0].svc.state().pending, []);
  t.same(sim.violations, []);
});

t.test('maintenance mode: VMs migrate away, the master role is handed over, new VMs refused', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-m', memMiB: 2048 }, 0);
  await sim.run(4);
  await sim.members[0].svc.setMaintenance(true);
  t.same(sim.where('vm-m'), [1], 'migrated to a member with room');
  t.same([...sim.vipHolders], []);
  t.throws(() => sim.members[0].svc.checkAcceptsVms(), { code: 'HA_MAINTENANCE' });
  await sim.run(6);
  t.ok(sim.members[1].isMaster, 'node 1 is master');
  t.notOk(sim.members[0].isMaster, 'node 0 does not take the role back while in maintenance');
  await sim.members[0].svc.setMaintenance(false);
  sim.members[0].svc.checkAcceptsVms();
  await sim.run(6);
  t.ok(sim.members[1].isMaster, 'out of maintenance: no pre-emption of a working master');
  t.same(sim.violations, []);
});

t.test('an HA VM stopped on purpose on a live member is not started again', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-p', memMiB: 1024 }, 1);
  await sim.run(4);
  sim.vms.get('vm-p')!.delete(1); // the manager's stop_vm
  await sim.run(20);
  t.same(sim.where('vm-p'), [], 'stays stopped');
  t.same(sim.violations, []);
});

t.test('leaving the pool hands the role over and leaves the lockspace', async (t) => {
  const sim = pool(t, [4096, 4096]);
  await sim.run(4);
  t.ok(sim.members[0].isMaster);
  sim.members[0].inPool = false;
  await sim.run(2);
  t.notOk(sim.members[0].isMaster);
  t.equal(sim.world.liveness(1), 'free', 'host id released in the lockspace');
  t.equal(sim.members[0].kit.events.byCode('HA_LEFT').length, 1);
  await sim.run(4);
  t.same([...sim.vipHolders], [1], 'the remaining member took over');
  t.same(sim.violations, []);
});

t.test('a master that loses its storage drops the VIP at FAIL, long before another takes it', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-c', memMiB: 1024 }, 0);
  await sim.run(4);
  sim.world.cutStorage(1);
  await sim.run(10);
  t.same([...sim.vipHolders], [], 'VIP dropped once its lease failed (8 s)');
  t.same(sim.where('vm-c'), [], 'stop-vms: its HA VM stopped');
  t.ok(sim.members[0].kit.events.byCode('HA_FENCED').length >= 1);
  t.notOk(sim.members[1].isMaster, 'nobody else yet: the old lease is not DEAD');
  await sim.run(70);
  t.same([...sim.vipHolders], [1], 'node 1 after the dead time');
  t.same(sim.where('vm-c'), [1], 'and the VM restarted there');
  t.same(sim.violations, []);
});

t.test('ha.fence reboot: the member resets itself instead of stopping VMs one by one', async (t) => {
  const sim = new PoolSim({ ioTimeout: 1, fence: 'reboot', placement: 'most-free' });
  t.teardown(() => sim.cleanup());
  sim.add(0, 4096);
  sim.add(1, 4096);
  await sim.run(4);
  sim.startVm({ uuid: 'vm-r', memMiB: 1024 }, 1);
  await sim.run(4);
  sim.world.cutStorage(2);
  await sim.run(10);
  t.ok(sim.members[1].reboots >= 1, 'reboot asked for');
  t.same(sim.where('vm-r'), [1], 'VMs are left to the reset');
});

t.test('a VM the manager starts is reported at once: a host dying before its next round does not lose it', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  sim.clock.t += 500; // mid-round: the next scheduled round is 1.5 s away
  sim.startVm({ uuid: 'vm-new', memMiB: 1024, repoId: 'r1', vmId: 'new' }, 2);
  const reported = () => (JSON.parse(readFileSync(join(sim.root, 'pool/.hvagent/ha/member-2.json'), 'utf8')) as { running: Array<{ uuid: string }> }).running.map((v) => v.uuid);
  t.same(reported(), []);
  sim.members[2].svc.start(); // only allows nudges here: the sim's clock fires no timers
  await sim.members[2].svc.nudge(); // no clock advance: only the nudge's own round can write it
  t.same(reported(), ['vm-new'], 'the report names the VM before the next scheduled round');
  sim.kill(2);
  await sim.run(80);
  t.equal(sim.where('vm-new').length, 1, 'restarted on a live member after the dead time');
  t.same(sim.violations, []);
});

t.test('a nudge before start or after stop does nothing', async (t) => {
  const sim = pool(t);
  const svc = sim.members[0].svc;
  await svc.nudge();
  t.equal(svc.state().lastRound, null, 'no round before start');
  svc.start();
  await svc.stop();
  await svc.nudge();
  t.equal(svc.state().lastRound, null, 'nor after stop');
});

t.test('the lease of an HA VM is taken before it starts: one member at a time, kept by rounds until it runs', async (t) => {
  const sim = pool(t);
  const G = { uuid: 'vm-g', memMiB: 512, repoId: 'r1', vmId: 'g' };
  t.equal(await sim.members[1].svc.leaseBeforeStart(G), undefined, 'before joining there is no lease to take');
  await sim.run(4);
  const undo = await sim.members[1].svc.leaseBeforeStart(G);
  t.type(undo, 'function');
  await t.rejects(sim.members[2].svc.leaseBeforeStart(G), { code: 'HA_LEASE_FAILED' }, 'another member is refused');
  await sim.members[1].svc.round(); // the domain is still starting: the round keeps the lease
  await t.rejects(sim.members[2].svc.leaseBeforeStart(G), { code: 'HA_LEASE_FAILED' });
  await undo!(); // the start failed
  const again = await sim.members[2].svc.leaseBeforeStart(G);
  t.type(again, 'function', 'free again once the failed start gave it back');
  sim.startVm(G, 2);
  await sim.run(4);
  t.same(sim.members[2].svc.state().leases.filter((l) => l.startsWith('vm-')), ['vm-vmg'], 'the running VM keeps its lease');
  t.equal(await sim.members[2].svc.leaseBeforeStart(G), undefined, 'already ours: nothing to take or undo');
});

t.test('an HA VM whose start is in progress is in the report of its member: a host dying before the domain runs loses no VM', async (t) => {
  const sim = pool(t);
  await sim.run(4);
  const G = { uuid: 'vm-s', memMiB: 512, repoId: 'r1', vmId: 's' };
  const reported = () => (JSON.parse(readFileSync(join(sim.root, 'pool/.hvagent/ha/member-2.json'), 'utf8')) as { running: Array<{ uuid: string }> }).running.map((v) => v.uuid);
  t.same(reported(), []);
  await sim.members[2].svc.leaseBeforeStart(G); // the lease is taken; the domain never starts: the host dies
  t.same(reported(), ['vm-s'], 'named in the report before its domain starts');
  await sim.members[2].svc.round();
  t.same(reported(), ['vm-s'], 'and kept there by a round while it starts');
  sim.kill(2);
  await sim.run(80);
  t.equal(sim.where('vm-s').length, 1, 'the master started it on a live member after the dead time');
  t.same(sim.violations, []);
});

t.test('ha.fence reboot refused (power.allowShutdown off): the member stops its HA VMs itself', async (t) => {
  const sim = new PoolSim({ ioTimeout: 1, fence: 'reboot', placement: 'most-free' });
  t.teardown(() => sim.cleanup());
  sim.add(0, 4096);
  sim.add(1, 4096).rebootOk = false;
  await sim.run(4);
  sim.startVm({ uuid: 'vm-n', memMiB: 1024 }, 1);
  await sim.run(4);
  sim.world.cutStorage(2);
  await sim.run(10);
  t.ok(sim.members[1].reboots >= 1, 'reset asked for');
  t.same(sim.where('vm-n'), [], 'no reset: the HA VM is stopped, never left running without its lease');
  await sim.run(70);
  t.same(sim.where('vm-n'), [0], 'restarted on the other member after the dead time');
  t.same(sim.violations, []);
});
