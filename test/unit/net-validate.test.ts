// Refusal table: every invalid request is refused with its own error code, nothing changed.
import t from 'tap';
import { isAgentError } from '../../src/core/errors.js';
import { canonicalize } from '../../src/core/net/canonicalize.js';
import * as mut from '../../src/core/net/mutations.js';
import type { NetModel } from '../../src/core/net/model.js';
import { setupNetworks, networksArgSchema, bondingsArgSchema } from '../../src/core/net/setup-networks.js';
import { validateModel } from '../../src/core/net/validate.js';
import { parseMeta } from '../../src/core/net/metadata.js';
import { cutsManager } from '../../src/core/net/manager-link.js';

const port = (name: string, extra: Record<string, unknown> = {}) => ({ name, kind: 'port' as const, mtu: 1500, ip: { proto: 'none' as const }, ...extra });
const base: NetModel = canonicalize({
  ifaces: {
    eth0: { ...port('eth0'), ip: { proto: 'static', address: '192.168.1.10', prefix: 24, gateway: '192.168.1.1' } },
    eth1: port('eth1'),
    eth2: port('eth2'),
    eth3: port('eth3'),
    bond0: { name: 'bond0', kind: 'bond', mode: 'active-backup', slaves: ['eth1'], miimon: 100, updelay: 0, downdelay: 0, mtu: 1500, ip: { proto: 'none' } },
    'bond0.20': { name: 'bond0.20', kind: 'vlan', parent: 'bond0', id: 20, mtu: 1500, ip: { proto: 'none' } },
  },
  networks: {},
});
const hostPorts = new Set(['eth0', 'eth1', 'eth2', 'eth3']);

function check(desired: () => NetModel): void {
  validateModel(canonicalize(desired()), base, { hostPorts });
}
const sn = (networks: unknown, bondings: unknown = {}) => () =>
  setupNetworks(base, networksArgSchema.parse(networks), bondingsArgSchema.parse(bondings));
const edit = (f: (m: NetModel) => void) => () => {
  const m = structuredClone(base);
  f(m);
  return m;
};

const rows: Array<[string, string, () => NetModel]> = [
  ['bridge name over 15 characters', 'NET_BAD_NAME', sn({ averyveryverylongname: { nic: 'eth2' } })],
  ['bond not named bondN', 'NET_BAD_NAME', () => mut.bondConfig(base, 'add', 'team0').desired],
  ['VLAN named unlike <parent>.<id>', 'NET_BAD_NAME', edit((m) => (m.ifaces.v = { name: 'v', kind: 'vlan', parent: 'eth2', id: 5, mtu: 1500, ip: { proto: 'none' } }))],
  ['network name with a space', 'NET_BAD_NAME', sn({ 'a b': { nic: 'eth2' } })],
  ['VLAN id 5000', 'NET_BAD_VLAN', () => mut.vlanConfig(base, 'add', 'eth2', 5000).desired],
  ['VLAN id 0', 'NET_BAD_VLAN', sn({ net0: { nic: 'eth2', vlan: 0 } })],
  ['VLAN id 4095 is reserved', 'NET_VLAN_RESERVED', () => mut.vlanConfig(base, 'add', 'eth2', 4095).desired],
  ['VLAN bridge 4095', 'NET_VLAN_RESERVED', () => mut.vlanBridge(base, 'start', 'br9', 'eth2', 4095).desired],
  ['MTU 1400', 'NET_BAD_MTU', () => mut.changeMtu(base, 'eth2', 1400).desired],
  ['MTU 70000', 'NET_BAD_MTU', sn({ net1: { nic: 'eth2', mtu: 70000 } })],
  ['VLAN MTU above its parent', 'NET_MTU_EXCEEDS_PARENT', () => mut.changeMtu(base, 'bond0.20', 9000).desired],
  ['bond mode 0', 'NET_BAD_BOND_MODE', () => mut.bondMode(base, 'bond0', 0).desired],
  ['bond mode balance-xor in options', 'NET_BAD_BOND_MODE', sn({}, { bond1: { nics: ['eth2'], options: 'mode=2' } })],
  ['unknown bond option', 'NET_BAD_BOND_OPTIONS', sn({}, { bond1: { nics: ['eth2'], options: 'mode=4 arp_interval=5' } })],
  ['lacp_rate outside 802.3ad', 'NET_BAD_BOND_OPTIONS', sn({}, { bond1: { nics: ['eth2'], options: 'mode=1 lacp_rate=fast' } })],
  ['primary not a port of the bond', 'NET_BAD_BOND_OPTIONS', sn({}, { bond1: { nics: ['eth2'], options: 'mode=1 primary=eth3' } })],
  ['bad xmit_hash_policy', 'NET_BAD_BOND_OPTIONS', sn({}, { bond1: { nics: ['eth2'], options: 'mode=4 xmit_hash_policy=layer9' } })],
  ['bad IP', 'NET_BAD_ADDRESS', () => mut.ipConfig(base, 'eth2', 'static', '10.0.0.300', '255.255.255.0').desired],
  ['non-contiguous netmask', 'NET_BAD_ADDRESS', () => mut.ipConfig(base, 'eth2', 'static', '10.0.0.3', '255.0.255.0').desired],
  ['ipaddr without netmask', 'NET_BAD_ADDRESS', sn({ net2: { nic: 'eth2', ipaddr: '10.0.0.3' } })],
  ['gateway outside the subnet', 'NET_BAD_GATEWAY', sn({ net3: { nic: 'eth2', ipaddr: '10.0.0.3', netmask: '255.255.255.0', gateway: '10.0.1.1' } })],
  ['gateway without address', 'NET_BAD_GATEWAY', sn({ net3: { nic: 'eth2', gateway: '10.0.1.1' } })],
  ['missing NIC', 'NET_NO_SUCH_DEVICE', sn({ net4: { nic: 'eth9' } })],
  ['missing bond slave', 'NET_NO_SUCH_DEVICE', sn({}, { bond1: { nics: ['eth9'] } })],
  ['ip on a missing device', 'NET_NO_SUCH_DEVICE', () => mut.ipConfig(base, 'eth9', 'dynamic', '', '').desired],
  ['bond with a VLAN on it removed', 'NET_DEVICE_IN_USE', () => mut.bondConfig(base, 'remove', 'bond0').desired],
  ['NIC already in another bond', 'NET_DEVICE_IN_USE', () => mut.bondOp(base, 'add', 'bond0', 'eth1').desired && mut.bondOp(mut.bondConfig(base, 'add', 'bond1').desired, 'add', 'bond1', 'eth1').desired],
  ['same address twice', 'NET_CONFLICT', () => mut.ipConfig(base, 'eth2', 'static', '192.168.1.10', '255.255.255.0').desired],
  ['second default gateway', 'NET_CONFLICT', sn({ net5: { nic: 'eth2', ipaddr: '10.0.0.3', netmask: '255.255.255.0', gateway: '10.0.0.1' } })],
  ['two untagged networks on one NIC', 'NET_CONFLICT', sn({ a1: { nic: 'eth2', bridged: false }, a2: { nic: 'eth2', bridged: false } })],
  ['malformed metadata', 'NET_BAD_METADATA', () => mut.ifMeta(base, 'eth2', 'no braces here').desired],
  ['unknown role in metadata', 'NET_BAD_METADATA', () => mut.ifMeta(base, 'eth2', 'ethernet:0a000000{10.0.0.0}:COFFEE:').desired],
  ['unknown network role', 'NET_BAD_METADATA', sn({ net6: { nic: 'eth2', roles: ['COFFEE'] } })],
  ['IP on a bond slave', 'NET_IS_SLAVE', () => mut.ipConfig(base, 'eth1', 'dynamic', '', '').desired],
  ['bridge with two ports', 'NET_BRIDGE_PORTS', edit((m) => (m.ifaces.br0 = { name: 'br0', kind: 'bridge', ports: ['eth2', 'eth3'], mtu: 1500, ip: { proto: 'none' } }))],
  ['local bridge over an existing VLAN name', 'NET_EXISTS', () => mut.localConfig(base, 'start', 'bond0.20').desired],
  ['bond over a VLAN', 'NET_BAD_BOND_SLAVE', () => mut.bondOp(base, 'add', 'bond0', 'bond0.20').desired],
  ['bond with no NICs', 'NET_BAD_BOND_SLAVE', sn({}, { bond1: { nics: [] } })],
  ['bond mode on a NIC', 'NET_WRONG_KIND', () => mut.bondMode(base, 'eth2', 4).desired],
  ['network with nic and bonding', 'NET_INVALID', sn({ net7: { nic: 'eth2', bonding: 'bond0' } })],
];

for (const [what, code, f] of rows) {
  t.test(`${what} -> ${code}`, async (t) => {
    const before = JSON.stringify(base);
    try {
      check(f);
      t.fail('was accepted');
    } catch (e) {
      t.ok(isAgentError(e), `AgentError (${(e as Error).message})`);
      t.equal(isAgentError(e) ? e.code : undefined, code);
    }
    t.equal(JSON.stringify(base), before, 'the current model is untouched');
  });
}

t.test('metadata round trip', async (t) => {
  t.same(parseMeta('ethernet:c0a80100{192.168.1.0}:MANAGEMENT,CLUSTER_HEARTBEAT,LIVE_MIGRATE,VIRTUAL_MACHINE,STORAGE:'), {
    type: 'ethernet',
    networkId: 'c0a80100',
    name: '192.168.1.0',
    roles: ['MANAGEMENT', 'CLUSTER_HEARTBEAT', 'LIVE_MIGRATE', 'VIRTUAL_MACHINE', 'STORAGE'],
  });
});

t.test('manager connection: moving the address onto a bridge is not a cut; removing it is', async (t) => {
  const onBridge = mut.brConfig(base, 'start', 'br0', 'eth0').desired;
  t.notOk(cutsManager(base, onBridge, 'eth0', '192.168.1.10'));
  const flushed = mut.ipConfig(base, 'eth0', 'flush', '', '').desired;
  t.ok(cutsManager(base, flushed, 'eth0', '192.168.1.10'));
  const readdr = mut.ipConfig(base, 'eth0', 'static', '192.168.1.11', '255.255.255.0').desired;
  t.ok(cutsManager(base, readdr, 'eth0', '192.168.1.10'));
  t.notOk(cutsManager(base, mut.changeMtu(base, 'eth2', 9000).desired, 'eth0', '192.168.1.10'));
});
