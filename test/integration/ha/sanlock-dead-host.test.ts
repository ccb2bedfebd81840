// A host dies for real (kill -9 of its sanlock daemon's process group and its lease holders):
// its master and VM leases are not taken before sanlock declares it dead (8 x io_timeout +
// 60 s, about 68 s at io_timeout 1), and are taken at once after. The one ~70 s case of the
// default suite; every process is stopped by PID.
import t from 'tap';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { HostExec } from '../../../src/host/exec.js';
import { systemClock } from '../../../src/host/clock.js';
import { SanlockLeaseManager } from '../../../src/host/sanlock/sanlock-lease-manager.js';
import { hostDeadSeconds, type LockspaceSpec, type ResourceSpec } from '../../../src/core/ha/lease-manager.js';
import { sanlockLab, sanlockSkipReason } from '../../helpers/sanlock-daemons.js';

// the dead time alone is 68 s: give this one file more than the runner's default
t.setTimeout(180_000);

t.test('a killed host\'s leases are taken after the dead time, not before', { skip: sanlockSkipReason(), timeout: 150_000 }, async (t) => {
  const lab = await sanlockLab('hvh');
  t.teardown(() => lab.stop());
  const pool = join(lab.dir, 'poolfs');
  mkdirSync(pool);
  const [d1, d2] = await Promise.all([lab.start('hvh-d1'), lab.start('hvh-d2')]);
  const exec = new HostExec();
  const lm1 = new SanlockLeaseManager({ exec, clock: systemClock, runDir: d1.runDir, pollMs: 50 });
  const lm2 = new SanlockLeaseManager({ exec, clock: systemClock, runDir: d2.runDir, pollMs: 50 });
  const ls = (hostId: number): LockspaceSpec => ({ name: 'HVHDEAD', hostId, path: join(pool, 'lockspace'), ioTimeout: 1 });
  const master: ResourceSpec = { lockspace: 'HVHDEAD', name: 'master', path: join(pool, 'master.lease') };
  const vm: ResourceSpec = { lockspace: 'HVHDEAD', name: 'vm-dead1', path: join(pool, 'vm-dead1.lease') };
  await lm1.initLockspace(ls(0));
  await lm1.initResource(master);
  await lm1.initResource(vm);
  await Promise.all([lm1.joinLockspace(ls(1)), lm2.joinLockspace(ls(2))]);
  const m2 = await lm2.acquire(master, 'agent');
  const v2 = await lm2.acquire(vm, 'detached');
  t.ok(m2.ok && v2.ok, 'host 2 holds the master and a VM lease');
  // host 1 must have seen host 2 renew before the kill, as a real member would have
  for (let i = 0; i < 100 && !(await lm1.hosts('HVHDEAD')).some((h) => h.hostId === 2 && h.liveness === 'live'); i++) await new Promise((r) => setTimeout(r, 100));

  const killedAt = Date.now();
  // the daemon goes first and must be gone before its holders die: a live daemon would see
  // the holders exit and release their leases on disk, which a dead host never does
  await d2.killAndWait();
  for (const r of [m2, v2]) if (r.ok) process.kill(r.pid, 'SIGKILL');

  // well before the dead time: not taken (sanlock waits for the owner; we give up after 3 s)
  await new Promise((r) => setTimeout(r, 5000));
  const early = new SanlockLeaseManager({ exec, clock: systemClock, runDir: d1.runDir, pollMs: 50, acquireTimeoutMs: 3000 });
  const e = await early.acquire(vm, 'detached');
  t.notOk(e.ok, `not taken ${Math.round((Date.now() - killedAt) / 1000)} s after the kill`);
  t.same(await lm1.held(), [], 'the abandoned attempt left no holder behind');

  let deadAt = 0;
  let seen = '';
  while (Date.now() - killedAt < (hostDeadSeconds(1) + 30) * 1000) {
    const h2 = (await lm1.hosts('HVHDEAD')).find((h) => h.hostId === 2);
    if (h2 && h2.liveness !== seen) {
      seen = h2.liveness;
      t.comment(`${((Date.now() - killedAt) / 1000).toFixed(1)} s: host 2 is ${seen}`);
    }
    if (seen === 'dead') {
      deadAt = Date.now();
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  t.ok(deadAt > 0, 'sanlock declared host 2 dead');
  const deadS = (deadAt - killedAt) / 1000;
  t.ok(deadS >= hostDeadSeconds(1) - 3, `not before the dead time (${deadS.toFixed(1)} s >= ${hostDeadSeconds(1)} s less one renewal)`);
  const a = await lm1.acquire(master, 'agent');
  const b = await lm1.acquire(vm, 'detached');
  t.ok(a.ok, `host 1 takes the master lease${a.ok ? '' : `: ${a.detail}`}`);
  t.ok(b.ok, `host 1 takes the VM lease${b.ok ? '' : `: ${b.detail}`}`);
  t.comment(`master taken ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the kill (dead time ${hostDeadSeconds(1)} s at io_timeout 1)`);
  await lm1.release(master);
  await lm1.release(vm);
});
