// Pure translation of a bond's sysfs files (/sys/class/net/<bond>/bonding/* and each port's
// bonding_slave/*) into a BondSnap. The host reader collects the file contents; this decides.
import type { BondSlaveSnap, BondSnap } from '../snapshot.js';

/** File name → content, e.g. { mode: '802.3ad 4\n', miimon: '100\n', slaves: 'eth0 eth1\n' }. */
export type SysfsFiles = Readonly<Record<string, string | undefined>>;

const first = (v: string | undefined): string | undefined => {
  const w = v?.trim().split(/\s+/)[0];
  return w ? w : undefined;
};
const int = (v: string | undefined): number | undefined => {
  const n = Number.parseInt(v?.trim() ?? '', 10);
  return Number.isFinite(n) ? n : undefined;
};

export function sysfsToBondSnap(bonding: SysfsFiles, slaveFiles: Readonly<Record<string, SysfsFiles>> = {}): BondSnap {
  const slaves = (bonding.slaves ?? '').trim().split(/\s+/).filter(Boolean);
  const bond: BondSnap = {
    mode: first(bonding.mode) ?? 'balance-rr',
    miimon: int(bonding.miimon) ?? 0,
    updelay: int(bonding.updelay) ?? 0,
    downdelay: int(bonding.downdelay) ?? 0,
    slaves,
  };
  const opt = (k: keyof BondSnap, file: string) => {
    const v = first(bonding[file]);
    if (v) (bond as unknown as Record<string, unknown>)[k] = v;
  };
  opt('primary', 'primary');
  opt('activeSlave', 'active_slave');
  opt('miiStatus', 'mii_status');
  opt('primaryReselect', 'primary_reselect');
  opt('failOverMac', 'fail_over_mac');
  if (bond.mode === '802.3ad') {
    opt('lacpRate', 'lacp_rate');
    const ad = {
      aggregatorId: int(bonding.ad_aggregator),
      numPorts: int(bonding.ad_num_ports),
      actorKey: int(bonding.ad_actor_key),
      partnerKey: int(bonding.ad_partner_key),
      partnerMac: first(bonding.ad_partner_mac)?.toLowerCase(),
    };
    if (Object.values(ad).some((v) => v !== undefined)) bond.ad = ad;
  }
  if (bond.mode === '802.3ad' || bond.mode === 'balance-xor' || bond.mode === 'balance-tlb') {
    opt('xmitHashPolicy', 'xmit_hash_policy');
  }
  const status: BondSlaveSnap[] = [];
  for (const name of slaves) {
    const f = slaveFiles[name];
    if (!f) continue;
    const s: BondSlaveSnap = { name };
    if (first(f.mii_status)) s.miiStatus = first(f.mii_status)!.toLowerCase();
    if (first(f.state)) s.state = first(f.state)!.toLowerCase();
    if (int(f.link_failure_count) !== undefined) s.linkFailureCount = int(f.link_failure_count);
    if (first(f.perm_hwaddr)) s.permMac = first(f.perm_hwaddr)!.toLowerCase();
    if (int(f.ad_aggregator_id) !== undefined) s.aggregatorId = int(f.ad_aggregator_id);
    status.push(s);
  }
  if (status.length) bond.slaveStatus = status;
  return bond;
}
