// The pool's virtual IP moving between two hosts (namespaces on one switch) with a gratuitous
// ARP: a third namespace pings the VIP and its neighbour entry follows the move.
import t from 'tap';
import { SysrootFs } from '../../src/host/host-fs.js';
import { IpLiveApplier } from '../../src/host/net/ip-applier.js';
import { canUseNetns, createLan } from '../helpers/netns-harness.js';

const VIP = '10.77.0.50';

t.test('virtual IP moves from host A to host B', { skip: canUseNetns() ? false : 'needs root' }, async (t) => {
  const lan = await createLan(t, 3);
  const [a, b, c] = lan.hosts;
  const applier = new IpLiveApplier({ exec: lan.exec, fs: new SysrootFs('/') });
  await applier.apply([{ op: 'addr-add', dev: 'eth0', cidr: '10.77.0.1/24' }], { netns: a });
  await applier.apply([{ op: 'addr-add', dev: 'eth0', cidr: '10.77.0.2/24' }], { netns: b });
  await applier.apply([{ op: 'addr-add', dev: 'eth0', cidr: '10.77.0.100/24' }], { netns: c });
  const mac = async (ns: string) => (await lan.ipJson<Array<{ address: string }>>(['link', 'show', 'dev', 'eth0'], ns))[0].address;
  const macA = await mac(a);
  const macB = await mac(b);
  t.not(macA, macB);
  const neighbourOfVip = async () =>
    (await lan.ipJson<Array<{ dst: string; lladdr?: string }>>(['neigh', 'show', 'dev', 'eth0'], c)).find((n) => n.dst === VIP)?.lladdr;
  const ping = async () => (await lan.exec.run(['ping', '-c', '1', '-W', '1', VIP], { netns: c, allowFail: true })).code;

  t.not(await ping(), 0, 'nobody holds the VIP yet');

  await applier.apply([{ op: 'addr-add', dev: 'eth0', cidr: `${VIP}/24` }, { op: 'garp', dev: 'eth0', ip: VIP }], { netns: a });
  t.equal(await ping(), 0, 'the VIP answers on A');
  t.equal(await neighbourOfVip(), macA, 'C resolves the VIP to A');

  await applier.apply([{ op: 'addr-del', dev: 'eth0', cidr: `${VIP}/24` }], { netns: a });
  await applier.apply([{ op: 'addr-add', dev: 'eth0', cidr: `${VIP}/24` }, { op: 'garp', dev: 'eth0', ip: VIP }], { netns: b });
  t.equal(await neighbourOfVip(), macB, "B's gratuitous ARP moved C's neighbour entry before any new traffic");
  t.equal(await ping(), 0, 'the VIP answers on B');
  t.equal(await neighbourOfVip(), macB);
});
