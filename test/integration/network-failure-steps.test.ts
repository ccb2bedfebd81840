// Issue 3, item 12: a failure injected at each step of a multi-entity change, and after each
// of several live operations, leaves the namespace's links, addresses, routes and the ifcfg
// files exactly as they were. Real iproute2 in a test namespace (eth0..eth3 veths).
import t, { type Test } from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SysrootFs } from '../../src/host/host-fs.js';
import { IpLiveApplier } from '../../src/host/net/ip-applier.js';
import { IpNetReader } from '../../src/host/net/ip-reader.js';
import type { LiveApplier, LiveOp } from '../../src/host/net/live-ops.js';
import { AgentError } from '../../src/core/errors.js';
import type { NetStep } from '../../src/services/network/deps.js';
import { canUseNetns, hostNetnsFixture, type NetnsHarness, linkState } from '../helpers/netns-harness.js';
import { makeHarness, type Harness } from '../helpers/net-harness.js';

const skip = canUseNetns() ? false : 'needs root';
const DIR = '/etc/sysconfig/network-scripts';

/** Runs the first `failAfter` ops of a batch for real, then fails like the applier does. */
class FailingApplier implements LiveApplier {
  failAfter: number | undefined;
  constructor(private readonly inner: LiveApplier) {}
  async apply(ops: readonly LiveOp[], opts?: { netns?: string }) {
    const k = this.failAfter;
    if (k === undefined || k >= ops.length) return this.inner.apply(ops, opts);
    this.failAfter = undefined;
    if (k > 0) await this.inner.apply(ops.slice(0, k), opts);
    throw new AgentError('NET_APPLY_FAILED', `injected failure at op ${k}`, { index: k, op: ops[k], argv: [], stderr: 'injected' });
  }
}

async function setup(t: Test): Promise<{ ns: NetnsHarness; h: Harness; applier: FailingApplier }> {
  const ns = await hostNetnsFixture(t);
  const rootFs = new SysrootFs('/');
  const applier = new FailingApplier(new IpLiveApplier({ exec: ns.exec, fs: rootFs, dhcpClient: 'auto' }));
  const reader = new IpNetReader({ exec: ns.exec, fs: rootFs });
  const h = makeHarness({ links: [], routes: [] }, { network: { verifyRetries: 2, verifyIntervalMs: 20 } }, { reader, applier, netns: ns.netns });
  t.teardown(h.cleanup);
  return { ns, h, applier };
}

const state = linkState;

function files(h: Harness): Record<string, string> {
  const d = join(h.sysroot, DIR);
  return existsSync(d) ? Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f), 'utf8')])) : {};
}

const BASE = { keep: { nic: 'eth0', bootproto: 'static' as const, ipaddr: '10.90.0.5', netmask: '255.255.255.0', gateway: '10.90.0.1' } };
const CHANGE = {
  vm1: { nic: 'eth1', bridged: true, bootproto: 'static' as const, ipaddr: '10.91.0.5', netmask: '255.255.255.0', mtu: 9000 },
  stor: { nic: 'eth2', bridged: false, bootproto: 'static' as const, ipaddr: '10.92.0.5', netmask: '255.255.0.0' },
  vm2: { nic: 'eth3', bridged: true, bootproto: 'none' as const },
};

const STEPS: NetStep[] = ['checkpoint', 'apply-files', 'apply-live', 'verify', 'commit'];

t.test('a failure at each step leaves namespace and files as before', { skip }, async (t) => {
  const { ns, h } = await setup(t);
  await h.svc.setupNetworks(BASE, {}, { commitOnSuccess: true });
  const before = await state(ns);
  const beforeFiles = files(h);
  for (const step of STEPS) {
    h.failStep = step;
    const err = await h.svc.setupNetworks(CHANGE, {}, {}).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.ok(err, `${step}: the call failed`);
    t.equal(h.failStep, undefined, `${step}: the injected failure was reached`);
    t.same(await state(ns), before, `${step}: links, addresses and routes as before`);
    t.same(files(h), beforeFiles, `${step}: ifcfg files as before`);
  }
  // And the same change then succeeds: nothing was left half-done in the database either.
  await h.svc.setupNetworks(CHANGE, {}, {});
  t.match((await state(ns)).links.find((l) => l.name === 'vm1'), { mtu: 9000, addrs: ['10.91.0.5/24'] });
});

t.test('a failure after each of several live operations is rolled back for real', { skip }, async (t) => {
  const { ns, h, applier } = await setup(t);
  await h.svc.setupNetworks(BASE, {}, { commitOnSuccess: true });
  const before = await state(ns);
  const beforeFiles = files(h);
  for (const k of [0, 1, 3, 6]) {
    applier.failAfter = k;
    const err = (await h.svc.setupNetworks(CHANGE, {}, {}).then(
      () => undefined,
      (e: unknown) => e,
    )) as AgentError | undefined;
    t.equal(err?.code, 'NET_APPLY_FAILED', `op ${k}: fails`);
    t.same(await state(ns), before, `op ${k}: links, addresses and routes as before`);
    t.same(files(h), beforeFiles, `op ${k}: files as before`);
  }
  t.ok(h.events.byCode('NETWORK_OPERATION_FAILED').length >= 4, 'each failure is an event');
});
