// Pure merge of what sysfs and procfs say about the host's links (collected as strings by the
// host reader) into the snapshot built from `ip -j -d`: physical-ness, speed, driver, the
// bonding driver's own view of bonds and ports, VLAN table, bridge STP/delay/ports.
import type { BondSnap, HostNetSnapshot, LinkSnap } from '../snapshot.js';
import { parseProcNetBonding } from './proc-net-bonding.js';
import { parseProcNetVlanConfig } from './proc-net-vlan.js';
import { sysfsToBondSnap, type SysfsFiles } from './sysfs-bond.js';

export interface LinkSysfsFacts {
  /** /sys/class/net/<if>/device exists: a real (PCI/USB/virtio) NIC. */
  hasDevice?: boolean;
  /** /sys/class/net/<if>/speed (reading it fails on a down link: then absent). */
  speed?: string;
  /** DRIVER= of /sys/class/net/<if>/device/uevent. */
  uevent?: string;
  /** /sys/class/net/<bond>/bonding/* by file name. */
  bonding?: SysfsFiles;
  /** /sys/class/net/<port>/bonding_slave/* by file name. */
  bondingSlave?: SysfsFiles;
  /** /proc/net/bonding/<bond>. */
  procBonding?: string;
  /** /sys/class/net/<br>/bridge/{stp_state,forward_delay} and the names in brif/. */
  bridge?: { stp_state?: string; forward_delay?: string; brif?: string[] };
}

export interface HostSysfsFacts {
  links: Readonly<Record<string, LinkSysfsFacts>>;
  /** /proc/net/vlan/config. */
  procNetVlan?: string;
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function mergeBond(link: LinkSnap, f: LinkSysfsFacts, facts: HostSysfsFacts): BondSnap {
  let bond: BondSnap = link.bond ?? { mode: 'balance-rr', miimon: 0, updelay: 0, downdelay: 0, slaves: [] };
  if (f.bonding) {
    const slaveFiles: Record<string, SysfsFiles> = {};
    for (const [name, lf] of Object.entries(facts.links)) if (lf.bondingSlave) slaveFiles[name] = lf.bondingSlave;
    bond = { ...bond, ...defined(sysfsToBondSnap(f.bonding, slaveFiles)) };
  }
  if (f.procBonding) {
    const proc = parseProcNetBonding(f.procBonding).bond;
    const { slaveStatus, ...rest } = proc;
    bond = { ...bond, ...defined(rest), mode: proc.mode || bond.mode };
    // procfs has speed and duplex; sysfs/ip have the active/backup state: keep both.
    const prev = new Map((bond.slaveStatus ?? []).map((s) => [s.name, s]));
    bond.slaveStatus = (slaveStatus ?? []).map((s) => ({ ...prev.get(s.name), ...defined(s), name: s.name }));
  }
  return bond;
}

function int(v: string | undefined): number | undefined {
  const n = Number.parseInt(v?.trim() ?? '', 10);
  return Number.isFinite(n) ? n : undefined;
}

export function sysfsFactsToSnapshot(base: HostNetSnapshot, facts: HostSysfsFacts): HostNetSnapshot {
  const vlans = facts.procNetVlan ? parseProcNetVlanConfig(facts.procNetVlan) : new Map();
  const links = base.links.map((l): LinkSnap => {
    const f = facts.links[l.name] ?? {};
    const link: LinkSnap = { ...l };
    if (f.hasDevice && (link.kind === 'physical' || link.kind === 'other')) link.kind = 'physical';
    const speed = int(f.speed);
    if (speed !== undefined && speed > 0) link.speedMbps = speed;
    const drv = f.uevent ? /^DRIVER=(.+)$/m.exec(f.uevent)?.[1]?.trim() : undefined;
    if (drv) link.driver = drv;
    if (link.kind === 'bond' || f.bonding || f.procBonding) {
      link.kind = 'bond';
      link.bond = mergeBond(link, f, facts);
    }
    const v = vlans.get(l.name);
    if (v) {
      link.kind = 'vlan';
      link.vlan = v;
    }
    if (f.bridge) {
      const prev = link.bridge ?? { stp: false, forwardDelay: 0, ports: [] };
      const fd = int(f.bridge.forward_delay);
      link.kind = 'bridge';
      link.bridge = {
        stp: f.bridge.stp_state !== undefined ? int(f.bridge.stp_state) !== 0 : prev.stp,
        forwardDelay: fd !== undefined ? Math.round(fd / 100) : prev.forwardDelay,
        ports: f.bridge.brif ? [...f.bridge.brif].sort() : prev.ports,
      };
    }
    return link;
  });
  // Ports learn their permanent MAC and master from the bonding driver.
  const byName = new Map(links.map((l) => [l.name, l]));
  for (const l of links) {
    for (const s of l.bond?.slaveStatus ?? []) {
      const port = byName.get(s.name);
      if (!port) continue;
      if (s.permMac) port.permMac = s.permMac;
      port.master ??= l.name;
      if (s.speedMbps !== undefined && port.speedMbps === undefined) port.speedMbps = s.speedMbps;
    }
  }
  return { links, routes: base.routes };
}
