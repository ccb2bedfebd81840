// HaService on real sanlock daemons (io_timeout 1, shared temp pool dir, VIP and VMs recorded):
// the lowest member becomes master and holds the VIP; a running HA VM gets its lease and keeps
// it across an agent restart; a planned handover moves the role within one round; the master
// whose holder is killed drops the VIP at once. Figures printed as comments.
import t from 'tap';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { HostExec } from '../../../src/host/exec.js';
import { systemClock } from '../../../src/host/clock.js';
import { SysrootFs } from '../../../src/host/host-fs.js';
import { SanlockLeaseManager } from '../../../src/host/sanlock/sanlock-lease-manager.js';
import { HaService, vmLeaseName } from '../../../src/services/ha/ha-service.js';
import { VmLifecycleLog } from '../../../src/services/vm/vm-lifecycle-log.js';
import type { HaVm } from '../../../src/core/ha/ha-state.js';
import { makeKit } from '../../helpers/service-kit.js';
import { sanlockLab, sanlockSkipReason } from '../../helpers/sanlock-daemons.js';

const POOL = '0004fb00-0001-0000-0000-0000000000aa';

t.test('HaService with real sanlock daemons', { skip: sanlockSkipReason(), timeout: 90_000 }, async (t) => {
  const lab = await sanlockLab('hvh');
  t.teardown(() => lab.stop());
  mkdirSync(join(lab.dir, 'root/pool'), { recursive: true });
  const fs = new SysrootFs(join(lab.dir, 'root'));
  const daemons = await Promise.all([lab.start('hvh-s0'), lab.start('hvh-s1')]);
  const vip = new Set<number>();
  const running = new Map<number, HaVm[]>([[0, []], [1, []]]);
  const exec = new HostExec();
  const build = (node: number) => {
    const kit = makeKit();
    t.teardown(() => kit.cleanup());
    const leases = new SanlockLeaseManager({ exec, clock: systemClock, runDir: daemons[node].runDir, pollMs: 20, acquireTimeoutMs: 5000 });
    return {
      kit,
      leases,
      svc: new HaService({
        leases, fs, clock: systemClock, events: kit.events, hostState: kit.hostState, log: kit.log, roundMs: 2000,
        lifecycle: new VmLifecycleLog({ fs, clock: systemClock, events: kit.events, log: kit.log, file: `/vm-events-${node}.log` }),
        settings: { ioTimeout: 1, fence: 'stop-vms', placement: 'most-free' },
        pool: { current: () => ({ uuid: POOL, node, poolDir: '/pool', virtualIp: '192.0.2.100', members: [0, 1] }), setIsMaster: () => {} },
        vip: { up: async () => void vip.add(node), down: async () => void vip.delete(node) },
        vms: {
          runningHaVms: async () => running.get(node)!,
          freeMemMiB: async () => 8192,
          start: async (vm) => void running.get(node)!.push(vm),
          kill: async (vm) => void running.set(node, running.get(node)!.filter((v) => v.uuid !== vm.uuid)),
          migrate: async () => {},
        },
        reboot: async () => {},
      }),
    };
  };
  const m = [build(0), build(1)];
  const t0 = Date.now();
  await Promise.all(m.map((x) => x.svc.round()));
  t.comment(`first rounds (lockspace joined) in ${Date.now() - t0} ms`);
  await m[0].svc.round();
  await m[1].svc.round();
  t.same([...vip], [0], 'node 0 is master and holds the VIP');
  t.equal(m[0].svc.state().master, true);

  const vm: HaVm = { uuid: '0004fb00-0006-0000-0000-0000000000b1', memMiB: 512, repoId: 'r', vmId: 'b1' };
  running.get(1)!.push(vm);
  await m[1].svc.round();
  t.ok((await m[1].leases.held()).some((l) => l.name === vmLeaseName(vm.uuid)), 'the running HA VM got its lease');
  const restarted = build(1);
  t.ok((await restarted.leases.held()).some((l) => l.name === vmLeaseName(vm.uuid)), 'a restarted agent finds the lease still held');
  m[1] = restarted;
  await m[1].svc.round();
  t.same(running.get(1)!.map((v) => v.uuid), [vm.uuid], 'and the VM keeps running');

  const h0 = Date.now();
  await m[0].svc.stop();
  t.same([...vip], [], 'VIP dropped on stop');
  await m[1].svc.round();
  t.same([...vip], [1], 'node 1 took the role in its next round');
  t.comment(`planned handover: VIP up on node 1 ${Date.now() - h0} ms after node 0 began to stop`);

  // the master's holder dies (what sanlock does when renewals fail): VIP down at once
  const holder = (await m[1].leases.held()).find((l) => l.name === 'master');
  t.ok(holder, 'node 1 holds the master lease');
  m[1].svc.start();
  t.teardown(() => m[1].svc.stop());
  const k0 = Date.now();
  if (holder) process.kill(holder.pid, 'SIGKILL');
  for (let i = 0; i < 100 && vip.size > 0; i++) await new Promise((r) => setTimeout(r, 10));
  t.same([...vip], [], 'the VIP went down when the lease holder died');
  t.comment(`VIP down ${Date.now() - k0} ms after the master lease holder was killed`);
  t.ok(m[1].kit.events.byCode('POOL_MASTER_LOST').length >= 1);
  running.set(1, []);
  await m[1].svc.round(); // may be the scheduled round already under way
  await m[1].svc.round();
  t.notOk((await m[1].leases.held()).some((l) => l.name === vmLeaseName(vm.uuid)), 'the VM stopped: its lease was released');
  t.same(running.get(1), [], 'and a VM stopped on purpose is not started again');
});
