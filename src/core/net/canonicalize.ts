// Canonical form of a model so that equal intent compares equal: sorted member lists, lower-case
// MACs, bond slaves at their bond's MTU, no empty optional fields, no networks on missing devices.
import { ROLES, type NetModel } from './model.js';

export function canonicalize(input: NetModel): NetModel {
  const m = structuredClone(input);
  for (const i of Object.values(m.ifaces)) {
    if (i.meta === '') delete i.meta;
    if (i.extraAddrs) {
      i.extraAddrs = [...new Set(i.extraAddrs)].sort();
      if (!i.extraAddrs.length) delete i.extraAddrs;
    }
    if (i.ip.proto === 'static' && i.ip.gateway === undefined) delete i.ip.gateway;
    if (i.kind === 'port' && i.hwaddr) i.hwaddr = i.hwaddr.toLowerCase();
    if (i.kind === 'bridge') {
      i.ports = [...new Set(i.ports)].sort();
      if (i.mac) i.mac = i.mac.toLowerCase();
    }
    if (i.kind === 'bond') {
      i.slaves = [...new Set(i.slaves)].sort();
      // kernel defaults are not intent: a bond read back equals a bond asked for without them
      if (i.lacpRate === 'slow') delete i.lacpRate;
      if (i.xmitHashPolicy === 'layer2') delete i.xmitHashPolicy;
    }
  }
  for (const i of Object.values(m.ifaces)) {
    if (i.kind !== 'bond') continue;
    for (const s of i.slaves) if (m.ifaces[s]) m.ifaces[s].mtu = i.mtu;
  }
  for (const [name, net] of Object.entries(m.networks)) {
    if (!m.ifaces[net.device] || !m.ifaces[net.base]) {
      delete m.networks[name];
      continue;
    }
    net.roles = ROLES.filter((r) => net.roles.includes(r));
    if (net.vlan === undefined) delete net.vlan;
  }
  // stable key order keeps JSON comparisons and stored configs deterministic
  return sortKeys(m) as NetModel;
}

/** Deep copy with object keys sorted (arrays keep their order). */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
