// Where HA VMs restart: largest VM first, each on a live member with room for it. The policy
// says which member among those that fit: the one with the most free memory ('most-free',
// spreads load) or the lowest node number ('first-fit', packs members).
import type { HaVm } from './ha-state.js';

export type PlacementPolicy = 'most-free' | 'first-fit';

export interface Capacity {
  node: number;
  freeMemMiB: number;
}

export interface PlacementResult {
  placed: Array<{ vm: HaVm; node: number }>;
  /** VMs that fit on no member, in the order they were considered. */
  unplaced: HaVm[];
}

export function placeVms(vms: readonly HaVm[], hosts: readonly Capacity[], policy: PlacementPolicy = 'most-free'): PlacementResult {
  const free = new Map(hosts.map((h) => [h.node, h.freeMemMiB]));
  // largest first so a big VM is not crowded out by small ones; uuid breaks ties stably
  const order = [...vms].sort((a, b) => b.memMiB - a.memMiB || a.uuid.localeCompare(b.uuid));
  const placed: PlacementResult['placed'] = [];
  const unplaced: HaVm[] = [];
  for (const vm of order) {
    const fits = [...free.entries()].filter(([, mem]) => mem >= vm.memMiB);
    if (fits.length === 0) {
      unplaced.push(vm);
      continue;
    }
    fits.sort(policy === 'most-free' ? (a, b) => b[1] - a[1] || a[0] - b[0] : (a, b) => a[0] - b[0]);
    const [node, mem] = fits[0];
    free.set(node, mem - vm.memMiB);
    placed.push({ vm, node });
  }
  return { placed, unplaced };
}
