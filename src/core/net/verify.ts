// Verification: after apply, the host read back must show what was desired. Returns the list
// of mismatches (empty = verified). DHCP leases are not awaited: DHCP may be slow or absent.
import type { HostNetSnapshot } from './snapshot.js';
import { kernelModeName } from './bond-options.js';
import { masterLookup, type NetModel } from './model.js';

/**
 * `only`: the devices a change touched (untouched ones may carry drift the change did not cause,
 * such as a GATEWAY in a file that is not live, and must not fail it). Default: all.
 */
export function verify(desired: NetModel, snap: HostNetSnapshot, expectAbsent: readonly string[] = [], only?: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const links = new Map(snap.links.map((l) => [l.name, l]));
  for (const n of expectAbsent) if (links.has(n) && !desired.ifaces[n]) out.push(`${n}: still present, expected removed`);
  for (const [n, d] of Object.entries(desired.ifaces)) {
    if (only && !only.has(n)) continue;
    const l = links.get(n);
    if (!l) {
      out.push(`${n}: missing`);
      continue;
    }
    const kindOk =
      d.kind === 'port' ? l.kind === 'physical' || l.kind === 'veth' : l.kind === d.kind;
    if (!kindOk) {
      out.push(`${n}: is a ${l.kind}, expected a ${d.kind}`);
      continue;
    }
    if (l.mtu !== d.mtu) out.push(`${n}: MTU ${l.mtu}, expected ${d.mtu}`);
    const master = masterLookup(desired, n)?.name;
    // a master we do not model (an OVS or team device) is not ours to judge
    const liveMaster = l.master && (desired.ifaces[l.master] || ['bond', 'bridge'].includes(links.get(l.master)?.kind ?? '')) ? l.master : undefined;
    if (liveMaster !== master) out.push(`${n}: master ${liveMaster ?? 'none'}, expected ${master ?? 'none'}`);
    const have = new Set(l.addresses.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefixlen}`));
    const want = [...(d.ip.proto === 'static' ? [`${d.ip.address}/${d.ip.prefix}`] : []), ...(d.extraAddrs ?? [])];
    for (const a of want) if (!have.has(a)) out.push(`${n}: address ${a} missing`);
    if (d.ip.proto === 'none') for (const a of have) if (!(d.extraAddrs ?? []).includes(a)) out.push(`${n}: unexpected address ${a}`);
    if (d.ip.proto === 'static' && d.ip.gateway) {
      const r = snap.routes.find((x) => x.dst === 'default' && x.dev === n && x.gateway === (d.ip as { gateway: string }).gateway);
      if (!r) out.push(`${n}: default route via ${d.ip.gateway} missing`);
    }
    if (d.kind === 'bond') {
      const b = l.bond;
      if (!b) out.push(`${n}: no bonding state`);
      else {
        if ((kernelModeName(b.mode) ?? b.mode) !== d.mode) out.push(`${n}: mode ${b.mode}, expected ${d.mode}`);
        if (b.miimon !== d.miimon) out.push(`${n}: miimon ${b.miimon}, expected ${d.miimon}`);
        if (b.updelay !== d.updelay) out.push(`${n}: updelay ${b.updelay}, expected ${d.updelay}`);
        if (b.downdelay !== d.downdelay) out.push(`${n}: downdelay ${b.downdelay}, expected ${d.downdelay}`);
        if ([...b.slaves].sort().join(',') !== [...d.slaves].sort().join(',')) out.push(`${n}: slaves ${b.slaves.join(',') || 'none'}, expected ${d.slaves.join(',') || 'none'}`);
        if (d.primary && b.primary !== d.primary) out.push(`${n}: primary ${b.primary ?? 'none'}, expected ${d.primary}`);
      }
    }
    if (d.kind === 'vlan' && (l.vlan?.id !== d.id || l.vlan?.parent !== d.parent)) {
      out.push(`${n}: VLAN ${l.vlan?.parent}.${l.vlan?.id}, expected ${d.parent}.${d.id}`);
    }
    if (d.kind === 'bridge') {
      if (l.bridge?.stp) out.push(`${n}: STP is on, expected off`);
      const ports = (l.bridge?.ports ?? []).filter((p) => desired.ifaces[p]);
      if (ports.sort().join(',') !== [...d.ports].sort().join(',')) out.push(`${n}: ports ${ports.join(',') || 'none'}, expected ${d.ports.join(',') || 'none'}`);
      if (d.mac && l.mac.toLowerCase() !== d.mac) out.push(`${n}: MAC ${l.mac}, expected ${d.mac}`);
    }
  }
  return out;
}
