// The network service with the real iproute2 reader and applier inside a test namespace
// (eth0..eth3 veths): create, re-address, MTU and local bridges for real; idempotent re-apply
// runs nothing; a bond (this kernel cannot make one) fails mid-change and everything before it
// is rolled back; a connectivity timeout rolls back; restore-networks rebuilds a wiped namespace.
import t, { type Test } from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SysrootFs } from '../../src/host/host-fs.js';
import { IpLiveApplier } from '../../src/host/net/ip-applier.js';
import { IpNetReader } from '../../src/host/net/ip-reader.js';
import type { LiveApplier, LiveOp } from '../../src/host/net/live-ops.js';
import { canUseNetns, hostNetnsFixture, type NetnsHarness, linkState } from '../helpers/netns-harness.js';
import { makeHarness, type Harness } from '../helpers/net-harness.js';

const skip = canUseNetns() ? false : 'needs root';
const DIR = '/etc/sysconfig/network-scripts';

class CountingApplier implements LiveApplier {
  ops: LiveOp[] = [];
  calls = 0;
  constructor(private readonly inner: LiveApplier) {}
  async apply(ops: readonly LiveOp[], opts?: { netns?: string }) {
    this.calls++;
    this.ops.push(...ops);
    return this.inner.apply(ops, opts);
  }
}

async function setup(t: Test): Promise<{ ns: NetnsHarness; h: Harness; applier: CountingApplier }> {
  const ns = await hostNetnsFixture(t);
  const rootFs = new SysrootFs('/');
  const applier = new CountingApplier(new IpLiveApplier({ exec: ns.exec, fs: rootFs, dhcpClient: 'auto' }));
  const reader = new IpNetReader({ exec: ns.exec, fs: rootFs });
  const h = makeHarness({ links: [], routes: [] }, { network: { verifyRetries: 3, verifyIntervalMs: 50 } }, { reader, applier, netns: ns.netns });
  t.teardown(h.cleanup);
  return { ns, h, applier };
}

const state = linkState;
function files(h: Harness): Record<string, string> {
  const d = join(h.sysroot, DIR);
  return existsSync(d) ? Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f), 'utf8')])) : {};
}

t.test('bridged and local networks for real, then the same request runs nothing', { skip }, async (t) => {
  const { ns, h, applier } = await setup(t);
  const networks = {
    vm1: { nic: 'eth1', bridged: true, bootproto: 'static' as const, ipaddr: '10.70.0.5', netmask: '255.255.255.0', gateway: '10.70.0.1', mtu: 9000 },
    stor: { nic: 'eth2', bridged: false, bootproto: 'static' as const, ipaddr: '10.71.0.5', netmask: '255.255.0.0' },
  };
  await h.svc.setupNetworks(networks, {}, {});
  await h.svc.localConfig('start', 'local0');
  const s = await state(ns);
  t.match(s.links.find((l) => l.name === 'vm1'), { mtu: 9000, addrs: ['10.70.0.5/24'] });
  t.match(s.links.find((l) => l.name === 'eth1'), { master: 'vm1', mtu: 9000 });
  t.match(s.links.find((l) => l.name === 'eth2'), { addrs: ['10.71.0.5/16'] });
  t.ok(s.links.find((l) => l.name === 'local0'));
  t.match(files(h)['ifcfg-vm1'], /TYPE=Bridge[\s\S]*IPADDR=10.70.0.5[\s\S]*GATEWAY=10.70.0.1[\s\S]*MTU=9000/);
  const calls = applier.calls;
  const writes = h.writes.length;
  await h.svc.setupNetworks(networks, {}, {});
  t.equal(applier.calls, calls, 'idempotent: no command run');
  t.equal(h.writes.length, writes, 'idempotent: no file written');
  await h.svc.ipConfig('eth2', 'static', '10.72.0.9', '255.255.255.0');
  t.match((await state(ns)).links.find((l) => l.name === 'eth2'), { addrs: ['10.72.0.9/24'] }, 're-addressed');
  await h.svc.changeMtu('vm1', 1500);
  t.match((await state(ns)).links.find((l) => l.name === 'eth1'), { mtu: 1500 }, 'a bridge passes its MTU to its port');
});

t.test('a step this kernel cannot do (a bond) fails mid-change: namespace and files as before', { skip }, async (t) => {
  const { ns, h } = await setup(t);
  await h.svc.setupNetworks({ keep: { nic: 'eth0', bootproto: 'static', ipaddr: '10.80.0.5', netmask: '255.255.255.0' } }, {}, {});
  const before = await state(ns);
  const beforeFiles = files(h);
  const err = await h.svc
    .setupNetworks(
      { vm2: { nic: 'eth3', ipaddr: '10.81.0.5', netmask: '255.255.255.0', mtu: 9000 }, vm3: { bonding: 'bond0', vlan: 30 } },
      { bond0: { nics: ['eth1', 'eth2'], options: 'mode=4 miimon=100' } },
      {},
    )
    .catch((e) => e);
  t.equal(err.code, 'NET_APPLY_FAILED', err.message);
  t.same(await state(ns), before, 'links, addresses and routes exactly as before');
  t.same(files(h), beforeFiles, 'files exactly as before');
  const [ev] = h.events.byCode('NETWORK_OPERATION_FAILED');
  t.match(ev?.data, { step: 'apply-live' });
  t.ok(ev?.acknowledged);
});

t.test('connectivity timeout rolls the namespace back', { skip }, async (t) => {
  const { ns, h } = await setup(t);
  const before = await state(ns);
  const p = h.svc.setupNetworks({ vm4: { nic: 'eth1', ipaddr: '10.90.0.5', netmask: '255.255.255.0' } }, {}, { connectivityCheck: true, connectivityTimeout: 5 }).catch((e) => e);
  while (!h.svc.pipe.hasPending()) await new Promise((r) => setTimeout(r, 5));
  t.ok((await state(ns)).links.find((l) => l.name === 'vm4'), 'applied while waiting');
  h.clock.advance(5000);
  t.equal((await p).code, 'NET_LOST_CONNECTION');
  t.same(await state(ns), before);
});

t.test('restore-networks rebuilds a wiped namespace from the safe config', { skip }, async (t) => {
  const { ns, h } = await setup(t);
  await h.svc.setupNetworks(
    { vm5: { nic: 'eth1', ipaddr: '10.95.0.5', netmask: '255.255.255.0', mtu: 9000 }, vm6: { nic: 'eth2' } },
    {},
    { commitOnSuccess: true },
  );
  const good = await state(ns);
  for (const br of ['vm5', 'vm6']) await ns.ip(['link', 'del', br]);
  await ns.ip(['link', 'set', 'eth1', 'mtu', '1500']);
  t.notSame(await state(ns), good, 'wiped');
  const report = await h.svc.restoreNetworks();
  t.notOk(report.entries.some((e) => e.result === 'failed'), JSON.stringify(report.entries));
  const after = await state(ns);
  for (const n of ['vm5', 'vm6', 'eth1', 'eth2']) t.same(after.links.find((l) => l.name === n), good.links.find((l) => l.name === n), `${n} restored`);
});
