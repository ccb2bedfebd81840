// Smaller behaviours of the pipeline: drift on untouched devices does not fail a change,
// removals delete only the agent's files (hand-written ones become disabled stubs, their
// content kept), a pool virtual IP is never restored at boot.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';
import { port } from '../helpers/fake-net-host.js';
import { makeHarness } from '../helpers/net-harness.js';

const DIR = '/etc/sysconfig/network-scripts';
const snap = (): HostNetSnapshot => ({
  links: [
    port('eth0', '52:54:00:00:00:01', { addresses: [{ family: 'inet', address: '10.0.0.5', prefixlen: 24, dynamic: false }] }),
    port('eth1', '52:54:00:00:00:02'),
    { ...port('br9', '52:54:00:00:00:09'), kind: 'bridge', bridge: { stp: false, forwardDelay: 0, ports: [] } },
  ],
  routes: [],
});

t.test('drift on an untouched device does not fail a change; removal deletes only our files', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  mkdirSync(join(h.sysroot, DIR), { recursive: true });
  // the file names a gateway the host does not have
  writeFileSync(join(h.sysroot, DIR, 'ifcfg-eth0'), 'DEVICE=eth0\nBOOTPROTO=static\nIPADDR=10.0.0.5\nNETMASK=255.255.255.0\nGATEWAY=10.0.0.1\n');
  const hand = 'DEVICE=br9\nTYPE=Bridge\nONBOOT=yes\n';
  writeFileSync(join(h.sysroot, DIR, 'ifcfg-br9'), hand);
  await h.svc.setupNetworks({ vm1: { nic: 'eth1' } }, {}, {});
  t.ok(h.host.link('vm1'), 'applied and verified');
  t.ok(existsSync(join(h.sysroot, DIR, 'ifcfg-vm1')));
  t.notOk(h.host.applied.some((o) => o.op === 'route-add-default'), 'the drift is left alone');

  await h.svc.setupNetworks({ vm1: { remove: true } }, {}, {});
  t.notOk(h.host.link('vm1'));
  t.notOk(existsSync(join(h.sysroot, DIR, 'ifcfg-vm1')), 'our file is deleted');
  t.notMatch(readFileSync(join(h.sysroot, DIR, 'ifcfg-eth1'), 'utf8'), /BRIDGE=/);

  t.equal(await h.svc.localConfig('stop', 'br9'), 'stop local bridge br9');
  t.notOk(h.host.link('br9'));
  const stub = readFileSync(join(h.sysroot, DIR, 'ifcfg-br9'), 'utf8');
  t.match(stub, /^# Written by hvagent[\s\S]*ONBOOT=no\n$/, 'a hand-written file is never deleted: disabled instead');
  t.same(h.svc.pipe.repo.backups().find((b) => b.path === `${DIR}/ifcfg-br9`)?.content, hand, 'its content is kept');
  t.equal(await h.svc.localConfig('stop', 'br9'), 'stop local bridge br9', 'again: nothing to do');
});

t.test('a pool virtual IP is not restored at boot', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  await h.svc.configureVirtualIp('10.0.0.100', '10.0.0.5');
  await h.svc.setSafeNetworkConfig();
  t.ok(h.svc.pipe.repo.get('safe')?.ifaces.eth0.extraAddrs?.includes('10.0.0.100/24'));
  h.host.link('eth0')!.addresses = [];
  await h.svc.restoreNetworks();
  t.same(h.host.link('eth0')?.addresses.map((a) => a.address), ['10.0.0.5']);
});

t.test('ifupdown backend: stanza files, metadata beside them, idempotent re-apply', async (t) => {
  const h = makeHarness(snap(), { network: { backend: 'ifupdown' } });
  t.teardown(h.cleanup);
  const req = { vm1: { nic: 'eth1', ipaddr: '10.5.0.2', netmask: '255.255.255.0', roles: ['VIRTUAL_MACHINE'] } };
  await h.svc.setupNetworks(req, {}, {});
  t.match(readFileSync(join(h.sysroot, '/etc/network/interfaces.d/vm1'), 'utf8'), /iface vm1 inet static\n    address 10.5.0.2\/24\n    bridge-ports eth1\n/);
  t.match(readFileSync(join(h.sysroot, '/etc/hvagent/network-meta/meta-vm1'), 'utf8'), /METADATA=ethernet:0a050000\{vm1\}:VIRTUAL_MACHINE:/);
  t.notOk(existsSync(join(h.sysroot, DIR)), 'no network-scripts files');
  const writes = h.writes.length;
  const ops = h.host.applied.length;
  await h.svc.setupNetworks(req, {}, {});
  t.equal(h.writes.length, writes, 'zero writes');
  t.equal(h.host.applied.length, ops, 'zero operations');
});

t.test('a bridge carrying VM interfaces is not removed', async (t) => {
  const s = snap();
  s.links.push({ ...port('vnet0', 'fe:54:00:00:00:01'), kind: 'other', master: 'br9' });
  s.links.find((l) => l.name === 'br9')!.bridge!.ports = ['vnet0'];
  const h = makeHarness(s);
  t.teardown(h.cleanup);
  const err = await h.svc.localConfig('stop', 'br9').catch((e) => e);
  t.equal(err.code, 'NET_DEVICE_IN_USE');
  t.match(err.message, /vnet0/);
  t.ok(h.host.link('br9'));
  t.equal(h.host.applyCalls, 0);
});

t.test('stopping the agent while a change waits for the manager rolls it back', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  const p = h.svc.setupNetworks({ vm1: { nic: 'eth1' } }, {}, { connectivityCheck: true }).catch((e) => e);
  while (!h.svc.pipe.hasPending()) await new Promise((r) => setImmediate(r));
  t.ok(h.host.link('vm1'));
  await h.svc.stop();
  t.equal((await p).code, 'NET_LOST_CONNECTION');
  t.notOk(h.host.link('vm1'), 'rolled back');
  t.equal(h.clock.pendingTimers(), 0, 'the timeout timer is cancelled');
});
