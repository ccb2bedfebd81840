// The HA hook of a VM start: an HA VM's lease is taken before its domain starts and given back
// when the start fails. The HA service provides the gate; without one nothing is taken.
export type HaStartGate = (uuid: string) => Promise<(() => Promise<void>) | undefined>;

/** Runs `start` under the VM's lease when it is an HA VM and a gate is set (the gate may refuse). */
export async function startUnderLease(gate: HaStartGate | undefined, vm: { uuid: string; ha: boolean }, start: () => Promise<void>): Promise<void> {
  const undo = vm.ha && gate ? await gate(vm.uuid) : undefined;
  try {
    await start();
  } catch (e) {
    await undo?.();
    throw e;
  }
}
