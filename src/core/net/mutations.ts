// The stock ovs_* calls as pure changes of the model: each takes the current model and returns
// the desired one (plus the stock return string where there is one). Repeating a call whose
// effect is already there changes nothing.
import { fail } from '../errors.js';
import { supportedBondMode, BOND_DEFAULTS } from './bond-options.js';
import { canonicalize } from './canonicalize.js';
import { netmaskToPrefix, isIpv4, sameSubnet } from './ip-util.js';
import { parseMeta } from './metadata.js';
import { DEFAULT_MTU, masterOf, usersOf, type Iface, type IpConfig, type NetModel } from './model.js';
import { checkIfName, checkMtu, checkVlanId } from './validate.js';

export interface Mutation {
  desired: NetModel;
  result?: string;
}

function get(m: NetModel, name: string): Iface {
  const i = m.ifaces[name];
  if (!i) throw fail('NET_NO_SUCH_DEVICE', `no network device ${name}`);
  return i;
}

function done(m: NetModel, result?: string): Mutation {
  return result === undefined ? { desired: canonicalize(m) } : { desired: canonicalize(m), result };
}

export function bondMode(cur: NetModel, bond: string, mode: string | number): Mutation {
  const m = structuredClone(cur);
  const b = get(m, bond);
  if (b.kind !== 'bond') throw fail('NET_WRONG_KIND', `${bond} is a ${b.kind}, not a bond`);
  b.mode = supportedBondMode(mode);
  if (b.mode !== '802.3ad') {
    delete b.lacpRate;
    delete b.xmitHashPolicy;
  } else delete b.primary;
  return done(m);
}

export function bondOp(cur: NetModel, action: 'add' | 'remove', bond: string, slave: string): Mutation {
  const m = structuredClone(cur);
  const b = get(m, bond);
  if (b.kind !== 'bond') throw fail('NET_WRONG_KIND', `${bond} is a ${b.kind}, not a bond`);
  if (action === 'add') {
    if (b.slaves.includes(slave)) return done(m);
    const s = get(m, slave);
    if (s.kind !== 'port') throw fail('NET_BAD_BOND_SLAVE', `${slave} is a ${s.kind}; only ports join a bond`);
    const owner = masterOf(m, slave);
    if (owner) throw fail('NET_DEVICE_IN_USE', `${slave} already belongs to ${owner.name}`);
    s.ip = { proto: 'none' };
    delete s.extraAddrs;
    b.slaves.push(slave);
  } else {
    if (!b.slaves.includes(slave)) return done(m);
    b.slaves = b.slaves.filter((x) => x !== slave);
    if (b.primary === slave) delete b.primary;
  }
  return done(m);
}

export function bondConfig(cur: NetModel, action: 'add' | 'remove', bond: string): Mutation {
  const m = structuredClone(cur);
  const existing = m.ifaces[bond];
  if (action === 'add') {
    if (!/^bond\d+$/.test(bond)) throw fail('NET_BAD_NAME', `bond name "${bond}" must be bond0, bond1, ...`);
    if (existing) {
      if (existing.kind !== 'bond') throw fail('NET_EXISTS', `${bond} exists and is a ${existing.kind}`);
      return done(m);
    }
    m.ifaces[bond] = { name: bond, kind: 'bond', mtu: DEFAULT_MTU, ip: { proto: 'none' }, slaves: [], ...BOND_DEFAULTS };
    return done(m);
  }
  if (!existing) return done(m);
  if (existing.kind !== 'bond') throw fail('NET_WRONG_KIND', `${bond} is a ${existing.kind}, not a bond`);
  removeDevice(m, bond);
  return done(m);
}

/** Removes a bond, VLAN or bridge that nothing stacks on (its own members are released). */
export function removeDevice(m: NetModel, name: string): void {
  const blockers = Object.values(m.ifaces)
    .filter((i) => i.kind === 'vlan' && i.parent === name)
    .map((i) => i.name);
  const master = masterOf(m, name);
  if (master) blockers.push(master.name);
  if (blockers.length) throw fail('NET_DEVICE_IN_USE', `${name} is in use by ${blockers.join(', ')}`);
  delete m.ifaces[name];
}

function lowerAbove(m: NetModel, name: string, mtu: number): void {
  for (const i of Object.values(m.ifaces)) {
    const onTop = (i.kind === 'vlan' && i.parent === name) || (i.kind === 'bridge' && i.ports.includes(name));
    if (onTop && i.mtu > mtu) {
      i.mtu = mtu;
      lowerAbove(m, i.name, mtu);
    }
  }
}

export function changeMtu(cur: NetModel, iface: string, mtu: number): Mutation {
  checkMtu(mtu, iface);
  const m = structuredClone(cur);
  const i = get(m, iface);
  const setDown = (dev: Iface) => {
    dev.mtu = mtu;
    if (dev.kind === 'bond') dev.slaves.forEach((s) => m.ifaces[s] && (m.ifaces[s].mtu = mtu));
    if (dev.kind === 'bridge') dev.ports.forEach((p) => m.ifaces[p] && setDown(m.ifaces[p]));
  };
  setDown(i);
  lowerAbove(m, iface, mtu);
  return done(m);
}

export function staticIp(dev: string, ip: string, netmask: string, gateway?: string): IpConfig {
  if (!isIpv4(ip)) throw fail('NET_BAD_ADDRESS', `${dev}: "${ip}" is not an IPv4 address`);
  const prefix = /^\d{1,2}$/.test(netmask) ? Number(netmask) : netmaskToPrefix(netmask);
  if (prefix === undefined || prefix < 1 || prefix > 32) throw fail('NET_BAD_ADDRESS', `${dev}: netmask "${netmask}" is not a valid dotted netmask`);
  return gateway ? { proto: 'static', address: ip, prefix, gateway } : { proto: 'static', address: ip, prefix };
}

export function ipConfig(cur: NetModel, iface: string, optype: 'static' | 'dynamic' | 'flush', ip: string, netmask: string): Mutation {
  const m = structuredClone(cur);
  const i = get(m, iface);
  const master = masterOf(m, iface);
  if (master) throw fail('NET_IS_SLAVE', `${iface} is a ${master.kind === 'bond' ? 'bond slave' : 'bridge port'} of ${master.name}; configure the IP there`);
  if (optype === 'static') {
    const next = staticIp(iface, ip, netmask);
    // keep the gateway when it stays reachable in the new subnet
    if (i.ip.proto === 'static' && i.ip.gateway && next.proto === 'static' && sameSubnet(i.ip.gateway, ip, next.prefix)) {
      next.gateway = i.ip.gateway;
    }
    i.ip = next;
  } else if (optype === 'dynamic') i.ip = { proto: 'dhcp' };
  else i.ip = { proto: 'none' };
  return done(m);
}

export function ifMeta(cur: NetModel, iface: string, data: string): Mutation {
  const m = structuredClone(cur);
  const i = get(m, iface);
  if (data === '') delete i.meta;
  else {
    parseMeta(data);
    i.meta = data;
  }
  return done(m);
}

export function localConfig(cur: NetModel, action: 'start' | 'stop', bridge: string): Mutation {
  const m = structuredClone(cur);
  const b = m.ifaces[bridge];
  if (action === 'start') {
    checkIfName(bridge, 'bridge');
    if (b && (b.kind !== 'bridge' || b.ports.length)) throw fail('NET_EXISTS', `${bridge} exists and is not a local (port-less) bridge`);
    if (!b) m.ifaces[bridge] = { name: bridge, kind: 'bridge', mtu: DEFAULT_MTU, ip: { proto: 'none' }, ports: [] };
    return done(m, `start local bridge ${bridge}`);
  }
  if (b) {
    if (b.kind !== 'bridge') throw fail('NET_WRONG_KIND', `${bridge} is a ${b.kind}, not a bridge`);
    if (b.ports.length) throw fail('NET_DEVICE_IN_USE', `${bridge} has port ${b.ports[0]}; it is not a local bridge`);
    delete m.ifaces[bridge];
  }
  return done(m, `stop local bridge ${bridge}`);
}

export function vlanConfig(cur: NetModel, action: 'add' | 'remove', iface: string, id: number): Mutation {
  checkVlanId(id);
  const m = structuredClone(cur);
  const name = `${iface}.${id}`;
  if (action === 'add') {
    const parent = get(m, iface);
    if (parent.kind !== 'port' && parent.kind !== 'bond') throw fail('NET_WRONG_KIND', `VLAN parent ${iface} is a ${parent.kind}, not a port or bond`);
    checkIfName(name, 'VLAN');
    const v = m.ifaces[name];
    if (v && v.kind !== 'vlan') throw fail('NET_EXISTS', `${name} exists and is a ${v.kind}`);
    if (!v) m.ifaces[name] = { name, kind: 'vlan', parent: iface, id, mtu: parent.mtu, ip: { proto: 'none' } };
    return done(m);
  }
  if (m.ifaces[name]) removeDevice(m, name);
  return done(m);
}

export function brConfig(cur: NetModel, action: 'start' | 'stop', bridge: string, netdev: string): Mutation {
  const m = structuredClone(cur);
  const b = m.ifaces[bridge];
  if (action === 'start') {
    checkIfName(bridge, 'bridge');
    const dev = get(m, netdev);
    if (b) {
      if (b.kind !== 'bridge') throw fail('NET_EXISTS', `${bridge} exists and is a ${b.kind}`);
      if (b.ports.length === 1 && b.ports[0] === netdev) return done(m, `start bridge=${bridge} netdev=${netdev}`);
      throw fail('NET_CONFLICT', `bridge ${bridge} exists with port ${b.ports[0] ?? 'none'}`);
    }
    if (dev.kind === 'bridge') throw fail('NET_WRONG_KIND', `${netdev} is a bridge`);
    const owner = masterOf(m, netdev);
    if (owner) throw fail('NET_DEVICE_IN_USE', `${netdev} already belongs to ${owner.name}`);
    m.ifaces[bridge] = {
      name: bridge,
      kind: 'bridge',
      mtu: dev.mtu,
      ip: dev.ip,
      ports: [netdev],
      ...(dev.kind === 'port' && dev.hwaddr ? { mac: dev.hwaddr } : {}),
      ...(dev.extraAddrs ? { extraAddrs: dev.extraAddrs } : {}),
    };
    dev.ip = { proto: 'none' };
    delete dev.extraAddrs;
    for (const net of Object.values(m.networks)) if (net.device === netdev) net.device = bridge;
    return done(m, `start bridge=${bridge} netdev=${netdev}`);
  }
  if (b) {
    if (b.kind !== 'bridge') throw fail('NET_WRONG_KIND', `${bridge} is a ${b.kind}, not a bridge`);
    if (b.ports.length && b.ports[0] !== netdev) throw fail('NET_CONFLICT', `bridge ${bridge} has port ${b.ports[0]}, not ${netdev}`);
    const dev = m.ifaces[netdev];
    if (dev && b.ip.proto !== 'none') {
      dev.ip = b.ip;
      if (b.extraAddrs) dev.extraAddrs = b.extraAddrs;
    }
    for (const net of Object.values(m.networks)) if (net.device === bridge) net.device = netdev;
    delete m.ifaces[bridge];
  }
  return done(m, `stop bridge=${bridge} netdev=${netdev}`);
}

/** VLAN id 1 means untagged: the bridge sits on netdev itself. */
export function vlanBridge(cur: NetModel, action: 'start' | 'stop', bridge: string, netdev: string, vlan: number): Mutation {
  if (vlan !== 1) checkVlanId(vlan);
  const dev = vlan === 1 ? netdev : `${netdev}.${vlan}`;
  let m = cur;
  if (action === 'start') {
    if (vlan !== 1) m = vlanConfig(m, 'add', netdev, vlan).desired;
    m = brConfig(m, 'start', bridge, dev).desired;
  } else {
    m = brConfig(m, 'stop', bridge, dev).desired;
    if (vlan !== 1 && m.ifaces[dev] && usersOf(m, dev).length === 0) m = vlanConfig(m, 'remove', netdev, vlan).desired;
  }
  return { desired: m, result: `${action} bridge=${bridge} netdev=${netdev} vlan ${vlan}` };
}

export function configureVip(cur: NetModel, vip: string, baseIp: string): Mutation {
  if (!isIpv4(vip)) throw fail('NET_BAD_ADDRESS', `virtual IP "${vip}" is not an IPv4 address`);
  const m = structuredClone(cur);
  const holder = Object.values(m.ifaces).find((i) => i.ip.proto === 'static' && i.ip.address === baseIp);
  if (!holder || holder.ip.proto !== 'static') throw fail('NET_NO_SUCH_DEVICE', `no interface has the address ${baseIp}`);
  if (Object.values(m.ifaces).some((i) => (i.extraAddrs ?? []).some((a) => a.split('/')[0] === vip))) return done(m);
  holder.extraAddrs = [...(holder.extraAddrs ?? []), `${vip}/${holder.ip.prefix}`];
  return done(m);
}

export function deconfigureVip(cur: NetModel, vip: string): Mutation {
  const m = structuredClone(cur);
  for (const i of Object.values(m.ifaces)) {
    if (i.extraAddrs) i.extraAddrs = i.extraAddrs.filter((a) => a.split('/')[0] !== vip);
  }
  return done(m);
}
