// HostNetSnapshot (what the kernel says) -> the network model's live view, and the merge of
// that view with what the config files say (BOOTPROTO, gateway, metadata, bridge MAC).
import type { HostNetSnapshot, LinkSnap } from './snapshot.js';
import { kernelModeName } from './bond-options.js';
import type { Iface, IpConfig, NetModel } from './model.js';

const MODELLED = new Set(['physical', 'veth', 'bond', 'vlan', 'bridge']);

export function isModelledLink(l: LinkSnap): boolean {
  return MODELLED.has(l.kind);
}

function ipOf(l: LinkSnap, snap: HostNetSnapshot): { ip: IpConfig; extra: string[] } {
  const v4 = l.addresses.filter((a) => a.family === 'inet');
  if (!v4.length) return { ip: { proto: 'none' }, extra: [] };
  const primary = v4.find((a) => !a.label || a.label === l.name) ?? v4[0];
  const extra = v4.filter((a) => a !== primary).map((a) => `${a.address}/${a.prefixlen}`);
  if (primary.dynamic) return { ip: { proto: 'dhcp' }, extra };
  const ip: IpConfig = { proto: 'static', address: primary.address, prefix: primary.prefixlen };
  const gw = snap.routes.find((r) => r.dst === 'default' && r.dev === l.name && r.gateway);
  if (gw?.gateway) ip.gateway = gw.gateway;
  return { ip, extra };
}

export function snapshotToModel(snap: HostNetSnapshot): NetModel {
  const names = new Set(snap.links.filter(isModelledLink).map((l) => l.name));
  const model: NetModel = { ifaces: {}, networks: {} };
  for (const l of snap.links) {
    if (!names.has(l.name)) continue;
    const { ip, extra } = ipOf(l, snap);
    const common = { name: l.name, mtu: l.mtu, ip, ...(extra.length ? { extraAddrs: extra } : {}) };
    let iface: Iface;
    if (l.kind === 'bond') {
      const b = l.bond;
      iface = {
        ...common,
        kind: 'bond',
        mode: kernelModeName(b?.mode ?? 'active-backup') ?? b?.mode ?? 'active-backup',
        slaves: (b?.slaves ?? snap.links.filter((s) => s.master === l.name).map((s) => s.name)).filter((s) => names.has(s)).sort(),
        miimon: b?.miimon ?? 0,
        updelay: b?.updelay ?? 0,
        downdelay: b?.downdelay ?? 0,
      };
      if (b?.primary) iface.primary = b.primary;
      if (iface.mode === '802.3ad') {
        if (b?.lacpRate) iface.lacpRate = /fast|1/.test(b.lacpRate) ? 'fast' : 'slow';
        if (b?.xmitHashPolicy) iface.xmitHashPolicy = b.xmitHashPolicy.split(/\s/)[0];
      }
    } else if (l.kind === 'vlan' && l.vlan) {
      iface = { ...common, kind: 'vlan', parent: l.vlan.parent, id: l.vlan.id };
    } else if (l.kind === 'bridge') {
      const ports = (l.bridge?.ports ?? snap.links.filter((s) => s.master === l.name).map((s) => s.name)).filter((p) => names.has(p));
      iface = { ...common, kind: 'bridge', ports: ports.sort() };
    } else {
      iface = { ...common, kind: 'port' };
      const hw = (l.permMac ?? l.mac)?.toLowerCase();
      if (hw) iface.hwaddr = hw;
    }
    model.ifaces[l.name] = iface;
  }
  return model;
}

/**
 * The current model: the kernel's view, completed by the config files for what the kernel
 * cannot say (DHCP intent without a lease, gateway, metadata, a bridge's fixed MAC) and by the
 * stored logical networks whose devices still exist.
 */
export function mergeCurrent(live: NetModel, files: NetModel, stored?: NetModel): NetModel {
  const out = structuredClone(live);
  for (const [name, i] of Object.entries(out.ifaces)) {
    const f = files.ifaces[name];
    if (f) {
      if (f.ip.proto === 'dhcp' && i.ip.proto !== 'static') i.ip = { proto: 'dhcp' };
      if (f.ip.proto === 'static' && i.ip.proto === 'static' && f.ip.address === i.ip.address && f.ip.gateway && !i.ip.gateway) {
        i.ip.gateway = f.ip.gateway;
      }
      if (f.meta) i.meta = f.meta;
      if (f.kind === 'bridge' && i.kind === 'bridge' && f.mac) i.mac = f.mac;
    }
    const s = stored?.ifaces[name];
    if (s && !f && !i.meta && s.meta) i.meta = s.meta;
    if (s && !f && s.ip.proto === 'dhcp' && i.ip.proto === 'none') i.ip = { proto: 'dhcp' };
  }
  for (const [name, net] of Object.entries(stored?.networks ?? {})) {
    if (out.ifaces[net.device] && out.ifaces[net.base]) out.networks[name] = structuredClone(net);
  }
  return out;
}
