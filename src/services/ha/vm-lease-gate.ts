// The lease an HA VM holds while it starts (ha.vmLeases holder): taken before its domain starts,
// given back if the start fails; a round must not release a lease whose start is in progress.
import type { Logger } from 'pino';
import { AgentError } from '../../core/errors.js';
import type { LeaseManager, ResourceSpec } from '../../core/ha/lease-manager.js';

export class VmLeaseGate {
  /** Lease names of starts in progress. */
  readonly starting = new Set<string>();

  constructor(private readonly d: { leases: LeaseManager; log: Logger }) {}

  /** Takes `lease` for VM `uuid` (nothing when already held here); resolves the undo of a failed start. */
  async take(uuid: string, lease: ResourceSpec): Promise<(() => Promise<void>) | undefined> {
    const { leases, log } = this.d;
    if ((await leases.held()).some((h) => h.name === lease.name)) return undefined;
    this.starting.add(lease.name);
    try {
      await leases.initResource(lease);
      const got = await leases.acquire(lease, 'detached');
      if (!got.ok) throw new AgentError('HA_LEASE_FAILED', `HA VM ${uuid} is not started here: its lease is held by another member (${got.detail ?? got.reason})`);
    } catch (err) {
      this.starting.delete(lease.name);
      throw err;
    }
    return async () => {
      this.starting.delete(lease.name);
      await leases.release(lease).catch((err: unknown) => log.error({ err, lease: lease.name }, 'cannot release the lease of a VM that did not start'));
    };
  }
}
