// IpNetReader against recorded hosts: ip -j output from a scripted Exec plus a recorded
// sysfs/procfs tree as the sysroot. Bonds and VLANs come out the same whether ip gave details.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { SysrootFs, type HostFs } from '../../src/host/host-fs.js';
import { IpNetReader } from '../../src/host/net/ip-reader.js';
import { ipJsonExec } from '../helpers/fake-exec.js';

const F = new URL('../fixtures/nethost/', import.meta.url).pathname;
const read = (p: string) => readFileSync(F + p, 'utf8');
const rec = (c: string, link = 'ip-link.json') => ({ link: read(`${c}/${link}`), addr: read(`${c}/ip-addr.json`), route: read(`${c}/ip-route.json`) });

t.test('the wiki bonded trunk host: ip -d plus sysfs/procfs', async (t) => {
  const exec = ipJsonExec(rec('wiki-8023ad'));
  const snap = await new IpNetReader({ exec, fs: new SysrootFs(F + 'wiki-8023ad/sysroot') }).read();
  t.same(snap, JSON.parse(read('wiki-8023ad/expected.json')));
  t.same(exec.calls.map((c) => c.argv.join(' ')).sort(), ['ip -j -d link show', 'ip -j addr show', 'ip -j route show'].sort());
  t.ok(exec.calls.every((c) => c.netns === undefined));
});

t.test('the same host with plain `ip -j link` (no linkinfo): sysfs and procfs alone find bond, VLANs, bridges', async (t) => {
  const snap = await new IpNetReader({ exec: ipJsonExec(rec('wiki-8023ad', 'ip-link-plain.json')), fs: new SysrootFs(F + 'wiki-8023ad/sysroot') }).read();
  t.same(snap, JSON.parse(read('wiki-8023ad/expected.json')));
  const by = new Map(snap.links.map((l) => [l.name, l]));
  t.equal(by.get('bond0')?.kind, 'bond');
  t.same(by.get('bond0')?.bond?.slaves, ['eth0', 'eth1']);
  t.same(by.get('bond0.51')?.vlan, { id: 51, parent: 'bond0' });
  t.same(by.get('vlan51')?.bridge?.ports, ['bond0.51']);
  t.equal(by.get('eth0')?.driver, 'e1000e');
  t.equal(by.get('eth0')?.speedMbps, 1000);
});

t.test('active-backup bond: procfs speed/duplex merged with the port states', async (t) => {
  const snap = await new IpNetReader({ exec: ipJsonExec(rec('active-backup')), fs: new SysrootFs(F + 'active-backup/sysroot') }).read();
  t.same(snap, JSON.parse(read('active-backup/expected.json')));
  const bond = snap.links.find((l) => l.name === 'bond1')?.bond;
  t.equal(bond?.activeSlave, 'eth3');
  t.equal(bond?.primary, 'eth2');
  t.same(bond?.slaveStatus?.map((s) => [s.name, s.state, s.miiStatus]), [['eth2', 'backup', 'down'], ['eth3', 'active', 'up']]);
  t.same(snap.routes[0], { dst: 'default', gateway: '192.168.10.1', dev: 'bond1' });
});

t.test('inside a namespace only ip is asked (sysfs would show the wrong namespace)', async (t) => {
  const exec = ipJsonExec(rec('netns-veth-bridge'));
  const noFs = new Proxy({}, { get: () => () => { throw new Error('sysfs must not be read for a namespace'); } }) as HostFs;
  const snap = await new IpNetReader({ exec, fs: noFs }).read({ netns: 'hvt-x' });
  t.same(snap, JSON.parse(read('netns-veth-bridge/expected.json')));
  t.ok(exec.calls.length === 3 && exec.calls.every((c) => c.netns === 'hvt-x'));
});

t.test('unparsable ip output is a HOST_COMMAND_FAILED error', async (t) => {
  const exec = ipJsonExec({ link: 'garbage', addr: '[]', route: '[]' });
  await t.rejects(new IpNetReader({ exec, fs: new SysrootFs(F + 'active-backup/sysroot') }).read(), { code: 'HOST_COMMAND_FAILED' });
});
