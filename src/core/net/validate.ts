// Validation of a desired model against the current one: every refusal has its own error code.
// Only entities that change are held to the rules, so a hand-made oddity elsewhere on the host
// does not block unrelated calls.
import { fail } from '../errors.js';
import { isReservedKey } from '../reserved-keys.js';
import { parseMeta } from './metadata.js';
import { isIpv4, sameSubnet } from './ip-util.js';
import { IFNAMSIZ_MAX, MTU_MAX, MTU_MIN, masterLookup, type Iface, type NetModel } from './model.js';

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;
export const XMIT_HASH_POLICIES = ['layer2', 'layer2+3', 'layer3+4', 'encap2+3', 'encap3+4', 'vlan+srcmac'];

/** Why a device name is refused, or undefined when it is a valid one. */
export function ifNameProblem(name: string, what = 'interface'): string | undefined {
  if (!name || name.length > IFNAMSIZ_MAX || !NAME_RE.test(name) || name === '.' || name === '..') {
    return `${what} name "${name.slice(0, 40)}" must be 1-${IFNAMSIZ_MAX} characters of letters, digits, _ . : -`;
  }
  if (isReservedKey(name)) return `${what} name "${name}" is reserved`;
  return undefined;
}

export function checkIfName(name: string, what = 'interface'): void {
  const problem = ifNameProblem(name, what);
  if (problem) throw fail('NET_BAD_NAME', problem);
}

export function checkVlanId(id: number): void {
  if (id === 4095) throw fail('NET_VLAN_RESERVED', 'VLAN id 4095 is reserved (802.1Q) and cannot be used');
  if (!Number.isInteger(id) || id < 1 || id > 4094) throw fail('NET_BAD_VLAN', `VLAN id ${id} is outside 1-4094`);
}

export function checkMtu(mtu: number, dev: string): void {
  if (!Number.isInteger(mtu) || mtu < MTU_MIN || mtu > MTU_MAX) {
    throw fail('NET_BAD_MTU', `MTU ${mtu} of ${dev} is outside ${MTU_MIN}-${MTU_MAX}`);
  }
}

/** Names whose definition differs between the two models (added, removed or changed). */
export function changedNames(current: NetModel, desired: NetModel): Set<string> {
  const out = new Set<string>();
  for (const n of new Set([...Object.keys(current.ifaces), ...Object.keys(desired.ifaces)])) {
    if (JSON.stringify(current.ifaces[n]) !== JSON.stringify(desired.ifaces[n])) out.add(n);
  }
  return out;
}

export interface ValidateContext {
  /** Physical ports (NICs) present on the host right now. */
  hostPorts: ReadonlySet<string>;
}

export function validateModel(desired: NetModel, current: NetModel, ctx: ValidateContext): void {
  const changed = changedNames(current, desired);
  // a changed master makes its members' rules relevant too
  for (const n of [...changed]) {
    const i = desired.ifaces[n];
    if (i?.kind === 'bond') i.slaves.forEach((s) => changed.add(s));
    if (i?.kind === 'bridge') i.ports.forEach((p) => changed.add(p));
  }
  for (const n of changed) {
    const i = desired.ifaces[n];
    if (i) validateIface(desired, current, i, ctx);
  }
  checkAddressesUnique(desired, changed);
  for (const [name, net] of Object.entries(desired.networks)) {
    if (JSON.stringify(net) === JSON.stringify(current.networks[name])) continue;
    if (!desired.ifaces[net.device]) throw fail('NET_NO_SUCH_DEVICE', `network ${name}: no device ${net.device}`);
    if (!desired.ifaces[net.base]) throw fail('NET_NO_SUCH_DEVICE', `network ${name}: no device ${net.base}`);
  }
}

function validateIface(m: NetModel, current: NetModel, i: Iface, ctx: ValidateContext): void {
  checkIfName(i.name, i.kind);
  const before = current.ifaces[i.name];
  if (!before || before.mtu !== i.mtu) checkMtu(i.mtu, i.name);
  if (i.meta !== undefined && i.meta !== before?.meta) parseMeta(i.meta);
  const master = masterLookup(m, i.name);
  if (master && i.ip.proto !== 'none') {
    throw fail('NET_IS_SLAVE', `${i.name} is a ${master.kind === 'bond' ? 'bond slave' : 'bridge port'} of ${master.name} and cannot carry an IP configuration`);
  }
  if (i.ip.proto === 'static') checkStatic(i.name, i.ip.address, i.ip.prefix, i.ip.gateway);
  for (const a of i.extraAddrs ?? []) {
    const [addr, p] = a.split('/');
    if (!isIpv4(addr) || !(Number(p) >= 1 && Number(p) <= 32)) throw fail('NET_BAD_ADDRESS', `address ${a} of ${i.name} is not IPv4/prefix`);
  }
  switch (i.kind) {
    case 'port':
      if (!ctx.hostPorts.has(i.name)) throw fail('NET_NO_SUCH_DEVICE', `no network port ${i.name} on this host`);
      break;
    case 'bond':
      validateBond(m, i);
      break;
    case 'vlan': {
      checkVlanId(i.id);
      const parent = m.ifaces[i.parent];
      if (!parent) throw fail('NET_NO_SUCH_DEVICE', `VLAN ${i.name}: no parent device ${i.parent}`);
      if (parent.kind !== 'port' && parent.kind !== 'bond') {
        throw fail('NET_WRONG_KIND', `VLAN ${i.name}: parent ${i.parent} is a ${parent.kind}, not a port or bond`);
      }
      if (i.name !== `${i.parent}.${i.id}`) throw fail('NET_BAD_NAME', `VLAN device must be named ${i.parent}.${i.id}, not ${i.name}`);
      if (masterLookup(m, i.parent)?.kind === 'bond') throw fail('NET_DEVICE_IN_USE', `VLAN ${i.name}: ${i.parent} is a bond slave`);
      if (i.mtu > parent.mtu) throw fail('NET_MTU_EXCEEDS_PARENT', `MTU ${i.mtu} of ${i.name} exceeds its parent's ${parent.mtu}`);
      break;
    }
    case 'bridge': {
      if (i.ports.length > 1) throw fail('NET_BRIDGE_PORTS', `bridge ${i.name} may have zero or one port, not ${i.ports.length}`);
      for (const p of i.ports) {
        const port = m.ifaces[p];
        if (!port) throw fail('NET_NO_SUCH_DEVICE', `bridge ${i.name}: no device ${p}`);
        if (port.kind === 'bridge') throw fail('NET_WRONG_KIND', `bridge ${i.name}: ${p} is a bridge`);
        if (i.mtu > port.mtu) throw fail('NET_MTU_EXCEEDS_PARENT', `MTU ${i.mtu} of ${i.name} exceeds its port's ${port.mtu}`);
      }
      break;
    }
  }
}

function validateBond(m: NetModel, b: Extract<Iface, { kind: 'bond' }>): void {
  if (!/^bond\d+$/.test(b.name)) throw fail('NET_BAD_NAME', `bond name "${b.name}" must be bond0, bond1, ...`);
  for (const s of b.slaves) {
    const slave = m.ifaces[s];
    if (!slave) throw fail('NET_NO_SUCH_DEVICE', `bond ${b.name}: no port ${s}`);
    if (slave.kind !== 'port') throw fail('NET_BAD_BOND_SLAVE', `bond ${b.name}: ${s} is a ${slave.kind}, only ports can be enslaved`);
    const owners = Object.values(m.ifaces).filter(
      (o) => (o.kind === 'bond' && o.slaves.includes(s)) || (o.kind === 'bridge' && o.ports.includes(s)),
    );
    if (owners.length > 1) throw fail('NET_DEVICE_IN_USE', `${s} cannot be in both ${owners.map((o) => o.name).join(' and ')}`);
    const vlans = Object.values(m.ifaces).filter((o) => o.kind === 'vlan' && o.parent === s);
    if (vlans.length) throw fail('NET_DEVICE_IN_USE', `${s} carries VLAN ${vlans[0].name} and cannot join ${b.name}`);
  }
  if (b.primary !== undefined && !b.slaves.includes(b.primary)) {
    throw fail('NET_BAD_BOND_OPTIONS', `bond ${b.name}: primary ${b.primary} is not one of its ports`);
  }
  if (b.primary !== undefined && b.mode === '802.3ad') {
    throw fail('NET_BAD_BOND_OPTIONS', `bond ${b.name}: primary only applies to active-backup and balance-alb`);
  }
  if (b.mode !== '802.3ad' && (b.lacpRate !== undefined || b.xmitHashPolicy !== undefined)) {
    throw fail('NET_BAD_BOND_OPTIONS', `bond ${b.name}: lacp_rate and xmit_hash_policy only apply to 802.3ad`);
  }
  if (b.xmitHashPolicy !== undefined && !XMIT_HASH_POLICIES.includes(b.xmitHashPolicy)) {
    throw fail('NET_BAD_BOND_OPTIONS', `bond ${b.name}: xmit_hash_policy ${b.xmitHashPolicy} is not one of ${XMIT_HASH_POLICIES.join(', ')}`);
  }
}

function checkStatic(dev: string, address: string, prefix: number, gateway?: string): void {
  if (!isIpv4(address)) throw fail('NET_BAD_ADDRESS', `${dev}: "${address}" is not an IPv4 address`);
  if (prefix < 1 || prefix > 32) throw fail('NET_BAD_ADDRESS', `${dev}: prefix /${prefix} is not 1-32`);
  if (gateway !== undefined) {
    if (!isIpv4(gateway)) throw fail('NET_BAD_GATEWAY', `${dev}: gateway "${gateway}" is not an IPv4 address`);
    if (!sameSubnet(address, gateway, prefix) || gateway === address) {
      throw fail('NET_BAD_GATEWAY', `${dev}: gateway ${gateway} is not in ${address}/${prefix}`);
    }
  }
}

function checkAddressesUnique(m: NetModel, changed: Set<string>): void {
  const seen = new Map<string, string>();
  const gateways: string[] = [];
  for (const i of Object.values(m.ifaces)) {
    const addrs = [...(i.ip.proto === 'static' ? [i.ip.address] : []), ...(i.extraAddrs ?? []).map((a) => a.split('/')[0])];
    for (const a of addrs) {
      const other = seen.get(a);
      if (other !== undefined && other !== i.name && (changed.has(i.name) || changed.has(other))) {
        throw fail('NET_CONFLICT', `address ${a} is on both ${other} and ${i.name}`);
      }
      seen.set(a, i.name);
    }
    if (i.ip.proto === 'static' && i.ip.gateway) gateways.push(i.name);
  }
  if (gateways.length > 1 && gateways.some((g) => changed.has(g))) {
    throw fail('NET_CONFLICT', `only one default gateway is allowed, found on ${gateways.join(', ')}`);
  }
}
