// VDSM-style setupNetworks(networks, bondings) as a pure change of the model: bondings keyed by
// bond `{nics, options}` or `{remove}`, networks keyed by name `{nic|bonding, vlan, bridged,
// ipaddr, netmask, gateway, bootproto, mtu, roles}` or `{remove}`. A bridged network's bridge
// carries the network's name; its IP and roles sit on the top device.
import { z } from 'zod';
import { isReservedKey } from '../reserved-keys.js';
import { fail } from '../errors.js';
import { wireBool, wireInt } from '../wire-types.js';
import { bondingOptsToFields } from './bond-options.js';
import { canonicalize } from './canonicalize.js';
import { networkIdHex } from './ip-util.js';
import { formatMeta } from './metadata.js';
import { DEFAULT_MTU, ROLES, masterOf, type IpConfig, type NetModel, type Role } from './model.js';
import { removeDevice, staticIp } from './mutations.js';
import { checkIfName, checkMtu, checkVlanId } from './validate.js';

const intLike = wireInt({ strings: true });
const boolLike = wireBool;
const rolesLike = z
  .union([z.array(z.string()), z.string().transform((s) => s.split(/[,;\s]+/).filter(Boolean))])
  .transform((r) => r.map((x) => x.toUpperCase()));

export const networkAttrsSchema = z
  .object({
    remove: boolLike.optional(),
    nic: z.string().optional(),
    bonding: z.string().optional(),
    vlan: intLike.optional(),
    bridged: boolLike.optional(),
    ipaddr: z.string().optional(),
    netmask: z.string().optional(),
    prefix: intLike.optional(),
    gateway: z.string().optional(),
    bootproto: z.enum(['none', 'dhcp', 'static']).optional(),
    mtu: intLike.optional(),
    roles: rolesLike.optional(),
  })
  .strict();
export const bondAttrsSchema = z
  .object({
    remove: boolLike.optional(),
    nics: z.array(z.string()).optional(),
    options: z.string().optional(),
  })
  .strict();
const entityName = z.string().refine((k) => !isReservedKey(k), { message: 'this name is reserved' });
export const networksArgSchema = z.record(entityName, networkAttrsSchema);
export const bondingsArgSchema = z.record(entityName, bondAttrsSchema);
export type NetworkAttrs = z.output<typeof networkAttrsSchema>;
export type BondAttrs = z.output<typeof bondAttrsSchema>;

const NETWORK_NAME_RE = /^[A-Za-z0-9_.-]{1,50}$/;

export function checkNetworkName(name: string): void {
  if (!NETWORK_NAME_RE.test(name)) throw fail('NET_BAD_NAME', `network name "${name.slice(0, 60)}" must be 1-50 letters, digits, _ . -`);
}

/** Removes a logical network's devices (its bridge, its VLAN) or, untagged and bridgeless, its IP. */
export function removeNetwork(m: NetModel, name: string): void {
  const net = m.networks[name];
  if (!net) return;
  delete m.networks[name];
  const vlanDev = net.vlan !== undefined ? `${net.base}.${net.vlan}` : undefined;
  if (net.bridged && m.ifaces[name]?.kind === 'bridge') removeDevice(m, name);
  if (vlanDev && m.ifaces[vlanDev] && !Object.values(m.networks).some((n) => n.device === vlanDev || n.base === vlanDev)) {
    const master = masterOf(m, vlanDev);
    if (!master) removeDevice(m, vlanDev);
  }
  if (!net.bridged && !vlanDev && m.ifaces[net.base]) {
    m.ifaces[net.base].ip = { proto: 'none' };
    delete m.ifaces[net.base].meta;
  }
}

function ipFromAttrs(name: string, a: NetworkAttrs): IpConfig {
  if (a.bootproto === 'dhcp') return { proto: 'dhcp' };
  if (a.ipaddr) {
    const mask = a.netmask ?? (a.prefix !== undefined ? String(a.prefix) : undefined);
    if (!mask) throw fail('NET_BAD_ADDRESS', `network ${name}: ipaddr needs a netmask`);
    return staticIp(name, a.ipaddr, mask, a.gateway);
  }
  if (a.bootproto === 'static') throw fail('NET_BAD_ADDRESS', `network ${name}: bootproto static needs ipaddr and netmask`);
  if (a.gateway) throw fail('NET_BAD_GATEWAY', `network ${name}: a gateway needs a static address`);
  return { proto: 'none' };
}

export function networkMeta(name: string, ip: IpConfig, roles: Role[]): string {
  const id = /^[0-9a-f]{8}$/i.test(name) ? name.toLowerCase() : ip.proto === 'static' ? networkIdHex(ip.address, ip.prefix) : name;
  return formatMeta({ type: 'ethernet', networkId: id, name, roles });
}

function applyBonding(m: NetModel, bond: string, a: BondAttrs): void {
  if (!/^bond\d+$/.test(bond)) throw fail('NET_BAD_NAME', `bond name "${bond}" must be bond0, bond1, ...`);
  const fields = bondingOptsToFields(a.options ?? '', true);
  const nics = [...new Set(a.nics ?? [])];
  if (!nics.length) throw fail('NET_BAD_BOND_SLAVE', `bond ${bond} needs at least one NIC`);
  const existing = m.ifaces[bond];
  if (existing && existing.kind !== 'bond') throw fail('NET_EXISTS', `${bond} exists and is a ${existing.kind}`);
  for (const n of nics) {
    const nic = m.ifaces[n];
    if (!nic) throw fail('NET_NO_SUCH_DEVICE', `bond ${bond}: no NIC ${n}`);
    if (nic.kind !== 'port') throw fail('NET_BAD_BOND_SLAVE', `bond ${bond}: ${n} is a ${nic.kind}, not a NIC`);
    const owner = masterOf(m, n);
    if (owner && owner.name !== bond) throw fail('NET_DEVICE_IN_USE', `bond ${bond}: ${n} belongs to ${owner.name}`);
    if (Object.values(m.networks).some((net) => net.base === n)) throw fail('NET_DEVICE_IN_USE', `bond ${bond}: ${n} carries a network`);
    nic.ip = { proto: 'none' };
    delete nic.extraAddrs;
  }
  const mtu = existing?.mtu ?? Math.max(DEFAULT_MTU, ...nics.map((n) => m.ifaces[n].mtu));
  m.ifaces[bond] = {
    ...(existing ?? {}),
    name: bond,
    kind: 'bond',
    mtu,
    ip: existing?.ip ?? { proto: 'none' },
    slaves: nics,
    ...fields,
  };
  const b = m.ifaces[bond];
  if (b.kind === 'bond') {
    if (fields.primary === undefined) delete b.primary;
    if (fields.lacpRate === undefined) delete b.lacpRate;
    if (fields.xmitHashPolicy === undefined) delete b.xmitHashPolicy;
  }
}

/** Indexes kept while networks are added, so a large request stays linear. */
interface AddIndex {
  owners: Map<string, { kind: 'bond' | 'bridge'; name: string }>;
  devices: Set<string>;
  untaggedBases: Set<string>;
}

function addIndex(m: NetModel): AddIndex {
  const owners = new Map<string, { kind: 'bond' | 'bridge'; name: string }>();
  for (const i of Object.values(m.ifaces)) {
    if (i.kind === 'bond') for (const x of i.slaves) owners.set(x, { kind: 'bond', name: i.name });
    if (i.kind === 'bridge') for (const x of i.ports) owners.set(x, { kind: 'bridge', name: i.name });
  }
  const nets = Object.values(m.networks);
  return {
    owners,
    devices: new Set(nets.map((n) => n.device)),
    untaggedBases: new Set(nets.filter((n) => n.vlan === undefined).map((n) => n.base)),
  };
}

function addNetwork(m: NetModel, name: string, a: NetworkAttrs, idx: AddIndex): void {
  checkNetworkName(name);
  if ((a.nic === undefined) === (a.bonding === undefined)) {
    throw fail('NET_INVALID', `network ${name}: give exactly one of nic or bonding`);
  }
  const base = (a.nic ?? a.bonding)!;
  const b = m.ifaces[base];
  if (!b) throw fail('NET_NO_SUCH_DEVICE', `network ${name}: no ${a.nic ? 'NIC' : 'bond'} ${base}`);
  if (a.nic && b.kind !== 'port') throw fail('NET_WRONG_KIND', `network ${name}: ${base} is a ${b.kind}, not a NIC`);
  if (a.bonding && b.kind !== 'bond') throw fail('NET_WRONG_KIND', `network ${name}: ${base} is a ${b.kind}, not a bond`);
  if (idx.owners.get(base)?.kind === 'bond') throw fail('NET_DEVICE_IN_USE', `network ${name}: ${base} is a bond slave`);
  const bridged = a.bridged ?? true;
  const mtu = a.mtu ?? DEFAULT_MTU;
  checkMtu(mtu, name);
  const roles = (a.roles ?? []) as string[];
  for (const r of roles) if (!(ROLES as readonly string[]).includes(r)) throw fail('NET_BAD_METADATA', `network ${name}: unknown role ${r}`);
  let dev = base;
  if (a.vlan !== undefined) {
    checkVlanId(a.vlan);
    dev = `${base}.${a.vlan}`;
    checkIfName(dev, 'VLAN');
    const v = m.ifaces[dev];
    if (v && v.kind !== 'vlan') throw fail('NET_EXISTS', `${dev} exists and is a ${v.kind}`);
    if (idx.devices.has(dev) || (idx.owners.get(dev) && idx.devices.has(idx.owners.get(dev)!.name))) {
      throw fail('NET_CONFLICT', `network ${name}: VLAN ${a.vlan} on ${base} already carries a network`);
    }
    m.ifaces[dev] = { name: dev, kind: 'vlan', parent: base, id: a.vlan, mtu, ip: { proto: 'none' } };
  } else if (idx.untaggedBases.has(base)) {
    throw fail('NET_CONFLICT', `network ${name}: ${base} already carries an untagged network`);
  }
  const ip = ipFromAttrs(name, a);
  let top = dev;
  if (bridged) {
    checkIfName(name, 'bridge');
    const existing = m.ifaces[name];
    if (existing && existing.kind !== 'bridge') throw fail('NET_EXISTS', `${name} exists and is a ${existing.kind}`);
    const owner = idx.owners.get(dev);
    if (owner && owner.name !== name) throw fail('NET_DEVICE_IN_USE', `network ${name}: ${dev} already belongs to ${owner.name}`);
    idx.owners.set(dev, { kind: 'bridge', name });
    m.ifaces[name] = { name, kind: 'bridge', mtu, ip, ports: [dev] };
    m.ifaces[dev].ip = { proto: 'none' };
    delete m.ifaces[dev].meta;
    top = name;
  } else {
    m.ifaces[dev] = { ...m.ifaces[dev], ip, mtu };
  }
  if (a.roles !== undefined) m.ifaces[top].meta = networkMeta(name, ip, roles as Role[]);
  m.networks[name] = { device: top, base, bridged, roles: roles as Role[], ...(a.vlan !== undefined ? { vlan: a.vlan } : {}) };
  idx.devices.add(top);
  if (a.vlan === undefined) idx.untaggedBases.add(base);
}

/** Each base device is at least as large as the largest network (and VLAN) on it. */
function fitBaseMtus(m: NetModel, touched: Set<string>): void {
  for (const base of touched) {
    const b = m.ifaces[base];
    if (!b) continue;
    const need = Math.max(
      ...Object.values(m.networks).filter((n) => n.base === base).map((n) => m.ifaces[n.device]?.mtu ?? DEFAULT_MTU),
      ...Object.values(m.ifaces).filter((i) => i.kind === 'vlan' && i.parent === base).map((i) => i.mtu),
      DEFAULT_MTU,
    );
    b.mtu = need;
    if (b.kind === 'bond') for (const s of b.slaves) if (m.ifaces[s]) m.ifaces[s].mtu = need;
  }
}

export function setupNetworks(
  cur: NetModel,
  networks: Record<string, NetworkAttrs>,
  bondings: Record<string, BondAttrs>,
): NetModel {
  const m = structuredClone(cur);
  const touched = new Set<string>();
  for (const [name, a] of Object.entries(networks)) {
    checkNetworkName(name);
    const old = m.networks[name];
    if (old) touched.add(old.base);
    if (a.remove || old) removeNetwork(m, name);
  }
  for (const [bond, a] of Object.entries(bondings)) {
    if (a.remove) {
      if (!m.ifaces[bond]) continue;
      if (m.ifaces[bond].kind !== 'bond') throw fail('NET_WRONG_KIND', `${bond} is a ${m.ifaces[bond].kind}, not a bond`);
      if (Object.values(m.networks).some((n) => n.base === bond)) throw fail('NET_DEVICE_IN_USE', `bond ${bond} still carries a network`);
      removeDevice(m, bond);
    } else {
      applyBonding(m, bond, a);
      touched.add(bond);
    }
  }
  const idx = addIndex(m);
  for (const [name, a] of Object.entries(networks)) {
    if (a.remove) continue;
    addNetwork(m, name, a, idx);
    touched.add((a.nic ?? a.bonding)!);
  }
  fitBaseMtus(m, touched);
  return canonicalize(m);
}
