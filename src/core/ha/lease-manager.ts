// The lease engine as hvagent sees it: a lockspace per pool (host id = node number), resource
// leases (the master role, one per HA VM) and the liveness of other hosts. hvagent never
// decides liveness itself; a LeaseManager (sanlock in production, a fake in tests) does.

/** sanlock's view of a host id in a lockspace (`gets -h 1`). */
export type HostLiveness = 'live' | 'fail' | 'dead' | 'free' | 'unknown';

export interface LockspaceSpec {
  /** Lockspace name (sanlock: at most 48 chars). */
  name: string;
  /** This host's id in the lockspace: the pool node number + 1 (sanlock ids start at 1). */
  hostId: number;
  /** The lockspace's lease file on the pool FS. */
  path: string;
  /** Seconds; renewal every 2x, FAIL after 8x, DEAD after 8x + 60 (sanlock 3.8). */
  ioTimeout: number;
}

export interface ResourceSpec {
  lockspace: string;
  /** Resource name (sanlock: at most 48 chars). */
  name: string;
  /** The resource's lease file on the pool FS. */
  path: string;
}

/**
 * Who holds a lease on this host.
 * - 'agent': a holder process tied to the agent (it exits when the agent does): the master
 *   lease, so a crashed agent never keeps the master role.
 * - 'detached': a holder process in its own session that outlives agent restarts: a running
 *   HA VM's lease, released only when the agent releases it after the VM stopped.
 */
export type HolderKind = 'agent' | 'detached';

export interface HeldLease {
  lockspace: string;
  name: string;
  /** The holder process (sanlock releases the lease when it exits). */
  pid: number;
}

export type AcquireResult = { ok: true; pid: number } | { ok: false; reason: 'held' | 'no-lockspace' | 'error'; detail: string };

export interface HostState {
  hostId: number;
  liveness: HostLiveness;
  /** The host's last renewal as sanlock reports it (monotonic seconds of the observer). */
  timestamp: number;
  /** Bumped each time the host id joins again: a host back from dead has a new generation. */
  generation: number;
}

export interface LeaseManager {
  /** Formats a lockspace file (once, by whoever creates the pool). */
  initLockspace(ls: LockspaceSpec): Promise<void>;
  /** Formats a resource lease file (once per resource). */
  initResource(res: ResourceSpec): Promise<void>;
  /** Joins the lockspace with our host id; resolves once our delta lease is held. */
  joinLockspace(ls: LockspaceSpec): Promise<void>;
  /** Leaves the lockspace (releases every lease in it first). */
  leaveLockspace(ls: LockspaceSpec): Promise<void>;
  /** True while we hold our host id lease in this lockspace (renewals succeed). */
  inLockspace(name: string): Promise<boolean>;
  /** Every host id sanlock has seen in the lockspace, as this host observes it. */
  hosts(lockspace: string): Promise<HostState[]>;
  /** Non-blocking: a lease held by a live host fails at once with reason 'held'. */
  acquire(res: ResourceSpec, kind: HolderKind): Promise<AcquireResult>;
  /** Releases our lease (stops its holder); a lease we do not hold is a no-op. */
  release(res: Pick<ResourceSpec, 'lockspace' | 'name'>): Promise<void>;
  /** The leases this host holds now, with their holder processes (survives agent restarts). */
  held(): Promise<HeldLease[]>;
  /** Called when an 'agent' holder exits without release (lease lost: renewal failed, killed). */
  onLost(cb: (lease: HeldLease) => void): void;
}

/** sanlock's fixed part of the dead time in 3.8 (watchdog fire timeout). */
export const WATCHDOG_FIRE_SECONDS = 60;

/** Seconds after a host's last renewal until others may take its leases. */
export function hostDeadSeconds(ioTimeout: number): number {
  return 8 * ioTimeout + WATCHDOG_FIRE_SECONDS;
}

/** Seconds after which a host that cannot renew sees its own lease FAIL (and must stop). */
export function renewalFailSeconds(ioTimeout: number): number {
  return 8 * ioTimeout;
}

/** sanlock host ids start at 1; pool node numbers at 0. */
export function nodeToHostId(node: number): number {
  return node + 1;
}

export function hostIdToNode(hostId: number): number {
  return hostId - 1;
}
