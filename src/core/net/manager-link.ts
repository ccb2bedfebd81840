// Which interface carries the manager's connection, and whether a change would cut it
// (remove it or re-address it without the address reappearing on the device stacked on it).
import type { HostNetSnapshot } from './snapshot.js';
import type { NetModel } from './model.js';

/** The link holding a local address (the `lastClientIface`), if any. */
export function ifaceOfAddress(snap: HostNetSnapshot, address: string): string | undefined {
  const a = address.replace(/^::ffff:/, '');
  return snap.links.find((l) => l.addresses.some((x) => x.address === a))?.name;
}

/** Devices stacked above `name` (its bridge, VLANs, their bridges), `name` included. */
function stackAbove(m: NetModel, name: string): Set<string> {
  const out = new Set([name]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const i of Object.values(m.ifaces)) {
      if (out.has(i.name)) continue;
      const on = (i.kind === 'vlan' && out.has(i.parent)) || (i.kind === 'bridge' && i.ports.some((p) => out.has(p))) || (i.kind === 'bond' && i.slaves.some((s) => out.has(s)));
      if (on) {
        out.add(i.name);
        grew = true;
      }
    }
  }
  return out;
}

export function cutsManager(cur: NetModel, des: NetModel, holder: string | undefined, address: string): boolean {
  if (!holder) return false;
  const c = cur.ifaces[holder];
  if (!c) return false;
  const d = des.ifaces[holder];
  if (d && JSON.stringify(d.ip) === JSON.stringify(c.ip)) return false;
  // the address may move up the stack (onto a new bridge over the same device) or down again
  const related = new Set([...stackAbove(des, holder), ...Object.keys(des.ifaces).filter((n) => stackAbove(des, n).has(holder))]);
  return ![...related].some((n) => {
    const i = des.ifaces[n];
    if (!i) return false;
    if (c.ip.proto === 'dhcp') return i.ip.proto === 'dhcp';
    return (i.ip.proto === 'static' && i.ip.address === address) || (i.extraAddrs ?? []).some((a) => a.split('/')[0] === address);
  });
}
