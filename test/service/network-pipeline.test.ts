// The network pipeline against a simulated host: the bonded trunk in one call, idempotent
// re-apply, dry run, failure at every step rolls files/host/DB back exactly and records an
// acknowledged NETWORK_OPERATION_FAILED, connectivity timeout, BUSY, manager-cut refusal.
import t from 'tap';
import { readFileSync, readdirSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAgentError } from '../../src/core/errors.js';
import { canonicalize } from '../../src/core/net/canonicalize.js';
import { snapshotToModel } from '../../src/core/net/snapshot-to-model.js';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';
import type { NetStep } from '../../src/services/network/deps.js';
import { makeHarness, type Harness } from '../helpers/net-harness.js';
import { port } from '../helpers/fake-net-host.js';

const FIX = join(import.meta.dirname, '../fixtures/net/bonded-trunk');
const trunkSnap = (): HostNetSnapshot => {
  const s = JSON.parse(readFileSync(join(FIX, 'current.json'), 'utf8')) as HostNetSnapshot;
  // the manager reaches the host on eth2
  s.links.push(port('eth2', '52:54:00:00:00:02', { addresses: [{ family: 'inet', address: '192.168.1.10', prefixlen: 24, dynamic: false }] }));
  s.routes.push({ dst: 'default', gateway: '192.168.1.1', dev: 'eth2' });
  return s;
};
const trunkReq = () => JSON.parse(readFileSync(join(FIX, 'desired.json'), 'utf8')) as { networks: Record<string, never>; bondings: Record<string, never> };
const DIR = '/etc/sysconfig/network-scripts';

function filesOf(h: Harness): Record<string, string> {
  const d = join(h.sysroot, DIR);
  if (!existsSync(d)) return {};
  return Object.fromEntries(readdirSync(d).map((f) => [f, readFileSync(join(d, f), 'utf8')]));
}
function hostState(h: Harness) {
  const s = h.host.snap;
  return { model: canonicalize(snapshotToModel(s)), routes: s.routes, up: s.links.map((l) => `${l.name}:${l.up}`).sort() };
}
function dbRows(h: Harness) {
  return h.svc.pipe.repo.checkpoint();
}
function seedHandWritten(h: Harness): void {
  mkdirSync(join(h.sysroot, DIR), { recursive: true });
  writeFileSync(join(h.sysroot, DIR, 'ifcfg-eth0'), '# by hand\nDEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\n');
  writeFileSync(join(h.sysroot, DIR, 'ifcfg-eth2'), 'DEVICE=eth2\nBOOTPROTO=static\nIPADDR=192.168.1.10\nNETMASK=255.255.255.0\nGATEWAY=192.168.1.1\n');
}

t.test('bonded trunk in one setup_networks call, then the same call does nothing', async (t) => {
  const h = makeHarness(trunkSnap());
  t.teardown(h.cleanup);
  seedHandWritten(h);
  const req = trunkReq();
  t.equal(await h.svc.setupNetworks(req.networks, req.bondings, {}, '192.168.1.10'), null);
  const files = filesOf(h);
  const golden = join(FIX, 'expected', DIR);
  for (const f of readdirSync(golden)) t.equal(files[f], readFileSync(join(golden, f), 'utf8'), `${f} as in the golden folder`);
  t.match(files['ifcfg-eth2'], /IPADDR=192.168.1.10/, 'the untouched hand-written file stays');
  t.same(h.host.applied, JSON.parse(readFileSync(join(FIX, 'plan.json'), 'utf8')), 'ran the golden plan');
  t.equal(h.host.link('bond0')?.bond?.mode, '802.3ad');
  t.same(h.host.link('vlan100')?.addresses.map((a) => a.address), ['10.1.1.101']);
  t.ok(h.svc.pipe.repo.get('running')?.networks.vlan100, 'running config stored');
  t.same(h.svc.pipe.repo.backups(), [{ path: `${DIR}/ifcfg-eth0`, content: '# by hand\nDEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\n' }, ...['ifcfg-bond0', 'ifcfg-bond0.100', 'ifcfg-bond0.50', 'ifcfg-bond0.51', 'ifcfg-eth1', 'ifcfg-vlan100', 'ifcfg-vlan50', 'ifcfg-vlan51'].map((f) => ({ path: `${DIR}/${f}`, content: null }))].sort((a, b) => a.path.localeCompare(b.path)), 'pre-existing content kept until the next safe config');

  const writes = h.writes.length;
  const ops = h.host.applied.length;
  const calls = h.host.applyCalls;
  await h.svc.setupNetworks(req.networks, req.bondings, {}, '192.168.1.10');
  t.equal(h.writes.length, writes, 'second call: zero writes');
  t.equal(h.host.applied.length, ops, 'second call: zero operations');
  t.equal(h.host.applyCalls, calls, 'second call: the applier is not even called');

  await h.svc.setSafeNetworkConfig();
  t.same(h.svc.pipe.repo.backups(), [], 'safe config drops the kept contents');
  const caps = await h.svc.getCapabilities('192.168.1.10');
  t.equal(caps.lastClientIface, 'eth2');
  t.equal(caps.netConfigDirty, false);
  const xml = await h.svc.discoverNetwork();
  t.match(xml, /^<\?xml version="1.0" \?><Discover_Network_Result><Network><Active>/);
  t.match(xml, /<Bonding><Device Name="bond0"><Bonding_Mode>IEEE 802.3ad Dynamic link aggregation<\/Bonding_Mode>/);
  t.match(xml, /<Device Name="vlan100">.*<Family Type="AF_INET">.*<Address>10.1.1.101<\/Address><Netmask>255.255.255.0<\/Netmask>.*<Interfaces><PhyInterface>bond0.100<\/PhyInterface><\/Interfaces>/);
  t.match(xml, /<Stored><Networks><Network Name="vlan100"><Device>vlan100<\/Device><Base>bond0<\/Base><Vlan>100<\/Vlan><Bridged>True<\/Bridged>/);
});

t.test('dryRun returns the plan and changes nothing', async (t) => {
  const h = makeHarness(trunkSnap());
  t.teardown(h.cleanup);
  const req = trunkReq();
  const r = await h.svc.setupNetworks(req.networks, req.bondings, { dryRun: true });
  t.ok(r);
  t.same(r!.operations, JSON.parse(readFileSync(join(FIX, 'plan.json'), 'utf8')));
  t.equal(r!.files[`${DIR}/ifcfg-bond0`].new, readFileSync(join(FIX, 'expected', DIR, 'ifcfg-bond0'), 'utf8'));
  t.equal(r!.files[`${DIR}/ifcfg-bond0`].old, undefined);
  t.same(h.writes, []);
  t.equal(h.host.applyCalls, 0);
  t.same(dbRows(h).config, []);
});

const STEPS: NetStep[] = ['checkpoint', 'apply-files', 'apply-live', 'verify', 'commit'];
for (const step of STEPS) {
  t.test(`failure injected at ${step} leaves files, host and DB as before`, async (t) => {
    const h = makeHarness(trunkSnap());
    t.teardown(h.cleanup);
    seedHandWritten(h);
    const files = filesOf(h);
    const host = hostState(h);
    const rows = dbRows(h);
    h.failStep = step;
    const req = trunkReq();
    await t.rejects(h.svc.setupNetworks(req.networks, req.bondings, {}), /injected failure/);
    t.same(filesOf(h), files, 'files restored byte for byte');
    t.same(hostState(h), host, 'links, addresses and routes restored');
    t.same(dbRows(h), rows, 'database rows as before');
    const [ev] = h.events.byCode('NETWORK_OPERATION_FAILED');
    t.ok(ev, 'event recorded');
    t.equal(ev?.severity, 'error');
    t.equal((ev?.data as { step: string }).step, step);
    t.ok(ev?.acknowledged, 'acknowledged once rediscovery completed');
  });
}

for (const atOp of [0, 14, 29]) {
  t.test(`the host fails operation ${atOp}: rolled back, stderr in the event`, async (t) => {
    const h = makeHarness(trunkSnap());
    t.teardown(h.cleanup);
    seedHandWritten(h);
    const files = filesOf(h);
    const host = hostState(h);
    h.host.fail = { atOp, stderr: 'RTNETLINK answers: Operation not supported' };
    const req = trunkReq();
    const err = await h.svc.setupNetworks(req.networks, req.bondings, {}).catch((e) => e);
    t.ok(isAgentError(err) && err.code === 'NET_APPLY_FAILED', `faults NET_APPLY_FAILED (${err.message})`);
    t.same(filesOf(h), files);
    t.same(hostState(h), host);
    const [ev] = h.events.byCode('NETWORK_OPERATION_FAILED');
    t.match(ev?.data, { step: 'apply-live', stderr: 'RTNETLINK answers: Operation not supported' });
    t.ok((ev?.data as { rolledBack: { files: string[] } }).rolledBack.files.length > 0, 'says what was rolled back');
  });
}

t.test('verification that never matches rolls back after bounded retries', async (t) => {
  const h = makeHarness(trunkSnap(), { network: { verifyRetries: 2, verifyIntervalMs: 50 } });
  t.teardown(h.cleanup);
  const before = hostState(h);
  const reads = h.host.reads;
  h.host.readFilter = (s) => {
    const b = s.links.find((l) => l.name === 'bond0');
    if (b?.bond) b.bond.miimon = 0;
  };
  const req = trunkReq();
  const err = await h.svc.setupNetworks(req.networks, req.bondings, {}).catch((e) => e);
  h.host.readFilter = undefined;
  t.equal(err.code, 'NET_VERIFY_FAILED');
  t.match(err.message, /bond0: miimon 0, expected 100/);
  t.ok(h.host.reads - reads >= 4, 'read once, then 1 + 2 retries');
  t.same(hostState(h), before);
});

t.test('connectivity check: timeout rolls back with LOST_CONNECTION; a manager call confirms', async (t) => {
  const h = makeHarness(trunkSnap());
  t.teardown(h.cleanup);
  const before = hostState(h);
  const req = trunkReq();
  const p = h.svc.setupNetworks(req.networks, req.bondings, { connectivityCheck: true, connectivityTimeout: 30 }).catch((e) => e);
  while (!h.svc.pipe.hasPending()) await new Promise((r) => setImmediate(r));
  const busy = await h.svc.bondConfig('add', 'bond7').catch((e) => e);
  t.equal(busy.code, 'BUSY', 'a concurrent network call faults BUSY at once');
  h.clock.advance(29_000);
  t.ok(h.svc.pipe.hasPending(), 'still waiting before the timeout');
  h.clock.advance(1_000);
  const err = await p;
  t.equal(err.code, 'NET_LOST_CONNECTION');
  t.match(err.message, /LOST_CONNECTION/);
  t.same(hostState(h), before, 'rolled back');
  const [ev] = h.events.byCode('NETWORK_OPERATION_FAILED');
  t.match(ev?.message, /LOST_CONNECTION/);

  const p2 = h.svc.setupNetworks(req.networks, req.bondings, { connectivityCheck: true, connectivityTimeout: 30, commitOnSuccess: true }, undefined, '192.0.2.7');
  while (!h.svc.pipe.hasPending()) await new Promise((r) => setImmediate(r));
  h.svc.noteAuthenticatedCall('get_api_version', '127.0.0.1');
  h.svc.confirmConnectivity('127.0.0.1');
  t.ok(h.svc.pipe.hasPending(), "the host's own CLI (another address) does not confirm");
  h.svc.noteAuthenticatedCall('get_api_version', '192.0.2.7');
  t.equal(await p2, null);
  t.ok(h.host.link('vlan100'), 'kept');
  t.ok(h.svc.pipe.repo.get('safe')?.networks.vlan100, 'commitOnSuccess made it safe');
  h.clock.advance(60_000);
  t.ok(h.host.link('vlan100'), 'the cancelled timer does nothing later');
});

t.test('a change that cuts the manager is refused unless the check is on', async (t) => {
  const h = makeHarness(trunkSnap());
  t.teardown(h.cleanup);
  const err = await h.svc.ipConfig('eth2', 'flush', '', '', '192.168.1.10').catch((e) => e);
  t.equal(err.code, 'NET_WOULD_CUT_MANAGER');
  t.equal(h.host.applyCalls, 0);
  const moved = await h.svc.brConfig('start', 'br0', 'eth2', '192.168.1.10');
  t.equal(moved, 'start bridge=br0 netdev=eth2', 'moving the address onto a bridge is allowed');
  t.same(h.host.link('br0')?.addresses.map((a) => a.address), ['192.168.1.10']);
  t.equal(h.host.snap.routes[0]?.dev, 'br0', 'default route follows');
});
