// What the host's network looks like right now, as read from iproute2 (`ip -j`), sysfs and
// procfs. Produced by the host readers, consumed by src/core/net (mapping it to the model).
// Plain data: no functions, so recorded snapshots can be fixtures.

export type LinkKind = 'physical' | 'bond' | 'vlan' | 'bridge' | 'veth' | 'loopback' | 'other';

export interface AddressSnap {
  family: 'inet' | 'inet6';
  address: string;
  prefixlen: number;
  broadcast?: string;
  /** True when learnt from DHCP (dynamic flag). */
  dynamic: boolean;
  label?: string;
}

export interface BondSnap {
  /** Kernel mode name: active-backup, 802.3ad, balance-alb, ... */
  mode: string;
  miimon: number;
  updelay: number;
  downdelay: number;
  primary?: string;
  activeSlave?: string;
  lacpRate?: string;
  xmitHashPolicy?: string;
  miiStatus?: string;
  slaves: string[];
  primaryReselect?: string;
  failOverMac?: string;
  /** 802.3ad: the active aggregator as the kernel reports it. */
  ad?: BondAdInfo;
  /** Per-port state, in enslavement order (procfs/sysfs on the host, ip -d in a namespace). */
  slaveStatus?: BondSlaveSnap[];
}

export interface BondAdInfo {
  aggregatorId?: number;
  numPorts?: number;
  actorKey?: number;
  partnerKey?: number;
  partnerMac?: string;
}

export interface BondSlaveSnap {
  name: string;
  /** 'up' | 'down' | 'going_down' | 'going_back' (lower case). */
  miiStatus?: string;
  /** 'active' | 'backup'. */
  state?: string;
  linkFailureCount?: number;
  permMac?: string;
  aggregatorId?: number;
  speedMbps?: number;
  duplex?: string;
}

export interface VlanSnap {
  id: number;
  parent: string;
}

export interface BridgeSnap {
  stp: boolean;
  /** Seconds (ifcfg DELAY / brctl units); the kernel's centiseconds divided by 100. */
  forwardDelay: number;
  ports: string[];
}

export interface LinkSnap {
  name: string;
  ifindex: number;
  kind: LinkKind;
  mac: string;
  mtu: number;
  /** IFF_UP administratively. */
  up: boolean;
  /** Carrier / operstate says the link is up. */
  carrier: boolean;
  operstate: string;
  flags: string[];
  /** Bond or bridge this link is enslaved to. */
  master?: string;
  addresses: AddressSnap[];
  bond?: BondSnap;
  vlan?: VlanSnap;
  bridge?: BridgeSnap;
  /** Permanent hardware address (bond slaves report the bond's MAC as `mac`). */
  permMac?: string;
  speedMbps?: number;
  driver?: string;
}

export interface RouteSnap {
  dst: string; // 'default' or CIDR
  gateway?: string;
  dev: string;
  metric?: number;
}

export interface HostNetSnapshot {
  links: LinkSnap[];
  routes: RouteSnap[];
}
