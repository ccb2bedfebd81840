// Pure parser of /proc/net/vlan/config (the 8021q module's table of VLAN devices) — the
// host-side source of a VLAN's id and parent when sysfs has no file for them.
import type { VlanSnap } from '../snapshot.js';

export function parseProcNetVlanConfig(text: string): Map<string, VlanSnap> {
  const out = new Map<string, VlanSnap>();
  for (const line of text.split(/\r?\n/)) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length !== 3) continue;
    const id = Number.parseInt(cols[1], 10);
    if (!cols[0] || !Number.isInteger(id) || !cols[2]) continue;
    out.set(cols[0], { id, parent: cols[2] });
  }
  return out;
}
