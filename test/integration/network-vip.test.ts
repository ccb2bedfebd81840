// configure_virtual_ip / deconfigure_virtual_ip through the network service on two real hosts
// (namespaces on one switch): the pool's virtual IP moves from A to B with a gratuitous ARP, and
// neither host writes it to a file.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SysrootFs } from '../../src/host/host-fs.js';
import { IpLiveApplier } from '../../src/host/net/ip-applier.js';
import { IpNetReader } from '../../src/host/net/ip-reader.js';
import { canUseNetns, createLan } from '../helpers/netns-harness.js';
import { makeHarness } from '../helpers/net-harness.js';

const VIP = '10.78.0.50';

t.test('the pool virtual IP moves between hosts through the service', { skip: canUseNetns() ? false : 'needs root' }, async (t) => {
  const lan = await createLan(t, 3, 'hvv');
  const [a, b, c] = lan.hosts;
  const rootFs = new SysrootFs('/');
  const svc = (ns: string) => {
    const h = makeHarness({ links: [], routes: [] }, {}, { reader: new IpNetReader({ exec: lan.exec, fs: rootFs }), applier: new IpLiveApplier({ exec: lan.exec, fs: rootFs }), netns: ns });
    t.teardown(h.cleanup);
    return h;
  };
  const ha = svc(a);
  const hb = svc(b);
  await ha.svc.ipConfig('eth0', 'static', '10.78.0.1', '255.255.255.0');
  await hb.svc.ipConfig('eth0', 'static', '10.78.0.2', '255.255.255.0');
  await lan.exec.run(['ip', 'addr', 'add', '10.78.0.100/24', 'dev', 'eth0'], { netns: c });
  const mac = async (ns: string) => (await lan.ipJson<Array<{ address: string }>>(['link', 'show', 'dev', 'eth0'], ns))[0].address;
  const neighbour = async () => (await lan.ipJson<Array<{ dst: string; lladdr?: string }>>(['neigh', 'show', 'dev', 'eth0'], c)).find((n) => n.dst === VIP)?.lladdr;
  const ping = async () => (await lan.exec.run(['ping', '-c', '1', '-W', '1', VIP], { netns: c, allowFail: true })).code;

  await ha.svc.configureVirtualIp(VIP, '10.78.0.1');
  t.equal(await ping(), 0, 'the VIP answers on A');
  t.equal(await neighbour(), await mac(a));
  await ha.svc.configureVirtualIp(VIP, '10.78.0.1');
  t.equal(await ha.svc.deconfigureVirtualIp(VIP), null);
  await hb.svc.configureVirtualIp(VIP, '10.78.0.2');
  t.equal(await neighbour(), await mac(b), "B's gratuitous ARP moved the neighbour entry");
  t.equal(await ping(), 0, 'the VIP answers on B');
  for (const h of [ha, hb]) {
    const dir = join(h.sysroot, '/etc/sysconfig/network-scripts');
    const text = existsSync(dir) ? readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('') : '';
    t.notMatch(text, VIP, 'the VIP is never written to a file');
  }
});
