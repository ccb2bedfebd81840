// Pure parser of /proc/net/bonding/<bond> (every kernel from the 2.6 v3.0.3 driver of the
// Oracle VM wiki to 6.x) into a BondSnap: mode, MII, delays, primary, active port, 802.3ad
// aggregator and per-port status. Tolerates lost blank lines and indentation.
import type { BondAdInfo, BondSlaveSnap, BondSnap } from '../snapshot.js';

const MODE_TEXT: ReadonlyArray<[string, string]> = [
  ['load balancing (round-robin)', 'balance-rr'],
  ['fault-tolerance (active-backup)', 'active-backup'],
  ['load balancing (xor)', 'balance-xor'],
  ['fault-tolerance (broadcast)', 'broadcast'],
  ['IEEE 802.3ad Dynamic link aggregation', '802.3ad'],
  ['transmit load balancing', 'balance-tlb'],
  ['adaptive load balancing', 'balance-alb'],
];

/** "IEEE 802.3ad Dynamic link aggregation" → "802.3ad"; unknown text is returned as is. */
export function procBondModeToKernelName(text: string): string {
  const t = text.trim();
  for (const [prefix, name] of MODE_TEXT) if (t.startsWith(prefix)) return name;
  return t;
}

export interface ProcNetBonding {
  driverVersion?: string;
  bond: BondSnap;
}

const firstWord = (v: string): string => v.trim().split(/\s+/)[0] ?? '';
const none = (v: string): string | undefined => {
  const w = firstWord(v);
  return w === '' || w === 'None' ? undefined : w;
};
const int = (v: string): number | undefined => {
  const n = Number.parseInt(v.trim(), 10);
  return Number.isFinite(n) ? n : undefined;
};

export function parseProcNetBonding(text: string): ProcNetBonding {
  const bond: BondSnap = { mode: '', miimon: 0, updelay: 0, downdelay: 0, slaves: [] };
  const slaves: BondSlaveSnap[] = [];
  let driverVersion: string | undefined;
  let section: 'bond' | 'ad' | 'aggregator' | 'slave' = 'bond';
  let slave: BondSlaveSnap | undefined;
  let ad: BondAdInfo | undefined;
  // The wiki's record glues the driver line to the next one; split where a known key starts.
  const lines = text.replace(/\)(Bonding Mode:)/g, ')\n$1').split(/\r?\n/);
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    if (line === '802.3ad info') {
      section = 'ad';
      ad ??= {};
      continue;
    }
    if (line === 'Active Aggregator Info:') {
      section = 'aggregator';
      ad ??= {};
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key === 'Ethernet Channel Bonding Driver') {
      driverVersion = value;
      continue;
    }
    if (key === 'Slave Interface') {
      section = 'slave';
      slave = { name: firstWord(value) };
      slaves.push(slave);
      continue;
    }
    if (section === 'slave' && slave) {
      switch (key) {
        case 'MII Status':
          slave.miiStatus = value.toLowerCase();
          break;
        case 'Speed':
          if (int(value) !== undefined) slave.speedMbps = int(value);
          break;
        case 'Duplex':
          if (value.toLowerCase() !== 'unknown') slave.duplex = value;
          break;
        case 'Link Failure Count':
          slave.linkFailureCount = int(value);
          break;
        case 'Permanent HW addr':
          slave.permMac = firstWord(value).toLowerCase();
          break;
        case 'Aggregator ID':
          slave.aggregatorId = int(value);
          break;
      }
      continue;
    }
    if (section === 'aggregator' && ad) {
      switch (key) {
        case 'Aggregator ID':
          ad.aggregatorId = int(value);
          continue;
        case 'Number of ports':
          ad.numPorts = int(value);
          continue;
        case 'Actor Key':
          ad.actorKey = int(value);
          continue;
        case 'Partner Key':
          ad.partnerKey = int(value);
          continue;
        case 'Partner Mac Address':
          ad.partnerMac = firstWord(value).toLowerCase();
          continue;
      }
    }
    switch (key) {
      case 'Bonding Mode': {
        bond.mode = procBondModeToKernelName(value);
        const fom = /\(fail_over_mac (\w+)\)/.exec(value);
        if (fom) bond.failOverMac = fom[1];
        break;
      }
      case 'Transmit Hash Policy':
        bond.xmitHashPolicy = firstWord(value);
        break;
      case 'Primary Slave': {
        bond.primary = none(value);
        const re = /\(primary_reselect (\w+)\)/.exec(value);
        if (re) bond.primaryReselect = re[1];
        break;
      }
      case 'Currently Active Slave':
        bond.activeSlave = none(value);
        break;
      case 'MII Status':
        bond.miiStatus = value.toLowerCase();
        break;
      case 'MII Polling Interval (ms)':
        bond.miimon = int(value) ?? 0;
        break;
      case 'Up Delay (ms)':
        bond.updelay = int(value) ?? 0;
        break;
      case 'Down Delay (ms)':
        bond.downdelay = int(value) ?? 0;
        break;
      case 'LACP rate':
        bond.lacpRate = firstWord(value);
        break;
    }
  }
  if (bond.primary === undefined) delete bond.primary;
  if (bond.activeSlave === undefined) delete bond.activeSlave;
  if (bond.mode === 'active-backup') {
    for (const s of slaves) s.state = s.name === bond.activeSlave ? 'active' : 'backup';
  }
  bond.slaves = slaves.map((s) => s.name);
  bond.slaveStatus = slaves;
  if (ad) bond.ad = ad;
  return driverVersion === undefined ? { bond } : { driverVersion, bond };
}
