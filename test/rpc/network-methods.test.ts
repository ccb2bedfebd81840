// The network method declarations: wire names of wire-api 3.3, access and lock, argument
// validation, stock return values (nil or the stock strings), over a simulated host.
import t from 'tap';
import pino from 'pino';
import { networkMethods } from '../../src/rpc/methods/network.js';
import type { CallContext } from '../../src/rpc/method.js';
import { makeHarness } from '../helpers/net-harness.js';
import { port } from '../helpers/fake-net-host.js';

const WIRE = [
  'discover_network', 'get_network_capabilities', 'ovs_bond_mode', 'ovs_bond_op', 'ovs_bond_config', 'ovs_change_mtu',
  'ovs_ip_config', 'ovs_if_meta', 'ovs_local_config', 'ovs_vlan_config', 'ovs_br_config', 'ovs_vlan_bridge',
  'configure_virtual_ip', 'deconfigure_virtual_ip', 'setup_networks', 'set_safe_network_config', 'confirm_connectivity',
  'setup_management_network', 'get_network_restore_report',
];

const snap = () => ({
  links: [
    port('eth0', '52:54:00:00:00:01', { addresses: [{ family: 'inet' as const, address: '10.0.0.5', prefixlen: 24, dynamic: false }] }),
    port('eth1', '52:54:00:00:00:02'),
    port('eth2', '52:54:00:00:00:03'),
  ],
  routes: [{ dst: 'default', gateway: '10.0.0.1', dev: 'eth0' }],
});

const ctx = (): CallContext => ({ callId: '1', method: 'x', remoteAddress: '10.0.0.9', localAddress: '10.0.0.5', user: 'oracle', log: pino({ level: 'silent' }), signal: new AbortController().signal });

t.test('declarations', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  const defs = networkMethods(h.svc);
  t.same(defs.map((d) => d.name).sort(), [...WIRE].sort());
  for (const d of defs) {
    t.equal(d.access, ['discover_network', 'get_network_capabilities'].includes(d.name) ? 'public' : d.name === 'ovs_local_config' ? 'setup' : 'owned', `${d.name} access`);
    if (!['discover_network', 'get_network_capabilities', 'confirm_connectivity', 'get_network_restore_report'].includes(d.name)) t.equal(d.lock, 'network', `${d.name} lock`);
  }
});

t.test('calls with the stock argument forms', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  const defs = Object.fromEntries(networkMethods(h.svc).map((d) => [d.name, d]));
  const call = async (n: string, args: unknown[]) => defs[n].handler(defs[n].params.parse(args) as never, ctx());
  t.equal(await call('ovs_bond_config', ['add', 'bond1']), undefined, 'nil');
  t.equal(await call('ovs_bond_op', ['add', 'bond1', 'eth1']), undefined);
  t.equal(await call('ovs_bond_mode', ['bond1', '4']), undefined);
  t.equal(h.host.link('bond1')?.bond?.mode, '802.3ad');
  t.equal(await call('ovs_vlan_bridge', ['start', 'xenbr1.200', 'bond1', 200]), 'start bridge=xenbr1.200 netdev=bond1 vlan 200');
  t.ok(h.host.link('bond1.200'));
  t.equal(await call('ovs_local_config', ['start', 'local0']), 'start local bridge local0');
  t.equal(await call('ovs_local_config', ['stop', 'local0']), 'stop local bridge local0');
  t.equal(await call('ovs_vlan_config', ['add', 'eth2', '30']), undefined);
  t.equal(await call('ovs_change_mtu', ['eth2', 9000]), undefined);
  t.equal(h.host.link('eth2')?.mtu, 9000);
  t.equal(await call('ovs_ip_config', ['eth2.30', 'static', '172.16.0.2', '255.255.0.0']), undefined);
  t.same(h.host.link('eth2.30')?.addresses.map((a) => `${a.address}/${a.prefixlen}`), ['172.16.0.2/16']);
  t.equal(await call('ovs_if_meta', ['eth2.30', 'ethernet:ac100000{172.16.0.0}:STORAGE:']), undefined);
  t.equal(await call('configure_virtual_ip', ['10.0.0.100', '10.0.0.5']), undefined);
  t.ok(h.host.applied.some((o) => o.op === 'garp' && o.ip === '10.0.0.100'), 'gratuitous ARP sent');
  t.equal(await call('deconfigure_virtual_ip', ['10.0.0.100']), undefined);
  t.same(h.host.link('eth0')?.addresses.map((a) => a.address), ['10.0.0.5']);
  const xml = (await call('discover_network', [])) as string;
  t.match(xml, /<Device Name="eth2.30">.*<MetaData>ethernet:ac100000\{172.16.0.0\}:STORAGE:<\/MetaData>/);
  const caps = (await call('get_network_capabilities', [])) as Record<string, unknown>;
  t.equal(caps.lastClientIface, 'eth0');
  t.equal(caps.netConfigDirty, true);
  t.equal(await call('set_safe_network_config', []), undefined);
  t.equal(((await call('get_network_capabilities', [])) as { netConfigDirty: boolean }).netConfigDirty, false);
  t.equal(await call('ovs_br_config', ['stop', 'xenbr1.200', 'bond1.200']), 'stop bridge=xenbr1.200 netdev=bond1.200');
  const dry = (await call('setup_networks', [{ vm1: { nic: 'eth2', remove: false } }, {}, { dryRun: true }])) as { operations: unknown[] };
  t.ok(Array.isArray(dry.operations));
});

t.test('bad arguments are refused before anything runs', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  const defs = Object.fromEntries(networkMethods(h.svc).map((d) => [d.name, d]));
  t.notOk(defs.ovs_bond_op.params.safeParse(['grow', 'bond0', 'eth1']).success);
  t.notOk(defs.ovs_ip_config.params.safeParse(['eth0', 'weird']).success);
  t.notOk(defs.setup_networks.params.safeParse([{ n: { nic: 'eth1', colour: 'red' } }, {}]).success);
  t.notOk(defs.setup_networks.params.safeParse([{}, {}, { connectivityTimeout: 0 }]).success);
  t.equal(h.host.applyCalls, 0);
});
