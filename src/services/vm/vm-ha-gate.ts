// The HA hook of a VM start: an HA VM's lease is taken before its domain starts and given back
// when the start fails. The HA service provides the gate; without one nothing is taken.
import type { HaVm } from '../../core/ha/ha-state.js';

export type HaStartGate = (vm: HaVm) => Promise<(() => Promise<void>) | undefined>;

/** Runs `start` under the VM's lease when it is an HA VM and a gate is set (the gate may refuse). */
export async function startUnderLease(gate: HaStartGate | undefined, vm: HaVm & { ha: boolean }, start: () => Promise<void>): Promise<void> {
  const { ha, ...haVm } = vm;
  const undo = ha && gate ? await gate(haVm) : undefined;
  try {
    await start();
  } catch (e) {
    await undo?.();
    throw e;
  }
}
