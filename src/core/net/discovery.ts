// discover_network's XML document (Discover_Network_Result) and get_network_capabilities'
// struct, from the host snapshot, the current model and what the agent has stored.
import type { HostNetSnapshot, LinkSnap } from './snapshot.js';
import { broadcastAddress, prefixToNetmask } from './ip-util.js';
import type { NetModel } from './model.js';
import { x, xmlDocument, type XNode } from './xml-lite.js';

const BOND_MODE_TEXT: Record<string, string> = {
  'balance-rr': 'load balancing (round-robin)',
  'active-backup': 'fault-tolerance (active-backup)',
  'balance-xor': 'load balancing (xor)',
  broadcast: 'fault-tolerance (broadcast)',
  '802.3ad': 'IEEE 802.3ad Dynamic link aggregation',
  'balance-tlb': 'transmit load balancing',
  'balance-alb': 'adaptive load balancing',
};

export interface StoredNetworkState {
  running?: NetModel;
  safe?: NetModel;
}

function bootProto(m: NetModel, name: string): string {
  const p = m.ifaces[name]?.ip.proto ?? 'none';
  return p;
}

/**
 * One AF_INET Family per device, as real agents reported it: the MAC, and the primary (first)
 * address when there is one. A second block (the pool virtual IP after configure_virtual_ip)
 * made CloudStack, which keeps the last block it reads, lose the host's own address.
 */
function family(l: LinkSnap): XNode[] {
  const a = l.addresses.find((x) => x.family === 'inet');
  return [
    x('Family', { Type: 'AF_INET' }, [
      x('MAC', l.mac),
      ...(a
        ? [
            x('Address', a.address),
            x('Netmask', prefixToNetmask(a.prefixlen)),
            x('Broadcast', a.broadcast ?? broadcastAddress(a.address, a.prefixlen)),
          ]
        : []),
    ]),
  ];
}

function deviceCommon(l: LinkSnap, m: NetModel): XNode[] {
  const meta = m.ifaces[l.name]?.meta;
  return [
    // a bond slave reports the bond's MAC; discovery wants the port's own
    x('MAC', l.permMac ?? l.mac),
    x('Flags', `(${l.flags.join(' ')})`),
    x('MTU', String(l.mtu)),
    x('Link', l.carrier ? 'yes' : 'no'),
    x('BootProto', bootProto(m, l.name)),
    x('MetaData', meta ?? ''),
    ...family(l),
  ];
}

export function networkDiscoveryXml(snap: HostNetSnapshot, model: NetModel, stored: StoredNetworkState): string {
  const links = snap.links.filter((l) => model.ifaces[l.name]);
  const devices = links
    .filter((l) => l.kind !== 'bridge')
    .map((l) =>
      x('Device', { Name: l.name }, [
        ...deviceCommon(l, model),
        x('Basename', l.vlan?.parent ?? l.name),
        ...(l.vlan ? [x('Vlan', String(l.vlan.id))] : []),
        ...(l.master ? [x('Master', l.master)] : []),
        ...(l.speedMbps ? [x('Speed', String(l.speedMbps))] : []),
      ]),
    );
  const bonds = links
    .filter((l) => l.kind === 'bond')
    .map((l) => {
      const b = l.bond;
      return x('Device', { Name: l.name }, [
        x('Bonding_Mode', BOND_MODE_TEXT[b?.mode ?? ''] ?? b?.mode ?? ''),
        x('Primary_Slave', b?.primary ?? 'None'),
        x('Currently_Active_Slave', b?.activeSlave ?? 'None'),
        x('MII_Status', b?.miiStatus ?? (l.carrier ? 'up' : 'down')),
        x('MII_Polling_Interval', String(b?.miimon ?? 0)),
        x('Up_Delay', String(b?.updelay ?? 0)),
        x('Down_Delay', String(b?.downdelay ?? 0)),
        ...(b?.slaves ?? []).map((s) => x('Slave_Interface', { Name: s })),
        ...family(l),
        x('BootProto', bootProto(model, l.name)),
      ]);
    });
  const bridges = links
    .filter((l) => l.kind === 'bridge')
    .map((l) =>
      x('Device', { Name: l.name }, [
        ...deviceCommon(l, model),
        x(
          'Interfaces',
          (l.bridge?.ports ?? []).map((p) => x(model.ifaces[p] ? 'PhyInterface' : 'VirInterface', p)),
        ),
      ]),
    );
  const storedNets = Object.entries(stored.running?.networks ?? {}).map(([name, n]) =>
    x('Network', { Name: name }, [
      x('Device', n.device),
      x('Base', n.base),
      ...(n.vlan !== undefined ? [x('Vlan', String(n.vlan))] : []),
      x('Bridged', n.bridged ? 'True' : 'False'),
      x('Roles', n.roles.join(',')),
    ]),
  );
  const root = x('Discover_Network_Result', [
    x('Network', [
      x('Active', [x('Network', devices), x('Bonding', bonds), x('Bridges', bridges), x('Infiniband', [])]),
      x('Stored', [
        x('Networks', storedNets),
        x('Running_Config', stored.running ? JSON.stringify(stored.running) : ''),
        x('Safe_Config', stored.safe ? JSON.stringify(stored.safe) : ''),
      ]),
    ]),
  ]);
  return xmlDocument(root);
}
