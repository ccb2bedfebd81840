// IpNetReader inside a real namespace: veths, bridges (with and without ports), addresses,
// routes and MTU, set up with plain `ip` commands independent of the applier.
import t from 'tap';
import { SysrootFs } from '../../src/host/host-fs.js';
import { IpNetReader } from '../../src/host/net/ip-reader.js';
import { canUseNetns, hostNetnsFixture } from '../helpers/netns-harness.js';

t.test('reader sees what ip configured', { skip: canUseNetns() ? false : 'needs root' }, async (t) => {
  const h = await hostNetnsFixture(t);
  for (const args of [
    ['link', 'add', 'name', 'br0', 'type', 'bridge', 'forward_delay', '0'],
    ['link', 'add', 'name', 'brlocal', 'type', 'bridge'],
    ['link', 'add', 'vif1', 'type', 'veth', 'peer', 'name', 'vif1p'],
    ['link', 'set', 'dev', 'eth0', 'master', 'br0'],
    ['link', 'set', 'dev', 'vif1', 'master', 'br0'],
    ['link', 'set', 'dev', 'eth1', 'mtu', '9000'],
    ['link', 'set', 'dev', 'eth0', 'up'],
    ['link', 'set', 'dev', 'br0', 'up'],
    ['link', 'set', 'dev', 'brlocal', 'up'],
    ['addr', 'add', '192.0.2.10/24', 'broadcast', '192.0.2.255', 'dev', 'br0'],
    ['addr', 'add', '203.0.113.1/28', 'dev', 'brlocal'],
    ['route', 'add', 'default', 'via', '192.0.2.1', 'dev', 'br0'],
  ]) {
    await h.ip(args);
  }
  const snap = await new IpNetReader({ exec: h.exec, fs: new SysrootFs('/') }).read({ netns: h.netns });
  const by = new Map(snap.links.map((l) => [l.name, l]));
  t.same(
    snap.links.map((l) => l.name).sort(),
    ['br0', 'brlocal', 'eth0', 'eth1', 'eth2', 'eth3', 'lo', 'vif1', 'vif1p'],
  );
  t.equal(by.get('eth0')?.kind, 'physical');
  t.equal(by.get('eth0')?.master, 'br0');
  t.ok(by.get('eth0')?.up);
  t.ok(by.get('eth0')?.carrier, 'the peer is up on the switch');
  t.equal(by.get('eth1')?.mtu, 9000);
  t.equal(by.get('eth1')?.up, false);
  t.equal(by.get('vif1')?.kind, 'veth');
  t.same(by.get('br0')?.bridge, { stp: false, forwardDelay: 0, ports: ['eth0', 'vif1'] });
  t.same(by.get('brlocal')?.bridge, { stp: false, forwardDelay: 15, ports: [] });
  t.ok(by.get('brlocal')?.up);
  t.same(by.get('br0')?.addresses.filter((a) => a.family === 'inet'), [
    { family: 'inet', address: '192.0.2.10', prefixlen: 24, broadcast: '192.0.2.255', dynamic: false, label: 'br0' },
  ]);
  t.same(by.get('brlocal')?.addresses.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefixlen}`), ['203.0.113.1/28']);
  t.same(by.get('eth0')?.mac.length, 17);
  t.same(snap.routes.find((r) => r.dst === 'default'), { dst: 'default', gateway: '192.0.2.1', dev: 'br0' });
  t.ok(snap.routes.some((r) => r.dst === '192.0.2.0/24' && r.dev === 'br0'));
});
