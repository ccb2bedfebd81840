// IpLiveApplier inside a real namespace: bridges with ports and without (local), addresses,
// MTU, default route, removal; a failing op mid-batch is reported at its index and the ops
// before it (only those) took effect. Checked with plain `ip -j`, not with the reader.
import t from 'tap';
import { SysrootFs } from '../../src/host/host-fs.js';
import { IpLiveApplier } from '../../src/host/net/ip-applier.js';
import type { LiveOp } from '../../src/host/net/live-ops.js';
import { canUseNetns, hostNetnsFixture, type NetnsHarness } from '../helpers/netns-harness.js';
import { failure } from '../helpers/failure.js';

const skip = canUseNetns() ? false : 'needs root';
type Row = { ifname: string; mtu: number; master?: string; flags: string[]; addr_info?: Array<{ family: string; local: string; prefixlen: number; broadcast?: string }> };

async function links(h: NetnsHarness): Promise<Map<string, Row>> {
  return new Map((await h.ipJson<Row[]>(['addr', 'show'])).map((r) => [r.ifname, r]));
}
const v4 = (r?: Row) => (r?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);


t.test('bridge on a port with address, MTU, default route; then re-address and remove', { skip }, async (t) => {
  const h = await hostNetnsFixture(t);
  const applier = new IpLiveApplier({ exec: h.exec, fs: new SysrootFs('/') });
  const ops: LiveOp[] = [
    { op: 'link-add-bridge', name: 'xenbr0' },
    { op: 'bridge-set-option', name: 'xenbr0', option: 'stp_state', value: '0' },
    { op: 'bridge-set-option', name: 'xenbr0', option: 'forward_delay', value: '0' },
    { op: 'link-set-mtu', name: 'eth0', mtu: 9000 },
    { op: 'link-set-master', name: 'eth0', master: 'xenbr0' },
    { op: 'link-set-up', name: 'eth0' },
    { op: 'link-set-up', name: 'xenbr0' },
    { op: 'addr-add', dev: 'xenbr0', cidr: '10.60.0.5/24', broadcast: '10.60.0.255' },
    { op: 'route-add-default', gateway: '10.60.0.1', dev: 'xenbr0' },
  ];
  t.same(await applier.apply(ops, { netns: h.netns }), { ran: ops.length });
  let l = await links(h);
  t.equal(l.get('eth0')?.master, 'xenbr0');
  t.equal(l.get('eth0')?.mtu, 9000);
  t.equal(l.get('xenbr0')?.mtu, 9000, 'a bridge follows its only port');
  t.ok(l.get('xenbr0')?.flags.includes('UP'));
  t.same(v4(l.get('xenbr0')), ['10.60.0.5/24']);
  t.equal(l.get('xenbr0')?.addr_info?.[0].broadcast, '10.60.0.255');
  const fd = (await h.exec.run(['cat', '/sys/class/net/xenbr0/bridge/forward_delay'], { netns: h.netns })).stdout.trim();
  t.equal(fd, '0');
  const routes = await h.ipJson<Array<{ dst: string; gateway?: string; dev: string }>>(['route', 'show']);
  t.same(routes.find((r) => r.dst === 'default'), { dst: 'default', gateway: '10.60.0.1', dev: 'xenbr0', flags: [] });

  await applier.apply(
    [
      { op: 'route-del-default', gateway: '10.60.0.1', dev: 'xenbr0' },
      { op: 'addr-del', dev: 'xenbr0', cidr: '10.60.0.5/24' },
      { op: 'addr-add', dev: 'xenbr0', cidr: '10.61.0.5/16' },
      { op: 'route-add-default', gateway: '10.61.0.1', dev: 'xenbr0' },
    ],
    { netns: h.netns },
  );
  l = await links(h);
  t.same(v4(l.get('xenbr0')), ['10.61.0.5/16']);

  await applier.apply(
    [
      { op: 'addr-flush', dev: 'xenbr0' },
      { op: 'link-set-down', name: 'xenbr0' },
      { op: 'link-set-nomaster', name: 'eth0' },
      { op: 'link-del', name: 'xenbr0' },
      { op: 'link-set-mtu', name: 'eth0', mtu: 1500 },
    ],
    { netns: h.netns },
  );
  l = await links(h);
  t.notOk(l.has('xenbr0'));
  t.equal(l.get('eth0')?.master, undefined);
  t.equal(l.get('eth0')?.mtu, 1500);
});

t.test('local (port-less) bridge with an address', { skip }, async (t) => {
  const h = await hostNetnsFixture(t);
  const applier = new IpLiveApplier({ exec: h.exec, fs: new SysrootFs('/') });
  await applier.apply(
    [
      { op: 'link-add-bridge', name: 'intra0' },
      { op: 'link-set-up', name: 'intra0' },
      { op: 'addr-add', dev: 'intra0', cidr: '172.30.0.1/24' },
    ],
    { netns: h.netns },
  );
  const l = await links(h);
  t.ok(l.get('intra0')?.flags.includes('UP'));
  t.same(v4(l.get('intra0')), ['172.30.0.1/24']);
  const ports = (await h.ipJson<Row[]>(['link', 'show', 'master', 'intra0'])).map((r) => r.ifname);
  t.same(ports, []);
});

t.test('a failing op mid-batch: right index, only the ops before it took effect', { skip }, async (t) => {
  const h = await hostNetnsFixture(t);
  const applier = new IpLiveApplier({ exec: h.exec, fs: new SysrootFs('/') });
  const ops: LiveOp[] = [
    { op: 'link-add-bridge', name: 'brA' },
    { op: 'link-set-master', name: 'eth1', master: 'brA' },
    { op: 'link-set-master', name: 'eth9', master: 'brA' },
    { op: 'link-add-bridge', name: 'brB' },
    { op: 'addr-add', dev: 'brA', cidr: '10.70.0.1/24' },
  ];
  const e = await failure(applier.apply(ops, { netns: h.netns }));
  t.equal(e.code, 'NET_APPLY_FAILED');
  t.equal(e.detail?.index, 2);
  t.same(e.detail?.op, ops[2]);
  t.match(String(e.detail?.stderr), /eth9/);
  const l = await links(h);
  t.ok(l.has('brA'), 'op 0 ran');
  t.equal(l.get('eth1')?.master, 'brA', 'op 1 ran');
  t.notOk(l.has('brB'), 'op 3 did not run');
  t.same(v4(l.get('brA')), [], 'op 4 did not run');
});

t.test('a bond or VLAN this kernel cannot create fails like any other op', { skip }, async (t) => {
  const h = await hostNetnsFixture(t);
  const applier = new IpLiveApplier({ exec: h.exec, fs: new SysrootFs('/') });
  const probe = await h.exec.run(['ip', 'link', 'add', 'name', 'probebond', 'type', 'bond'], { netns: h.netns, allowFail: true });
  if (probe.code === 0) {
    t.comment('skipped: this kernel has bonding, so a bond op cannot be made to fail here');
    return;
  }
  const e = await failure(
    applier.apply(
      [
        { op: 'link-add-bridge', name: 'br0' },
        { op: 'link-add-bond', name: 'bond0', mode: '802.3ad', options: { miimon: '100' } },
        { op: 'link-set-master', name: 'eth0', master: 'bond0' },
      ],
      { netns: h.netns },
    ),
  );
  t.equal(e.detail?.index, 1);
  t.equal(e.detail?.line, 'link add name bond0 type bond mode 802.3ad miimon 100');
  t.ok((await links(h)).has('br0'));
});
