// SIGTERM through the real stop path of a sandbox agent: a long call in flight and a change
// waiting for the manager's confirmation are answered with faults (the change rolled back),
// idle, unauthenticated and handshake-less connections do not hold the stop, and the process
// exits 0 in bounded time with its last log lines written.
import t from 'tap';
import * as net from 'node:net';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { CrashRig } from '../../helpers/crash-rig.js';
import { RemoteFault } from '../../../src/rpc/client.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const MANAGER = '0004fb0000020000ba9aaf00ae5e2d73';

t.setTimeout(300_000);
t.test('SIGTERM answers calls in flight, rolls back a waiting change and exits 0 in bounded time', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const rig = new CrashRig(t);
  t.teardown(() => rig.cleanup());
  await rig.start();
  await rig.call('take_ownership', MANAGER);
  const ifcfg = path.join(rig.root, 'etc/sysconfig/network-scripts');
  const filesBefore = fs.existsSync(ifcfg) ? fs.readdirSync(ifcfg).sort() : [];

  // connections that must not hold the stop: raw TCP without a TLS handshake, and an idle one
  const port = Number(new URL(rig.url()).port);
  const raw = net.connect(port, '127.0.0.1');
  const idle = net.connect(port, '127.0.0.1');
  await Promise.all([raw, idle].map((s) => new Promise((r) => s.once('connect', r))));
  t.teardown(() => {
    raw.destroy();
    idle.destroy();
  });

  const long = rig.call('sleep', 600).then(
    () => 'answered ok',
    (e: unknown) => (e instanceof RemoteFault ? e.faultString : `no answer: ${(e as Error).message}`),
  );
  const waiting = rig
    .call('setup_networks', { stopnet: { nic: 'eth1', bootproto: 'static', ipaddr: '10.63.0.5', netmask: '255.255.255.0' } }, {}, { connectivityCheck: true, connectivityTimeout: 600 })
    .then(
      () => 'answered ok',
      (e: unknown) => (e instanceof RemoteFault ? e.faultString : `no answer: ${(e as Error).message}`),
    );
  // wait until the change is applied and waits for the manager
  for (let i = 0; i < 100 && !(fs.existsSync(ifcfg) && fs.readdirSync(ifcfg).includes('ifcfg-stopnet')); i++) await new Promise((r) => setTimeout(r, 100));
  t.ok(fs.readdirSync(ifcfg).includes('ifcfg-stopnet'), 'the change was applied and waits');

  const started = Date.now();
  const exit = rig.signal('SIGTERM');
  t.match(await long, /SHUTTING_DOWN/, 'the long call got a fault, not a reset');
  t.match(await waiting, /NET_LOST_CONNECTION/, 'the waiting change got its fault');
  const code = await exit;
  if (code !== 0 || !/NET_LOST/.test(await waiting)) t.comment(rig.output().slice(-6000));
  const took = Date.now() - started;
  t.equal(code, 0, 'exit status 0');
  t.ok(took < 30_000, `stopped in ${took} ms (bounded: the grace is 10 s)`);
  t.same(fs.existsSync(ifcfg) ? fs.readdirSync(ifcfg).sort() : [], filesBefore, 'the change was rolled back before the exit');
  const log = fs.readFileSync(path.join(rig.root, 'var/log/hvagent/agent.log'), 'utf8');
  t.match(log, /hvagent stopped/, 'the last log line was flushed');
  t.same(rig.query('SELECT kind FROM intents'), [], 'no intent left');
});
