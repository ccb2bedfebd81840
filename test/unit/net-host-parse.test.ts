// Pure parsers of host network state against recorded outputs: /proc/net/bonding (the wiki's
// 802.3ad record and a 6.x active-backup bond), sysfs bonding files, /proc/net/vlan/config, ip -j.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseProcNetBonding, procBondModeToKernelName } from '../../src/core/net/host-parse/proc-net-bonding.js';
import { sysfsToBondSnap } from '../../src/core/net/host-parse/sysfs-bond.js';
import { parseProcNetVlanConfig } from '../../src/core/net/host-parse/proc-net-vlan.js';
import { ipJsonToSnapshot, parseIpAddrJson, parseIpLinkJson, parseIpRouteJson } from '../../src/core/net/host-parse/ip-json.js';

const F = new URL('../fixtures/nethost/', import.meta.url).pathname;
const read = (p: string) => readFileSync(F + p, 'utf8');
const readJson = (p: string) => JSON.parse(read(p));

const WIKI_BOND = {
  mode: '802.3ad',
  miimon: 100,
  updelay: 0,
  downdelay: 0,
  xmitHashPolicy: 'layer2',
  miiStatus: 'up',
  lacpRate: 'slow',
  ad: { aggregatorId: 1, numPorts: 2, actorKey: 17, partnerKey: 101, partnerMac: 'c0:ff:ee:25:60:00' },
  slaves: ['eth0', 'eth1'],
  slaveStatus: [
    { name: 'eth0', miiStatus: 'up', linkFailureCount: 0, permMac: '00:14:5e:c0:ff:ee', aggregatorId: 1 },
    { name: 'eth1', miiStatus: 'up', linkFailureCount: 0, permMac: '00:14:5e:c0:ff:ef', aggregatorId: 1 },
  ],
};

t.test('the wiki 802.3ad /proc/net/bonding/bond0', async (t) => {
  const r = parseProcNetBonding(read('wiki-8023ad/sysroot/proc/net/bonding/bond0'));
  t.equal(r.driverVersion, 'v3.0.3 (March 23, 2006)');
  t.same(r.bond, WIKI_BOND);
  t.notOk('primary' in r.bond, 'an 802.3ad bond has no primary');
  t.notOk('activeSlave' in r.bond);
});

t.test('the wiki record exactly as the page shows it (glued lines, no tabs) parses the same', async (t) => {
  const glued = read('wiki-8023ad/sysroot/proc/net/bonding/bond0')
    .replace(/\n\nBonding Mode/, 'Bonding Mode')
    .replace(/\n\n/g, '\n')
    .replace(/\t/g, '');
  t.match(glued, /2006\)Bonding Mode/);
  t.same(parseProcNetBonding(glued).bond, WIKI_BOND);
});

t.test('a 6.x active-backup bond: primary, active port, down port', async (t) => {
  const { bond, driverVersion } = parseProcNetBonding(read('active-backup/sysroot/proc/net/bonding/bond1'));
  t.equal(driverVersion, 'v6.1.0-18-amd64');
  t.same(bond, {
    mode: 'active-backup',
    miimon: 100,
    updelay: 0,
    downdelay: 200,
    primary: 'eth2',
    primaryReselect: 'always',
    activeSlave: 'eth3',
    miiStatus: 'up',
    slaves: ['eth2', 'eth3'],
    slaveStatus: [
      { name: 'eth2', miiStatus: 'down', linkFailureCount: 1, permMac: '52:54:00:aa:02:02', state: 'backup' },
      { name: 'eth3', miiStatus: 'up', speedMbps: 10000, duplex: 'full', linkFailureCount: 0, permMac: '52:54:00:aa:03:03', state: 'active' },
    ],
  });
});

t.test('"None" primary and active port are absent, fail_over_mac is read', async (t) => {
  const { bond } = parseProcNetBonding(
    'Bonding Mode: fault-tolerance (active-backup) (fail_over_mac active)\nPrimary Slave: None\nCurrently Active Slave: None\nMII Status: down\n',
  );
  t.equal(bond.mode, 'active-backup');
  t.equal(bond.failOverMac, 'active');
  t.equal(bond.miiStatus, 'down');
  t.notOk('primary' in bond);
  t.notOk('activeSlave' in bond);
  t.same(bond.slaves, []);
});

t.test('procfs mode texts map to kernel mode names', async (t) => {
  const table: Array<[string, string]> = [
    ['load balancing (round-robin)', 'balance-rr'],
    ['fault-tolerance (active-backup)', 'active-backup'],
    ['load balancing (xor)', 'balance-xor'],
    ['fault-tolerance (broadcast)', 'broadcast'],
    ['IEEE 802.3ad Dynamic link aggregation', '802.3ad'],
    ['transmit load balancing', 'balance-tlb'],
    ['adaptive load balancing', 'balance-alb'],
    ['something new', 'something new'],
  ];
  for (const [text, name] of table) t.equal(procBondModeToKernelName(text), name, text);
});

function sysfsDir(dir: string, names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    try {
      out[n] = readFileSync(`${F}${dir}/${n}`, 'utf8');
    } catch {
      /* absent */
    }
  }
  return out;
}
const BOND_FILES = ['mode', 'miimon', 'updelay', 'downdelay', 'primary', 'active_slave', 'lacp_rate', 'xmit_hash_policy', 'mii_status', 'slaves', 'primary_reselect', 'fail_over_mac', 'ad_aggregator', 'ad_num_ports', 'ad_actor_key', 'ad_partner_key', 'ad_partner_mac'];
const SLAVE_FILES = ['state', 'mii_status', 'link_failure_count', 'perm_hwaddr', 'ad_aggregator_id'];

t.test('sysfs bonding tree of the wiki bond (two ports)', async (t) => {
  const sys = 'wiki-8023ad/sysroot/sys/class/net';
  const bond = sysfsToBondSnap(sysfsDir(`${sys}/bond0/bonding`, BOND_FILES), {
    eth0: sysfsDir(`${sys}/eth0/bonding_slave`, SLAVE_FILES),
    eth1: sysfsDir(`${sys}/eth1/bonding_slave`, SLAVE_FILES),
  });
  t.same(bond, {
    mode: '802.3ad',
    miimon: 100,
    updelay: 0,
    downdelay: 0,
    slaves: ['eth0', 'eth1'],
    miiStatus: 'up',
    primaryReselect: 'always',
    failOverMac: 'none',
    lacpRate: 'slow',
    ad: { aggregatorId: 1, numPorts: 2, actorKey: 17, partnerKey: 101, partnerMac: 'c0:ff:ee:25:60:00' },
    xmitHashPolicy: 'layer2',
    slaveStatus: [
      { name: 'eth0', miiStatus: 'up', state: 'active', linkFailureCount: 0, permMac: '00:14:5e:c0:ff:ee', aggregatorId: 1 },
      { name: 'eth1', miiStatus: 'up', state: 'active', linkFailureCount: 0, permMac: '00:14:5e:c0:ff:ef', aggregatorId: 1 },
    ],
  });
});

t.test('sysfs bonding tree of an active-backup bond: no 802.3ad fields, primary and active port', async (t) => {
  const sys = 'active-backup/sysroot/sys/class/net';
  const bond = sysfsToBondSnap(sysfsDir(`${sys}/bond1/bonding`, BOND_FILES));
  t.equal(bond.mode, 'active-backup');
  t.equal(bond.primary, 'eth2');
  t.equal(bond.activeSlave, 'eth3');
  t.equal(bond.downdelay, 200);
  t.notOk('lacpRate' in bond, 'lacp_rate is meaningless outside 802.3ad');
  t.notOk('xmitHashPolicy' in bond);
  t.notOk('ad' in bond);
  t.notOk('slaveStatus' in bond, 'no port files given');
  t.same(sysfsToBondSnap({ mode: '', primary: '\n', slaves: '' }), { mode: 'balance-rr', miimon: 0, updelay: 0, downdelay: 0, slaves: [] });
});

t.test('/proc/net/vlan/config', async (t) => {
  const m = parseProcNetVlanConfig(read('wiki-8023ad/sysroot/proc/net/vlan/config'));
  t.same([...m.entries()], [
    ['bond0.50', { id: 50, parent: 'bond0' }],
    ['bond0.51', { id: 51, parent: 'bond0' }],
    ['bond0.100', { id: 100, parent: 'bond0' }],
  ]);
  t.equal(parseProcNetVlanConfig('').size, 0);
});

const rec = (c: string, link = 'ip-link.json') => ({ link: read(`${c}/${link}`), addr: read(`${c}/ip-addr.json`), route: read(`${c}/ip-route.json`) });

t.test('ip -j output recorded in a namespace: veth, bridge, local bridge, addresses, routes, MTU', async (t) => {
  const snap = ipJsonToSnapshot(rec('netns-veth-bridge'), { foreignVethIsPhysical: true });
  t.same(snap, readJson('netns-veth-bridge/expected.json'));
  const by = new Map(snap.links.map((l) => [l.name, l]));
  t.equal(by.get('eth0')?.kind, 'physical', 'veth with its peer outside is the namespace NIC');
  t.equal(by.get('eth0')?.mtu, 9000);
  t.equal(by.get('vm0')?.kind, 'veth');
  t.same(by.get('br0')?.bridge, { stp: false, forwardDelay: 0, ports: ['eth0', 'vm0'] });
  t.same(by.get('brlocal')?.bridge, { stp: false, forwardDelay: 15, ports: [] });
  t.same(snap.routes[0], { dst: 'default', gateway: '192.0.2.1', dev: 'br0' });
  const eth0Plain = parseIpLinkJson(rec('netns-veth-bridge').link).find((l) => l.name === 'eth0');
  t.equal(eth0Plain?.kind, 'veth', 'without the option a veth stays a veth');
});

t.test('ip -j -d of the wiki host: bond, slaves, VLANs, bridges from linkinfo alone', async (t) => {
  const links = parseIpLinkJson(rec('wiki-8023ad').link);
  const by = new Map(links.map((l) => [l.name, l]));
  t.equal(by.get('bond0')?.kind, 'bond');
  t.same(by.get('bond0')?.bond?.slaves, ['eth0', 'eth1']);
  t.equal(by.get('bond0')?.bond?.lacpRate, 'slow');
  t.same(by.get('bond0')?.bond?.ad, WIKI_BOND.ad);
  t.equal(by.get('eth1')?.permMac, '00:14:5e:c0:ff:ef');
  t.equal(by.get('eth1')?.mac, '00:14:5e:c0:ff:ee', 'a port carries the bond MAC');
  t.same(by.get('bond0.100')?.vlan, { id: 100, parent: 'bond0' });
  t.equal(by.get('bond0.100')?.master, 'vlan100');
  t.same(by.get('vlan100')?.bridge, { stp: false, forwardDelay: 0, ports: ['bond0.100'] });
});

t.test('addresses and routes', async (t) => {
  const a = parseIpAddrJson(read('wiki-8023ad/ip-addr.json')).get('vlan100');
  t.same(a?.[0], { family: 'inet', address: '10.1.1.101', prefixlen: 24, dynamic: false, broadcast: '10.1.1.255', label: 'vlan100:1' });
  t.same(parseIpAddrJson('[{"ifname":"e","addr_info":[{"family":"inet","local":"10.0.0.9","prefixlen":8,"dynamic":true}]}]').get('e'), [
    { family: 'inet', address: '10.0.0.9', prefixlen: 8, dynamic: true },
  ]);
  t.same(parseIpRouteJson('[{"dst":"default","gateway":"10.0.0.1","dev":"e","metric":100}]'), [{ dst: 'default', gateway: '10.0.0.1', dev: 'e', metric: 100 }]);
  t.same(parseIpRouteJson(''), []);
  t.throws(() => parseIpLinkJson('{"not":"an array"}'));
  t.throws(() => parseIpLinkJson('[{'));
});
