// The sanlock backend against real daemons side by side (own run dir each, no watchdog,
// io_timeout 1, lockspace on a shared temp dir): join, contended acquire fails at once,
// release lets the other host in, a VM lease outlives the agent's LeaseManager, a killed
// agent-kind holder is reported lost. Every daemon and holder is stopped by PID.
import t from 'tap';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { HostExec } from '../../../src/host/exec.js';
import { systemClock } from '../../../src/host/clock.js';
import { SanlockLeaseManager } from '../../../src/host/sanlock/sanlock-lease-manager.js';
import type { HeldLease, LockspaceSpec, ResourceSpec } from '../../../src/core/ha/lease-manager.js';
import { sanlockLab, sanlockSkipReason } from '../../helpers/sanlock-daemons.js';

const skip = sanlockSkipReason();

t.test('sanlock leases, two hosts', { skip }, async (t) => {
  const lab = await sanlockLab('hvh');
  t.teardown(() => lab.stop());
  const pool = join(lab.dir, 'poolfs');
  mkdirSync(pool);
  const [d1, d2] = await Promise.all([lab.start('hvh-h1'), lab.start('hvh-h2')]);
  const exec = new HostExec();
  const lm1 = new SanlockLeaseManager({ exec, clock: systemClock, runDir: d1.runDir, pollMs: 20 });
  const lm2 = new SanlockLeaseManager({ exec, clock: systemClock, runDir: d2.runDir, pollMs: 20 });
  const ls = (hostId: number): LockspaceSpec => ({ name: 'HVHPOOL', hostId, path: join(pool, 'lockspace'), ioTimeout: 1 });
  const master: ResourceSpec = { lockspace: 'HVHPOOL', name: 'master', path: join(pool, 'master.lease') };
  const vmLease: ResourceSpec = { lockspace: 'HVHPOOL', name: 'vm-0004fb00000600001', path: join(pool, 'vm-0004fb00000600001.lease') };

  await lm1.initLockspace(ls(0));
  await lm1.initLockspace(ls(0)); // second call: the file exists, nothing is re-formatted
  await lm1.initResource(master);
  await lm2.initResource(vmLease);

  t.notOk(await lm1.inLockspace('HVHPOOL'), 'not joined yet');
  t.same(await lm1.acquire(master, 'agent').then((r) => r.ok), false, 'no acquire outside the lockspace');
  const t0 = Date.now();
  await Promise.all([lm1.joinLockspace(ls(1)), lm2.joinLockspace(ls(2))]);
  t.comment(`both joined in ${Date.now() - t0} ms`);
  t.ok(await lm1.inLockspace('HVHPOOL'));
  t.ok(await lm2.inLockspace('HVHPOOL'));
  let hosts = await lm2.hosts('HVHPOOL');
  for (let i = 0; i < 100 && !hosts.some((h) => h.hostId === 1 && h.liveness === 'live'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    hosts = await lm2.hosts('HVHPOOL');
  }
  t.same(hosts.filter((h) => h.hostId === 1 || h.hostId === 2).map((h) => [h.hostId, h.liveness]), [[1, 'live'], [2, 'live']], 'host 2 sees both hosts live');

  const a1 = await lm1.acquire(master, 'agent');
  t.ok(a1.ok, 'host 1 takes the master lease');
  const t1 = Date.now();
  const a2 = await lm2.acquire(master, 'agent');
  t.same(a2.ok ? 'ok' : a2.reason, 'held', 'host 2 is refused: held by a live host');
  t.comment(`contended acquire answered in ${Date.now() - t1} ms`);
  t.same((await lm1.held()).map((l) => l.name), ['master']);

  await lm1.release(master);
  t.same(await lm1.held(), [], 'released');
  const a3 = await lm2.acquire(master, 'agent');
  t.ok(a3.ok, 'host 2 takes the master lease once host 1 released it');

  // an agent-kind holder that dies (renewal failure, kill) is a lost lease
  const lost: HeldLease[] = [];
  lm2.onLost((l) => lost.push(l));
  if (a3.ok) process.kill(a3.pid, 'SIGKILL');
  for (let i = 0; i < 100 && lost.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  t.same(lost.map((l) => l.name), ['master'], 'the loss is reported');
  t.ok((await lm1.acquire(master, 'agent')).ok, 'and the lease is free again at once');
  await lm1.release(master);

  // a VM lease outlives the LeaseManager that took it (an agent restart)
  const v = await lm1.acquire(vmLease, 'detached');
  t.ok(v.ok, 'VM lease held by a detached holder');
  const restarted = new SanlockLeaseManager({ exec, clock: systemClock, runDir: d1.runDir, pollMs: 20 });
  t.same((await restarted.held()).map((l) => [l.name, l.pid]), [[vmLease.name, v.ok ? v.pid : 0]], 'the restarted agent finds it');
  t.equal((await lm2.acquire(vmLease, 'detached')).ok, false, 'nobody else can take it');
  await restarted.release(vmLease);
  const v2 = await lm2.acquire(vmLease, 'detached');
  t.ok(v2.ok, 'released: host 2 can start the VM');
  await lm2.release(vmLease);

  await lm1.leaveLockspace(ls(1));
  t.notOk(await lm1.inLockspace('HVHPOOL'), 'left');
  await lm2.leaveLockspace(ls(2));
});
