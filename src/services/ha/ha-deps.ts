// What the HA service is built from: the lease engine, the pool as the cluster area knows it
// (pool FS directory, members, virtual IP), the network service's VIP code and the VM host.
// Each is a small interface so the composition root connects the real modules.
import type { Logger } from 'pino';
import type { Clock } from '../../host/clock.js';
import type { HostFs } from '../../host/host-fs.js';
import type { HostStateRepo } from '../../store/host-state.js';
import type { EventSink } from '../events/event-journal.js';
import type { VmLifecycleLog } from '../vm/vm-lifecycle-log.js';
import type { LeaseManager } from '../../core/ha/lease-manager.js';
import type { HaVm } from '../../core/ha/ha-state.js';
import type { FenceMode } from '../../core/ha/fencing.js';
import type { PlacementPolicy } from '../../core/ha/placement.js';

/** The clustered pool this host is in, as the pool/cluster area keeps it. */
export interface HaPoolView {
  /** undefined when the host is in no clustered pool (HA idle). */
  current(): { uuid: string; node: number; poolDir: string; virtualIp?: string; members: number[] } | undefined;
  /** Is_Current_Master in discover_server follows this. */
  setIsMaster(master: boolean): void;
  /**
   * Re-read what the pool FS says (members that joined after us); before each round. Without
   * it the view is this member's last copy, which lacks every member that joined later.
   */
  refresh?(): Promise<void>;
}

export interface HaVip {
  /** Adds the address and sends gratuitous ARP (network service: configure_virtual_ip). */
  up(vip: string): Promise<void>;
  down(vip: string): Promise<void>;
}

export interface HaVmHost {
  /** HA-enabled VMs running on this host now. */
  runningHaVms(): Promise<HaVm[]>;
  /** Memory free for new guests (MiB). */
  freeMemMiB(): Promise<number>;
  /** Starts a VM whose config lives on a pool repository. */
  start(vm: HaVm): Promise<void>;
  /** Powers a VM off at once (fencing, strays). */
  kill(vm: HaVm): Promise<void>;
  /** Live-migrates to the member with this node number. */
  migrate(vm: HaVm, node: number): Promise<void>;
}

export interface HaSettings {
  /** sanlock io_timeout in seconds (oVirt's default 10). */
  ioTimeout: number;
  fence: FenceMode;
  placement: PlacementPolicy;
  /** Who holds a running HA VM's lease: a holder process (default), or qemu via libvirt's sanlock lock manager. */
  vmLeases?: 'holder' | 'libvirt';
}

export interface HaServiceDeps {
  leases: LeaseManager;
  pool: HaPoolView;
  vip: HaVip;
  vms: HaVmHost;
  settings: HaSettings;
  fs: HostFs;
  clock: Clock;
  events: EventSink;
  hostState: HostStateRepo;
  lifecycle: VmLifecycleLog;
  log: Logger;
  /** `ha.fence: reboot`: resets this host; false when it may not or could not (then its HA VMs are stopped). */
  reboot(): Promise<boolean | void>;
  /** ms between rounds; default 2 x ioTimeout (sanlock's renewal interval). */
  roundMs?: number;
}

export const HA_STATE_KEYS = { maintenance: 'ha.maintenance', fenced: 'ha.fenced' } as const;

export type { HaState } from './ha-names.js';
