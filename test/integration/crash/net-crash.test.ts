// kill -9 of a network change at every step, in a real namespace: the next start rolls it
// back (links, addresses, routes, ifcfg files and rows exactly as before), an event says so,
// and the same request then succeeds.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../../src/core/config/schema.js';
import { openAgentDeps, buildNetworkService } from '../../../src/agent-deps.js';
import { canUseNetns, hostNetnsFixture, type NetnsHarness, linkState } from '../../helpers/netns-harness.js';
import { tempDir } from '../../helpers/service-kit.js';
import { repo } from '../../helpers/sandbox.js';

const skip = canUseNetns() ? false : 'needs root';
const DIR = '/etc/sysconfig/network-scripts';
const STEPS = ['begin', 'apply-files', 'apply-live', 'verify', 'commit', 'end'];
const BASE = { keep: { nic: 'eth0', bootproto: 'static' as const, ipaddr: '10.60.0.5', netmask: '255.255.255.0', gateway: '10.60.0.1' } };
const CHANGE = {
  networks: {
    vm1: { nic: 'eth1', bridged: true, bootproto: 'static', ipaddr: '10.61.0.5', netmask: '255.255.255.0', mtu: 9000 },
    stor: { nic: 'eth2', bridged: false, bootproto: 'static', ipaddr: '10.62.0.5', netmask: '255.255.0.0' },
  },
  bondings: {},
};

const state = linkState;

function files(sysroot: string): Record<string, string> {
  const d = join(sysroot, DIR);
  return existsSync(d) ? Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f), 'utf8')])) : {};
}

function open(sysroot: string, netns: string) {
  const parsed = parseConfig({ paths: { sysroot }, network: { netns, verifyRetries: 3, verifyIntervalMs: 50 } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const deps = openAgentDeps(parsed.config, { log: pino({ level: 'silent' }) });
  return { deps, svc: buildNetworkService(deps) };
}

function runChild(sysroot: string, netns: string, crashAt: string): Promise<{ killed: boolean; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(join(repo, 'node_modules/.bin/tsx'), [join(repo, 'test/helpers/net-crash-child.ts'), sysroot, netns, JSON.stringify(CHANGE)], {
      cwd: repo,
      env: { ...process.env, HVAGENT_CRASH_AT: crashAt },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('exit', (code, signal) => resolve({ killed: signal === 'SIGKILL' || code === 137, out }));
  });
}

t.setTimeout(600_000);
for (const step of STEPS) {
  t.test(`setup_networks killed at ${step}: rolled back at the next start`, { skip }, async (t) => {
    const ns = await hostNetnsFixture(t);
    const sysroot = tempDir('hvagent-netcrash-');
    t.teardown(() => rmSync(sysroot, { recursive: true, force: true }));
    {
      const { deps, svc } = open(sysroot, ns.netns);
      await svc.setupNetworks(BASE, {}, { commitOnSuccess: true });
      deps.close();
    }
    const before = { live: await state(ns), files: files(sysroot) };
    const r = await runChild(sysroot, ns.netns, `net-change:${step}`);
    t.ok(r.killed && r.out.includes(`HVAGENT_CRASH_AT net-change:${step}`), `killed at ${step}`);

    const { deps, svc } = open(sysroot, ns.netns);
    t.teardown(() => deps.close());
    const rows = () => deps.db.prepare("SELECT kind, model FROM net_config ORDER BY kind").all();
    const report = await deps.intents.recoverAll();
    t.match(report, [{ kind: 'net-change', outcome: 'rolled-back' }], 'the change was rolled back');
    t.same(await state(ns), before.live, 'links, addresses and routes exactly as before');
    t.same(files(sysroot), before.files, 'ifcfg files exactly as before');
    t.equal((rows() as Array<{ kind: string }>).length, 2, 'running and safe rows kept');
    t.match((await svc.getCapabilities()).networks, { keep: {} }, 'the stored config is the one before');
    t.notMatch(JSON.stringify((await svc.getCapabilities()).networks), /vm1/, 'nothing of the cut change stored');
    const ev = deps.db.prepare("SELECT severity, message FROM events WHERE code = 'INTENT_RECOVERED'").all() as Array<{ message: string }>;
    t.equal(ev.length, 1, ev[0]?.message);

    await svc.setupNetworks(CHANGE.networks as never, {}, {});
    t.match((await state(ns)).links.find((l) => l.name === 'vm1'), { mtu: 9000, addrs: ['10.61.0.5/24'] }, 'the retry applied the change');
  });
}
