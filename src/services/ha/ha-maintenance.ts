// Maintenance mode's evacuation: each running HA VM live-migrates to a live member that fits
// (placement policy), or is stopped when none fits or the migration fails (the master queues it).
import { placeVms } from '../../core/ha/placement.js';
import type { HaVm, MemberReport } from '../../core/ha/ha-state.js';
import type { HaServiceDeps } from './ha-deps.js';

export async function evacuate(
  deps: Pick<HaServiceDeps, 'vms' | 'lifecycle' | 'settings'>,
  others: readonly MemberReport[],
  stop: (vm: HaVm, detail: string) => Promise<void>,
): Promise<void> {
  const vms = await deps.vms.runningHaVms();
  const plan = placeVms(vms, others.map((r) => ({ node: r.node, freeMemMiB: r.freeMemMiB })), deps.settings.placement);
  for (const p of plan.placed) {
    try {
      await deps.vms.migrate(p.vm, p.node);
      await deps.lifecycle.record({ action: 'ha-evacuate', vm: p.vm, cause: 'agent', detail: `maintenance: migrated to node ${p.node}` });
    } catch (err) {
      await stop(p.vm, `maintenance: migration to node ${p.node} failed (${err instanceof Error ? err.message : String(err)}); stopped`);
    }
  }
  for (const vm of plan.unplaced) await stop(vm, 'maintenance: no member fits; stopped (the master queues it)');
}
