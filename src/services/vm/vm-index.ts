// What the VM service knows between calls, behind methods: which vm.cfg each domain UUID
// belongs to, the stops the agent is making itself, start times, and stops left undecided.
// The watcher and the service share this object; nobody else sees its maps.

export interface VmPlace {
  repoId: string;
  vmId: string;
}

export class VmIndex {
  private byUuid = new Map<string, VmPlace>();
  /** `repo/vm` → uuid, the reverse of byUuid. */
  private byVm = new Map<string, string>();
  private readonly expected = new Set<string>();
  private readonly startTimes = new Map<string, number>();
  private readonly undecided = new Map<string, string>();

  /** Replaces the whole index (the scan at start). */
  reset(entries: ReadonlyMap<string, VmPlace>): void {
    this.byUuid = new Map(entries);
    this.byVm = new Map([...entries].map(([u, w]) => [`${w.repoId}/${w.vmId}`, u]));
  }

  whereIs(uuid: string): VmPlace | undefined {
    const w = this.byUuid.get(uuid);
    return w && { ...w };
  }

  uuidOf(repoId: string, vmId: string): string | undefined {
    return this.byVm.get(`${repoId}/${vmId}`);
  }

  /** Records that `repo/vm` now has `uuid` (a new uuid replaces the VM's old one). */
  place(uuid: string, at: VmPlace): void {
    const key = `${at.repoId}/${at.vmId}`;
    const previous = this.byVm.get(key);
    if (previous && previous !== uuid) this.byUuid.delete(previous);
    this.byUuid.set(uuid, { repoId: at.repoId, vmId: at.vmId });
    this.byVm.set(key, uuid);
  }

  remove(uuid: string, at: VmPlace): void {
    this.byUuid.delete(uuid);
    this.byVm.delete(`${at.repoId}/${at.vmId}`);
  }

  // ---- stops the agent makes itself (stop, save, migrate): not crashes ----------------------

  expectStop(uuid: string): void {
    this.expected.add(uuid);
  }

  /** Drops the expectation; true when there was one (the stop was the agent's). */
  settleStop(uuid: string): boolean {
    return this.expected.delete(uuid);
  }

  // ---- start times (list_vms `start_time`) ---------------------------------------------------

  started(uuid: string, atSec: number): void {
    this.startTimes.set(uuid, atSec);
  }

  startTime(uuid: string): number | undefined {
    return this.startTimes.get(uuid);
  }

  stopped(uuid: string): void {
    this.startTimes.delete(uuid);
  }

  // ---- stops libvirt could not tell us about yet -----------------------------------------------

  undecidedStop(uuid: string, name: string): void {
    this.undecided.set(uuid, name);
  }

  /** The undecided stops, handed over once (they are asked about again). */
  takeUndecided(): Array<{ uuid: string; name: string }> {
    const out = [...this.undecided].map(([uuid, name]) => ({ uuid, name }));
    this.undecided.clear();
    return out;
  }

  hasUndecided(): boolean {
    return this.undecided.size > 0;
  }
}
