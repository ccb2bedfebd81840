// What the agent learns from libvirt rather than from its callers: running domains adopted
// again at start (matched to vm.cfg by UUID), VMs that stopped while the agent was down, and
// stops the agent did not make (guest power-off, crash), with HA VMs raised to the manager.
import type { Logger } from 'pino';
import { normUuid } from '../../core/vm/vm-cfg.js';
import type { EventSink } from '../events/event-journal.js';
import type { DomainInfo, Hypervisor } from '../../host/libvirt/hypervisor.js';
import type { VmIndex } from './vm-index.js';
import type { VmLifecycleLog } from './vm-lifecycle-log.js';
import type { VmStore } from '../../store/vm-store.js';

export const isActive = (d: DomainInfo | undefined): boolean => !!d && d.id !== null && d.state !== 'shutoff';

export interface VmWatchState {
  hypervisor: Hypervisor;
  index: VmIndex;
  store: VmStore;
  lifecycle: VmLifecycleLog;
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
    const where = s.index.whereIs(u);
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
  if (gone.length === 0 && !s.index.hasUndecided()) return;
  for (const g of [...gone, ...s.index.takeUndecided()]) {
    if (s.index.settleStop(g.uuid)) continue;
    let now: DomainInfo | undefined;
    try {
      now = await s.hypervisor.lookup(g.uuid); // undefined only when libvirt says "no such domain"
    } catch (err) {
      // libvirt did not answer: nothing is known about this VM, so nothing is recorded now;
      // the next refresh asks again.
      s.index.undecidedStop(g.uuid, g.name);
      s.onLookupFailed?.(g, err);
      continue;
    }
    if (isActive(now)) continue; // restarted between two samples
    s.store.setState(g.uuid, 'stopped');
    s.index.stopped(g.uuid);
    const vm = { ...s.index.whereIs(g.uuid), uuid: g.uuid, name: g.name };
    const crashed = !now || now.state === 'crashed';
    const cause = crashed ? 'hypervisor' : 'guest';
    await s.lifecycle.record({ action: crashed ? 'crash' : 'stop', vm, cause });
    if (s.store.get(g.uuid)?.ha) await s.lifecycle.record({ action: 'ha-crash', vm, cause });
  }
}

export interface VmWatcherDeps extends Omit<VmWatchState, 'onLookupFailed'> {
  uri: string;
  log: Logger;
  events: EventSink;
  /** The first statistics refresh once libvirt answers. */
  refresh: () => Promise<void>;
}

/**
 * Connects to libvirt and adopts running domains once; until libvirt answers, every statistics
 * tick tries again (the agent comes up without libvirtd) and one event says it is unreachable.
 */
export class VmWatcher {
  private adopted = false;
  private unreachableReported = false;

  constructor(private readonly deps: VmWatcherDeps) {}

  private state(): VmWatchState {
    const { hypervisor, index, store, lifecycle, log } = this.deps;
    const onLookupFailed = (vm: { uuid: string; name: string }, err: unknown) =>
      log.warn({ err, vm }, 'libvirt lookup failed after a VM left the running list; not recorded as a crash, asked again at the next refresh');
    return { hypervisor, index, store, lifecycle, onLookupFailed };
  }

  async connectAndAdopt(): Promise<boolean> {
    if (this.adopted) return true;
    const { hypervisor, log, events, lifecycle, uri } = this.deps;
    try {
      await hypervisor.open();
      lifecycle.host = await hypervisor.hostname().catch(() => '-');
      await adoptRunningDomains(this.state());
      this.adopted = true;
    } catch (err) {
      log.error({ err, uri }, 'libvirt is not reachable; retrying at each statistics interval');
      if (!this.unreachableReported) {
        this.unreachableReported = true;
        events.emit({ severity: 'error', object: 'host', code: 'VM_HYPERVISOR_UNAVAILABLE', message: `libvirt at ${uri} is not reachable: ${(err as Error).message}` });
      }
      return false;
    }
    await this.deps.refresh().catch((err) => log.warn({ err }, 'first statistics refresh failed'));
    return true;
  }

  /** The statistics cache's report of domains no longer running. */
  stopsSeen(gone: Array<{ uuid: string; name: string }>): Promise<void> {
    return handleUnexpectedStops(this.state(), gone);
  }
}
