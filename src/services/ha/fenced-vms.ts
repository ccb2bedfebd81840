// The HA VMs this member powered off itself (fencing, maintenance with no room) until they run
// again somewhere: reported to the master, which restarts them. Kept in the host database, so an
// agent restarted in between still reports them (in memory only, such a VM stayed stopped).
import { z } from 'zod';
import type { Logger } from 'pino';
import { haVmSchema, type HaVm } from '../../core/ha/ha-state.js';
import type { HostStateRepo } from '../../store/host-state.js';
import { HA_STATE_KEYS } from './ha-deps.js';

const KEY = HA_STATE_KEYS.fenced;

export class FencedVms {
  private readonly vms = new Map<string, HaVm>();

  constructor(private readonly d: { hostState: HostStateRepo; log: Logger }) {
    const saved = z.array(haVmSchema).safeParse(safeJson(d.hostState.get(KEY)));
    if (saved.success) for (const vm of saved.data) this.vms.set(vm.uuid, vm);
    else d.log.warn({ key: KEY }, 'fenced HA VMs record unreadable: starting with none');
  }

  set(uuid: string, vm: HaVm): void {
    this.vms.set(uuid, vm);
    this.save();
  }

  delete(uuid: string): void {
    if (this.vms.delete(uuid)) this.save();
  }

  keys(): IterableIterator<string> {
    return this.vms.keys();
  }

  values(): IterableIterator<HaVm> {
    return this.vms.values();
  }

  private save(): void {
    this.d.hostState.setJson(KEY, [...this.vms.values()]);
  }
}

function safeJson(text: string | undefined): unknown {
  if (text === undefined) return [];
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
