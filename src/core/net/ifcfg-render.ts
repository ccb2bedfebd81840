// RHEL network-scripts renderers: one ifcfg-<dev> file per port, bond, VLAN and bridge (plus
// meta-<dev> for metadata), with the keys the Oracle VM wiki's hand-written files use.
import { fieldsToBondingOpts } from './bond-options.js';
import { prefixToNetmask } from './ip-util.js';
import { DEFAULT_MTU, masterLookup, type Bond, type Bridge, type Iface, type NetModel, type Port, type Vlan } from './model.js';
import { metaFileText } from './metadata.js';

export const IFCFG_DIR = '/etc/sysconfig/network-scripts';
export const OWNER_MARK = '# Written by hvagent';
export const IFCFG_HEADER = `${OWNER_MARK}: the agent rewrites this file on the next network change.\n`;

export function isAgentWritten(text: string | undefined): boolean {
  return text !== undefined && text.startsWith(OWNER_MARK);
}

function q(v: string): string {
  return /^[A-Za-z0-9_.:/+@,-]*$/.test(v) ? v : `"${v.replace(/(["\\$`])/g, '\\$1')}"`;
}

function lines(pairs: Array<[string, string | number | undefined]>): string {
  return IFCFG_HEADER + pairs.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${q(String(v))}\n`).join('');
}

function ipPairs(i: Iface): Array<[string, string | number | undefined]> {
  const ip = i.ip;
  if (ip.proto === 'dhcp') return [['BOOTPROTO', 'dhcp']];
  if (ip.proto === 'static') {
    return [
      ['BOOTPROTO', 'static'],
      ['IPADDR', ip.address],
      ['NETMASK', prefixToNetmask(ip.prefix)],
      ['GATEWAY', ip.gateway],
    ];
  }
  return [['BOOTPROTO', 'none']];
}

function tail(m: NetModel, i: Iface): Array<[string, string | number | undefined]> {
  const master = masterLookup(m, i.name);
  return [
    ['MASTER', master?.kind === 'bond' ? master.name : undefined],
    ['SLAVE', master?.kind === 'bond' ? 'yes' : undefined],
    ['BRIDGE', master?.kind === 'bridge' ? master.name : undefined],
    ...ipPairs(i).slice(1),
    ['MTU', i.mtu !== DEFAULT_MTU ? i.mtu : undefined],
  ];
}

export function portToIfcfg(p: Port, m: NetModel): string {
  return lines([
    ['DEVICE', p.name],
    ['TYPE', 'Ethernet'],
    ['ONBOOT', 'yes'],
    ipPairs(p)[0],
    ['NM_CONTROLLED', 'no'],
    ['HWADDR', p.hwaddr],
    ...tail(m, p),
  ]);
}

export function bondToIfcfg(b: Bond, m: NetModel): string {
  return lines([
    ['DEVICE', b.name],
    ['TYPE', 'Bond'],
    ['ONBOOT', 'yes'],
    ipPairs(b)[0],
    ['NM_CONTROLLED', 'no'],
    ['BONDING_OPTS', fieldsToBondingOpts(b)],
    ...tail(m, b),
  ]);
}

export function vlanToIfcfg(v: Vlan, m: NetModel): string {
  return lines([
    ['DEVICE', v.name],
    ['TYPE', 'Ethernet'],
    ['VLAN', 'yes'],
    ['PHYSDEV', v.parent],
    ['ONBOOT', 'yes'],
    ipPairs(v)[0],
    ['NM_CONTROLLED', 'no'],
    ...tail(m, v),
  ]);
}

export function bridgeToIfcfg(b: Bridge, m: NetModel): string {
  return lines([
    ['DEVICE', b.name],
    ['TYPE', 'Bridge'],
    ['ONBOOT', 'yes'],
    ipPairs(b)[0],
    ['NM_CONTROLLED', 'no'],
    ['DELAY', 0],
    ['STP', 'off'],
    ['MACADDR', b.mac],
    ...tail(m, b),
  ]);
}

export function ifaceToIfcfg(i: Iface, m: NetModel): string {
  switch (i.kind) {
    case 'port':
      return portToIfcfg(i, m);
    case 'bond':
      return bondToIfcfg(i, m);
    case 'vlan':
      return vlanToIfcfg(i, m);
    case 'bridge':
      return bridgeToIfcfg(i, m);
  }
}

/** Every file the ifcfg backend keeps for one device (absent device: none). */
export function ifcfgFilesFor(m: NetModel, name: string): Record<string, string> {
  const i = m.ifaces[name];
  if (!i) return {};
  const out: Record<string, string> = { [`${IFCFG_DIR}/ifcfg-${name}`]: ifaceToIfcfg(i, m) };
  if (i.meta) out[`${IFCFG_DIR}/meta-${name}`] = IFCFG_HEADER + metaFileText(i.meta);
  return out;
}

export function ifcfgPathsFor(name: string): string[] {
  return [`${IFCFG_DIR}/ifcfg-${name}`, `${IFCFG_DIR}/meta-${name}`];
}
