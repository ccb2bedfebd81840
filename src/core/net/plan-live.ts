// Live planner: the ordered iproute2/sysfs operations that take the host from the current
// model to the desired one. Teardown top-down (routes, addresses, masters, devices), build
// bottom-up (devices, options, MTU, masters, up, addresses, routes). Nothing for what matches.
import type { LiveOp } from './live-ops.js';
import { bondKernelOptions } from './bond-options.js';
import { broadcastAddress } from './ip-util.js';
import { KIND_DEPTH, masterLookup, type Bond, type Iface, type NetModel } from './model.js';

export interface LivePlanOptions {
  /** Devices that are administratively down now (brought up when the change touches them). */
  down?: ReadonlySet<string>;
}

function addrs(i: Iface | undefined): string[] {
  if (!i) return [];
  const out = i.ip.proto === 'static' ? [`${i.ip.address}/${i.ip.prefix}`] : [];
  return [...out, ...(i.extraAddrs ?? [])];
}

function gateway(i: Iface | undefined): string | undefined {
  return i?.ip.proto === 'static' ? i.ip.gateway : undefined;
}

/** Same kernel object: kind and, for VLANs, the same parent and id. Otherwise delete + create. */
function sameIdentity(a: Iface, b: Iface): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'vlan' && b.kind === 'vlan') return a.parent === b.parent && a.id === b.id;
  return true;
}

const byDepthUp = (m: NetModel) => (a: string, b: string) =>
  KIND_DEPTH[m.ifaces[a].kind] - KIND_DEPTH[m.ifaces[b].kind] || a.localeCompare(b);
const byDepthDown = (m: NetModel) => (a: string, b: string) =>
  KIND_DEPTH[m.ifaces[b].kind] - KIND_DEPTH[m.ifaces[a].kind] || a.localeCompare(b);

const BOND_LIVE_OPTIONS = ['miimon', 'updelay', 'downdelay', 'lacp_rate', 'xmit_hash_policy'] as const;

export function planLive(cur: NetModel, des: NetModel, opts: LivePlanOptions = {}): LiveOp[] {
  const ops: LiveOp[] = [];
  const curNames = Object.keys(cur.ifaces);
  const desNames = Object.keys(des.ifaces);
  // devices that must be (re)created and devices that must go
  const created = new Set(desNames.filter((n) => !cur.ifaces[n] || !sameIdentity(cur.ifaces[n], des.ifaces[n])));
  const deleted = new Set(
    curNames.filter((n) => cur.ifaces[n].kind !== 'port' && (!des.ifaces[n] || created.has(n))),
  );
  const downed = new Set<string>();

  // 1. teardown: routes, DHCP, addresses of devices that stay
  for (const n of [...curNames].sort()) {
    const c = cur.ifaces[n];
    const d = deleted.has(n) ? undefined : des.ifaces[n];
    const gw = gateway(c);
    if (gw && gateway(d) !== gw) ops.push({ op: 'route-del-default', gateway: gw, dev: n });
    if (deleted.has(n)) continue;
    if (c.ip.proto === 'dhcp' && d?.ip.proto !== 'dhcp') ops.push({ op: 'dhcp-stop', dev: n }, { op: 'addr-flush', dev: n });
    const keep = new Set(addrs(d));
    if (c.ip.proto !== 'dhcp' || d?.ip.proto === 'dhcp') {
      for (const a of addrs(c)) if (!keep.has(a)) ops.push({ op: 'addr-del', dev: n, cidr: a });
    }
  }
  // 2. release members whose master changes (unless the master itself goes away)
  for (const n of [...curNames].sort()) {
    if (deleted.has(n)) continue;
    const cm = masterLookup(cur, n);
    if (!cm || deleted.has(cm.name)) continue;
    const dm = masterLookup(des, n);
    if (dm?.name !== cm.name) ops.push({ op: 'link-set-nomaster', name: n });
  }
  // 3. delete devices top-down
  for (const n of [...deleted].sort(byDepthDown(cur))) ops.push({ op: 'link-del', name: n });

  // 4. create devices bottom-up
  for (const n of [...created].sort(byDepthUp(des))) {
    const d = des.ifaces[n];
    if (d.kind === 'bond') {
      const { primary: _p, ...options } = bondKernelOptions(d);
      ops.push({ op: 'link-add-bond', name: n, mode: d.mode, options });
    } else if (d.kind === 'vlan') {
      ops.push({ op: 'link-add-vlan', name: n, parent: d.parent, id: d.id });
    } else if (d.kind === 'bridge') {
      ops.push(
        { op: 'link-add-bridge', name: n },
        { op: 'bridge-set-option', name: n, option: 'stp_state', value: '0' },
        { op: 'bridge-set-option', name: n, option: 'forward_delay', value: '0' },
      );
    }
  }
  // 5. options of bonds that stay
  for (const n of desNames.filter((x) => !created.has(x)).sort()) {
    const c = cur.ifaces[n];
    const d = des.ifaces[n];
    if (c.kind !== 'bond' || d.kind !== 'bond') continue;
    if (c.mode !== d.mode) {
      ops.push({ op: 'link-set-down', name: n }, { op: 'bond-set-option', name: n, option: 'mode', value: d.mode });
      downed.add(n);
    }
    const co = bondKernelOptions(c as Bond);
    const dopt = bondKernelOptions(d);
    for (const k of BOND_LIVE_OPTIONS) {
      if (dopt[k] !== undefined && dopt[k] !== co[k]) ops.push({ op: 'bond-set-option', name: n, option: k, value: dopt[k] });
    }
  }
  // 6. MTU: lower top-down, then raise bottom-up; bond slaves follow their bond
  const mtuBefore = (n: string): number | undefined => {
    const d = des.ifaces[n];
    if (!created.has(n)) return cur.ifaces[n]?.mtu;
    // a new VLAN starts with its parent's MTU at creation time, other new devices with 1500
    if (d.kind === 'vlan') return cur.ifaces[d.parent]?.mtu ?? 1500;
    return 1500;
  };
  const mtuChanges = desNames.filter((n) => masterLookup(des, n)?.kind !== 'bond' && mtuBefore(n) !== des.ifaces[n].mtu);
  const lowered = mtuChanges.filter((n) => (mtuBefore(n) ?? 0) > des.ifaces[n].mtu);
  const raised = mtuChanges.filter((n) => !lowered.includes(n));
  for (const n of lowered.sort(byDepthDown(des))) ops.push({ op: 'link-set-mtu', name: n, mtu: des.ifaces[n].mtu });
  for (const n of raised.sort(byDepthUp(des))) ops.push({ op: 'link-set-mtu', name: n, mtu: des.ifaces[n].mtu });

  // 7. attach members: bond slaves first, then bridge ports
  const attach = desNames.filter((n) => {
    const dm = masterLookup(des, n);
    if (!dm) return false;
    const cm = created.has(n) || created.has(dm.name) ? undefined : masterLookup(cur, n);
    return cm?.name !== dm.name;
  });
  for (const n of attach.sort((a, b) => (masterLookup(des, a)!.kind === 'bond' ? 0 : 1) - (masterLookup(des, b)!.kind === 'bond' ? 0 : 1) || byDepthUp(des)(a, b))) {
    const dm = masterLookup(des, n)!;
    if (dm.kind === 'bond') {
      ops.push({ op: 'link-set-down', name: n });
      downed.add(n);
    }
    ops.push({ op: 'link-set-master', name: n, master: dm.name });
  }
  // 8. bond primary (needs its slaves) and bridge MAC
  for (const n of desNames.sort()) {
    const d = des.ifaces[n];
    const c = created.has(n) ? undefined : cur.ifaces[n];
    if (d.kind === 'bond' && d.primary && (c?.kind !== 'bond' || c.primary !== d.primary)) {
      ops.push({ op: 'bond-set-option', name: n, option: 'primary', value: d.primary });
    }
    if (d.kind === 'bridge' && d.mac && (c?.kind !== 'bridge' || c.mac !== d.mac)) {
      ops.push({ op: 'link-set-mac', name: n, mac: d.mac });
    }
  }
  // 9. up, bottom-up
  // a device that is down stays down unless this change touches it
  const touched = (n: string) =>
    JSON.stringify(cur.ifaces[n]) !== JSON.stringify(des.ifaces[n]) || masterLookup(cur, n)?.name !== masterLookup(des, n)?.name;
  for (const n of desNames.sort(byDepthUp(des))) {
    if (created.has(n) || downed.has(n) || (opts.down?.has(n) && touched(n))) ops.push({ op: 'link-set-up', name: n });
  }
  // 10. addresses, DHCP, routes, gratuitous ARP for moved extra addresses
  for (const n of desNames.sort(byDepthUp(des))) {
    const d = des.ifaces[n];
    const c = created.has(n) ? undefined : cur.ifaces[n];
    const have = new Set(c && !(c.ip.proto === 'dhcp' && d.ip.proto !== 'dhcp') ? addrs(c) : []);
    for (const a of addrs(d)) {
      if (have.has(a)) continue;
      const [ip, p] = a.split('/');
      ops.push({ op: 'addr-add', dev: n, cidr: a, broadcast: broadcastAddress(ip, Number(p)) });
      if ((d.extraAddrs ?? []).includes(a)) ops.push({ op: 'garp', dev: n, ip });
    }
    if (d.ip.proto === 'dhcp' && c?.ip.proto !== 'dhcp') ops.push({ op: 'dhcp-start', dev: n });
  }
  for (const n of desNames.sort()) {
    const gw = gateway(des.ifaces[n]);
    const c = created.has(n) ? undefined : cur.ifaces[n];
    if (gw && gateway(c) !== gw) ops.push({ op: 'route-add-default', gateway: gw, dev: n });
  }
  return ops;
}
