// The lease an HA VM holds while it starts (ha.vmLeases holder): taken before its domain starts,
// given back if the start fails; a round must not release a lease whose start is in progress,
// and reports the VM as this member's while it starts (a host dying mid-start loses no VM).
import type { Logger } from 'pino';
import { AgentError } from '../../core/errors.js';
import type { LeaseManager, ResourceSpec } from '../../core/ha/lease-manager.js';
import type { HaVm } from '../../core/ha/ha-state.js';

export class VmLeaseGate {
  /** Starts in progress: lease name → the VM. */
  readonly starting = new Map<string, HaVm>();

  constructor(private readonly d: { leases: LeaseManager; log: Logger }) {}

  /** Takes `lease` for `vm` (nothing when already held here); resolves the undo of a failed start. */
  async take(vm: HaVm, lease: ResourceSpec): Promise<(() => Promise<void>) | undefined> {
    const uuid = vm.uuid;
    const { leases, log } = this.d;
    if ((await leases.held()).some((h) => h.name === lease.name)) return undefined;
    this.starting.set(lease.name, vm);
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
