// Bonds and VLANs cannot be created on this kernel: their discovery and verification run
// against the recorded hosts of test/fixtures/nethost (the wiki's 802.3ad trunk from its
// /proc/net/bonding/bond0 and sysfs tree; an active-backup management bond).
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS } from '../../src/core/net/backend.js';
import { canonicalize } from '../../src/core/net/canonicalize.js';
import { networkDiscoveryXml } from '../../src/core/net/discovery.js';
import { planChange } from '../../src/core/net/plan.js';
import { setupNetworks, networksArgSchema, bondingsArgSchema } from '../../src/core/net/setup-networks.js';
import { snapshotToModel } from '../../src/core/net/snapshot-to-model.js';
import { verify } from '../../src/core/net/verify.js';
import * as mut from '../../src/core/net/mutations.js';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';

const FIX = join(import.meta.dirname, '../fixtures');
const recorded = (c: string) => JSON.parse(readFileSync(join(FIX, 'nethost', c, 'expected.json'), 'utf8')) as HostNetSnapshot;
const trunkReq = JSON.parse(readFileSync(join(FIX, 'net/bonded-trunk/desired.json'), 'utf8'));

t.test('the recorded wiki host is what our bonded-trunk request asks for', async (t) => {
  const snap = recorded('wiki-8023ad');
  const current = canonicalize(snapshotToModel(snap));
  t.match(current.ifaces.bond0, { kind: 'bond', mode: '802.3ad', miimon: 100, slaves: ['eth0', 'eth1'] });
  t.match(current.ifaces['bond0.100'], { kind: 'vlan', parent: 'bond0', id: 100 });
  t.match(current.ifaces.vlan100, { kind: 'bridge', ports: ['bond0.100'], ip: { proto: 'static', address: '10.1.1.101', prefix: 24 } });
  t.equal(current.ifaces.eth1.kind === 'port' && current.ifaces.eth1.hwaddr, '00:14:5e:c0:ff:ef', 'permanent MAC of a slave');
  const desired = setupNetworks(current, networksArgSchema.parse(trunkReq.networks), bondingsArgSchema.parse(trunkReq.bondings));
  t.same(verify(desired, snap), [], 'verification passes on the recorded host');
  t.same(planChange(current, desired, BACKENDS.ifcfg, {}), { ops: [], files: [] }, 'nothing to do: the host already is the trunk');
  const changed = mut.bondMode(desired, 'bond0', 1).desired;
  t.match(verify(changed, snap), ['bond0: mode 802.3ad, expected active-backup'], 'a mismatch is reported');
  const fewer = structuredClone(desired);
  delete fewer.ifaces.vlan51;
  delete fewer.ifaces['bond0.51'];
  t.same(verify(fewer, snap, ['vlan51', 'bond0.51']), ['vlan51: still present, expected removed', 'bond0.51: still present, expected removed']);
});

t.test('discovery XML of the recorded hosts', async (t) => {
  const wiki = recorded('wiki-8023ad');
  const xml = networkDiscoveryXml(wiki, canonicalize(snapshotToModel(wiki)), {});
  t.match(xml, /<Bonding><Device Name="bond0"><Bonding_Mode>IEEE 802.3ad Dynamic link aggregation<\/Bonding_Mode><Primary_Slave>None<\/Primary_Slave><Currently_Active_Slave>None<\/Currently_Active_Slave><MII_Status>up<\/MII_Status><MII_Polling_Interval>100<\/MII_Polling_Interval><Up_Delay>0<\/Up_Delay><Down_Delay>0<\/Down_Delay><Slave_Interface Name="eth0"\/><Slave_Interface Name="eth1"\/><Family Type="AF_INET"><MAC>[0-9a-f:]{17}<\/MAC><\/Family><BootProto>none<\/BootProto><\/Device><\/Bonding>/);
  t.match(xml, /<Bridges>.*<Device Name="vlan100">/);
  t.match(xml, /<Device Name="eth1"><MAC>00:14:5e:c0:ff:ef<\/MAC>/, "a slave shows its permanent MAC");
  t.notMatch(xml, /Name="lo"/, 'loopback is not a network device');
  const ab = recorded('active-backup');
  const abModel = canonicalize(snapshotToModel(ab));
  t.match(abModel.ifaces.bond1, { mode: 'active-backup', primary: 'eth2', downdelay: 200, ip: { proto: 'static', address: '192.168.10.5', gateway: '192.168.10.1' } });
  const x2 = networkDiscoveryXml(ab, abModel, {});
  t.match(x2, /<Device Name="bond1"><Bonding_Mode>fault-tolerance \(active-backup\)<\/Bonding_Mode><Primary_Slave>eth2<\/Primary_Slave><Currently_Active_Slave>eth3<\/Currently_Active_Slave>/);
  t.match(x2, /<Device Name="bond1">.*<BootProto>static<\/BootProto>/);
});

t.test('one Family per device: a pool virtual IP beside the host address does not hide it', async (t) => {
  const wiki = recorded('wiki-8023ad');
  const br = wiki.links.find((l) => l.name === 'vlan100');
  const own = br?.addresses.find((a) => a.family === 'inet');
  if (!br || !own) throw new Error('fixture changed: vlan100 has no IPv4 address');
  const withVip = { ...wiki, links: wiki.links.map((l) => (l === br ? { ...l, addresses: [...l.addresses, { ...own, address: '10.1.1.250' }] } : l)) };
  const xml = networkDiscoveryXml(withVip, canonicalize(snapshotToModel(wiki)), {});
  const dev = /<Device Name="vlan100">.*?<\/Device>/.exec(xml)?.[0] ?? '';
  t.equal(dev.match(/<Family /g)?.length, 1, 'CloudStack keeps the last Family block it reads');
  t.match(dev, `<Address>${own.address}</Address>`);
  t.notMatch(dev, '10.1.1.250');
});
