// Pure parsers of iproute2's JSON output (`ip -j -d link show`, `ip -j addr show`,
// `ip -j route show`) into the host network snapshot. In a namespace these are the only
// source of truth (sysfs there shows the agent's own namespace), so they read linkinfo fully.
import type {
  AddressSnap,
  BondSlaveSnap,
  BondSnap,
  HostNetSnapshot,
  LinkKind,
  LinkSnap,
  RouteSnap,
} from '../snapshot.js';

type Json = Record<string, unknown>;

export interface IpLinkParseOptions {
  /**
   * Report a veth whose peer lives in another namespace (`link_netnsid`) as 'physical': seen
   * from inside a namespace it is the wire to the outside, as eth0..eth3 are in the sandbox.
   */
  foreignVethIsPhysical?: boolean;
}

function parseArray(text: string, what: string): Json[] {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  const v: unknown = JSON.parse(trimmed);
  if (!Array.isArray(v)) throw new Error(`${what}: expected a JSON array`);
  return v.filter((x): x is Json => typeof x === 'object' && x !== null);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function kindOf(j: Json, opts: IpLinkParseOptions): LinkKind {
  if (j.link_type === 'loopback') return 'loopback';
  const info = j.linkinfo as Json | undefined;
  const k = str(info?.info_kind);
  switch (k) {
    case 'bridge':
      return 'bridge';
    case 'bond':
      return 'bond';
    case 'vlan':
      return 'vlan';
    case 'veth':
      return opts.foreignVethIsPhysical && j.link_netnsid !== undefined ? 'physical' : 'veth';
    case undefined:
      return j.link_type === 'ether' ? 'physical' : 'other';
    default:
      return 'other';
  }
}

const HASHING_MODES = new Set(['802.3ad', 'balance-xor', 'balance-tlb']);

function bondFromInfo(d: Json): BondSnap {
  const bond: BondSnap = {
    mode: str(d.mode) ?? 'balance-rr',
    miimon: num(d.miimon) ?? 0,
    updelay: num(d.updelay) ?? 0,
    downdelay: num(d.downdelay) ?? 0,
    slaves: [],
  };
  if (str(d.primary)) bond.primary = str(d.primary);
  if (str(d.active_slave)) bond.activeSlave = str(d.active_slave);
  // ip prints every option; like sysfs, report those only where the mode uses them
  if (bond.mode === '802.3ad' && str(d.ad_lacp_rate)) bond.lacpRate = str(d.ad_lacp_rate);
  if (HASHING_MODES.has(bond.mode) && str(d.xmit_hash_policy)) bond.xmitHashPolicy = str(d.xmit_hash_policy);
  if (str(d.primary_reselect)) bond.primaryReselect = str(d.primary_reselect);
  if (str(d.fail_over_mac)) bond.failOverMac = str(d.fail_over_mac);
  const ad = d.ad_info as Json | undefined;
  if (ad && typeof ad === 'object') {
    bond.ad = {
      aggregatorId: num(ad.aggregator),
      numPorts: num(ad.num_ports),
      actorKey: num(ad.actor_key),
      partnerKey: num(ad.partner_key),
      partnerMac: str(ad.partner_mac)?.toLowerCase(),
    };
  }
  return bond;
}

function slaveFromInfo(name: string, d: Json): BondSlaveSnap {
  const s: BondSlaveSnap = { name };
  if (str(d.mii_status)) s.miiStatus = str(d.mii_status)!.toLowerCase();
  if (str(d.state)) s.state = str(d.state)!.toLowerCase();
  if (num(d.link_failure_count) !== undefined) s.linkFailureCount = num(d.link_failure_count);
  if (str(d.perm_hwaddr)) s.permMac = str(d.perm_hwaddr)!.toLowerCase();
  if (num(d.ad_aggregator_id) !== undefined) s.aggregatorId = num(d.ad_aggregator_id);
  return s;
}

/** `ip -j -d link show` → links (addresses empty; bonds and bridges get their ports filled in). */
export function parseIpLinkJson(text: string, opts: IpLinkParseOptions = {}): LinkSnap[] {
  const rows = parseArray(text, 'ip link');
  const links: LinkSnap[] = [];
  const slaveInfo = new Map<string, BondSlaveSnap>();
  for (const j of rows) {
    const name = str(j.ifname);
    if (!name) continue;
    const flags = Array.isArray(j.flags) ? j.flags.filter((f): f is string => typeof f === 'string') : [];
    const kind = kindOf(j, opts);
    const link: LinkSnap = {
      name,
      ifindex: num(j.ifindex) ?? 0,
      kind,
      mac: (str(j.address) ?? '').toLowerCase(),
      mtu: num(j.mtu) ?? 0,
      up: flags.includes('UP'),
      carrier: flags.includes('LOWER_UP'),
      operstate: (str(j.operstate) ?? 'UNKNOWN').toLowerCase(),
      flags,
      addresses: [],
    };
    if (str(j.master)) link.master = str(j.master);
    const info = (j.linkinfo ?? {}) as Json;
    const data = (info.info_data ?? {}) as Json;
    if (kind === 'bond') link.bond = bondFromInfo(data);
    if (kind === 'vlan') link.vlan = { id: num(data.id) ?? 0, parent: str(j.link) ?? '' };
    if (kind === 'bridge') {
      const fd = num(data.forward_delay) ?? 0;
      link.bridge = { stp: (num(data.stp_state) ?? 0) !== 0, forwardDelay: Math.round(fd / 100), ports: [] };
    }
    if (str(info.info_kind) === 'veth') link.driver = 'veth';
    if (str(info.info_slave_kind) === 'bond') {
      const s = slaveFromInfo(name, (info.info_slave_data ?? {}) as Json);
      slaveInfo.set(name, s);
      if (s.permMac) link.permMac = s.permMac;
    }
    links.push(link);
  }
  fillPorts(links, slaveInfo);
  return links;
}

/** Fill bond slaves (in ifindex order) and bridge ports from the `master` of every link. */
function fillPorts(links: LinkSnap[], slaveInfo: Map<string, BondSlaveSnap>): void {
  const byName = new Map(links.map((l) => [l.name, l]));
  const ordered = [...links].sort((a, b) => a.ifindex - b.ifindex);
  for (const l of ordered) {
    if (!l.master) continue;
    const m = byName.get(l.master);
    if (m?.bond) {
      m.bond.slaves.push(l.name);
      const s = slaveInfo.get(l.name);
      if (s) (m.bond.slaveStatus ??= []).push(s);
    } else if (m?.bridge) {
      m.bridge.ports.push(l.name);
    }
  }
  for (const l of links) {
    if (l.bond) l.bond.miiStatus = l.carrier ? 'up' : 'down';
    // Bridge ports have no order that matters; sort them as sysfs brif/ listings are.
    if (l.bridge) l.bridge.ports.sort();
  }
}

/** `ip -j addr show` → addresses per interface name. */
export function parseIpAddrJson(text: string): Map<string, AddressSnap[]> {
  const out = new Map<string, AddressSnap[]>();
  for (const j of parseArray(text, 'ip addr')) {
    const name = str(j.ifname);
    if (!name) continue;
    const list: AddressSnap[] = [];
    for (const a of Array.isArray(j.addr_info) ? (j.addr_info as Json[]) : []) {
      const family = a.family === 'inet' || a.family === 'inet6' ? a.family : undefined;
      const address = str(a.local);
      if (!family || !address) continue;
      const snap: AddressSnap = { family, address, prefixlen: num(a.prefixlen) ?? 0, dynamic: a.dynamic === true };
      if (str(a.broadcast)) snap.broadcast = str(a.broadcast);
      if (str(a.label)) snap.label = str(a.label);
      list.push(snap);
    }
    out.set(name, list);
  }
  return out;
}

/** `ip -j route show` (main table, IPv4) → routes. */
export function parseIpRouteJson(text: string): RouteSnap[] {
  const out: RouteSnap[] = [];
  for (const j of parseArray(text, 'ip route')) {
    const dst = str(j.dst);
    const dev = str(j.dev);
    if (!dst || !dev) continue;
    const r: RouteSnap = { dst, dev };
    if (str(j.gateway)) r.gateway = str(j.gateway);
    if (num(j.metric) !== undefined) r.metric = num(j.metric);
    out.push(r);
  }
  return out;
}

/** The three outputs together → one snapshot, links in ifindex order. */
export function ipJsonToSnapshot(
  input: { link: string; addr: string; route: string },
  opts: IpLinkParseOptions = {},
): HostNetSnapshot {
  const links = parseIpLinkJson(input.link, opts).sort((a, b) => a.ifindex - b.ifindex);
  const addrs = parseIpAddrJson(input.addr);
  for (const l of links) l.addresses = addrs.get(l.name) ?? [];
  return { links, routes: parseIpRouteJson(input.route) };
}
