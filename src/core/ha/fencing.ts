// Self-fencing and the return of a member declared dead. A member whose own lease fails must
// stop being a member before others may declare it dead (sanlock: FAIL after 8 x io_timeout,
// DEAD after 8 x io_timeout + 60 s); a member back from dead must not resume VMs that were
// restarted elsewhere.
import type { MasterRecord, HaVm } from './ha-state.js';

export type FenceMode = 'reboot' | 'stop-vms';

export interface FenceInput {
  /** Our host lease is renewing. */
  ownLeaseOk: boolean;
  mode: FenceMode;
  holdingMaster: boolean;
  vipUp: boolean;
  /** HA VMs running here now. */
  localHaVms: readonly HaVm[];
}

export interface FencePlan {
  dropVip: boolean;
  releaseMaster: boolean;
  /** VMs to power off now (stop-vms). */
  stopVms: HaVm[];
  reboot: boolean;
}

export function fenceDecision(i: FenceInput): FencePlan {
  if (i.ownLeaseOk) return { dropVip: false, releaseMaster: false, stopVms: [], reboot: false };
  return {
    dropVip: i.vipUp,
    releaseMaster: i.holdingMaster,
    stopVms: i.mode === 'stop-vms' ? [...i.localHaVms] : [],
    reboot: i.mode === 'reboot',
  };
}

/**
 * HA VMs running here that must not: the master placed them elsewhere, or declared this
 * member's generation dead (its VMs were, or will be, restarted elsewhere), or we do not hold
 * their lease (so another host may).
 */
export function strayVms(
  self: number,
  generation: number,
  running: readonly HaVm[],
  master: MasterRecord | undefined,
  heldVmLeases: ReadonlySet<string>,
): HaVm[] {
  const declaredDead = master !== undefined && master.dead[String(self)] === generation;
  return running.filter((vm) => {
    if (!heldVmLeases.has(vm.uuid)) return true;
    if (declaredDead) return true;
    const p = master?.placements[vm.uuid];
    return p !== undefined && p.node !== self;
  });
}
