// What the agent learns from libvirt rather than from its callers: running domains adopted
// again at start (matched to vm.cfg by UUID), VMs that stopped while the agent was down, and
// stops the agent did not make (guest power-off, crash), with HA VMs raised to the manager.
import { normUuid } from '../../core/vm/vm-cfg.js';
import type { DomainInfo, Hypervisor } from '../../host/libvirt/hypervisor.js';
import type { VmLifecycleLog } from './vm-lifecycle-log.js';
import type { VmStore } from '../../store/vm-store.js';

export const isActive = (d: DomainInfo | undefined): boolean => !!d && d.id !== null && d.state !== 'shutoff';

export interface VmWatchState {
  hypervisor: Hypervisor;
  index: ReadonlyMap<string, { repoId: string; vmId: string }>;
  store: VmStore;
  lifecycle: VmLifecycleLog;
  /** UUIDs the agent is stopping itself (stop, save, migrate): not crashes. */
  expectedStops: Set<string>;
  startTimes: Map<string, number>;
  /** Stopped domains whose lookup failed (libvirt did not answer): decided at a later refresh. */
  recheck: Map<string, string>;
  /** A lookup failed for another reason than "no such domain" (logged; not a crash). */
  onLookupFailed?: (vm: { uuid: string; name: string }, err: unknown) => void;
}

/** Nothing is started here: adoption only records what already runs. */
export async function adoptRunningDomains(s: VmWatchState): Promise<void> {
  const active = new Set<string>();
  for (const d of await s.hypervisor.listDomains()) {
    if (!isActive(d)) continue;
    const u = normUuid(d.uuid);
    active.add(u);
    const where = s.index.get(u);
    if (!where) continue;
    if (!s.store.get(u)) s.store.upsert(u, where.repoId, where.vmId, false);
    s.store.setState(u, 'running');
    await s.lifecycle.record({ action: 'adopt', vm: { ...where, uuid: d.uuid, name: d.name }, cause: 'agent' });
  }
  for (const row of s.store.all()) {
    if (row.lastState !== 'running' || active.has(row.uuid)) continue;
    s.store.setState(row.uuid, 'stopped');
    const vm = { repoId: row.repoId, vmId: row.vmId, uuid: row.uuid };
    await s.lifecycle.record({ action: 'stopped-while-away', vm, cause: 'unknown' });
    if (row.ha) await s.lifecycle.record({ action: 'ha-crash', vm, cause: 'unknown', detail: 'HA VM found stopped at agent start' });
  }
}

/** Domains the last bulk refresh no longer saw running, and those left undecided before. */
export async function handleUnexpectedStops(s: VmWatchState, gone: Array<{ uuid: string; name: string }>): Promise<void> {
  if (gone.length === 0 && s.recheck.size === 0) return;
  const todo = [...gone, ...[...s.recheck].map(([uuid, name]) => ({ uuid, name }))];
  s.recheck.clear();
  for (const g of todo) {
    if (s.expectedStops.delete(g.uuid)) continue;
    let now: DomainInfo | undefined;
    try {
      now = await s.hypervisor.lookup(g.uuid); // undefined only when libvirt says "no such domain"
    } catch (err) {
      // libvirt did not answer: nothing is known about this VM, so nothing is recorded now;
      // the next refresh asks again.
      s.recheck.set(g.uuid, g.name);
      s.onLookupFailed?.(g, err);
      continue;
    }
    if (isActive(now)) continue; // restarted between two samples
    s.store.setState(g.uuid, 'stopped');
    s.startTimes.delete(g.uuid);
    const vm = { ...s.index.get(g.uuid), uuid: g.uuid, name: g.name };
    const crashed = !now || now.state === 'crashed';
    const cause = crashed ? 'hypervisor' : 'guest';
    await s.lifecycle.record({ action: crashed ? 'crash' : 'stop', vm, cause });
    if (s.store.get(g.uuid)?.ha) await s.lifecycle.record({ action: 'ha-crash', vm, cause });
  }
}
