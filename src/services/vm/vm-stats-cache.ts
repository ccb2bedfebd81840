// Per-VM and host statistics served from a cache that ONE bulk collection refreshes every
// libvirt.statsInterval seconds; the refresh also reports domains that stopped since the last one.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../host/clock.js';
import type { DomainStats, Hypervisor, NodeInfo } from '../../host/libvirt/hypervisor.js';
import { normUuid } from '../../core/vm/vm-cfg.js';

export interface VmStatsEntry {
  uuid: string;
  name: string;
  domid: number;
  state: string;
  vcpus: number;
  /** MiB */
  memory: number;
  maxmem: number;
  /** Seconds of CPU used since the domain started. */
  cpu_time: number;
  /** Percent of the domain's vCPUs used since the previous sample (0 on the first). */
  cpu_util: number;
  block_read_bytes: number;
  block_write_bytes: number;
  net_rx_bytes: number;
  net_tx_bytes: number;
  /** Epoch seconds of the sample. */
  sampled_at: number;
}

export interface HostStatsEntry {
  cpus: number;
  mhz: number;
  memory_total: number;
  memory_vms: number;
  running_vms: number;
  vcpus_allocated: number;
  cpu_util: number;
  sampled_at: number;
  interval: number;
}

export interface StatsCacheDeps {
  hypervisor: Hypervisor;
  clock: Clock;
  log: Logger;
  intervalSec: number;
  /** Called with the UUIDs (normalized) of domains active at the previous refresh and not now. */
  onStopped: (gone: Array<{ uuid: string; name: string }>) => void | Promise<void>;
  /** Checked before each timed refresh; false skips this tick (e.g. libvirt not reachable yet). */
  beforeTick?: () => Promise<boolean>;
}

const ACTIVE = new Set(['running', 'blocked', 'paused', 'shutdown', 'crashed', 'pmsuspended', 'nostate']);

export class VmStatsCache {
  private vms = new Map<string, VmStatsEntry>();
  private prev = new Map<string, { cpuTimeNs: number; at: number }>();
  private host: HostStatsEntry | undefined;
  private node: NodeInfo | undefined;
  private timer: TimerHandle | undefined;
  private running = false;
  private inflight: Promise<void> | undefined;
  /** Time of the last bulk collection, in ms (for the bench and tests). */
  lastRefreshMs = 0;
  /** The latest timed tick (tests await it instead of sleeping). */
  lastTick: Promise<void> = Promise.resolve();
  refreshes = 0;

  constructor(private readonly deps: StatsCacheDeps) {}

  start(): void {
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.lastTick = (async () => {
        if (this.deps.beforeTick && !(await this.deps.beforeTick())) return;
        await this.refresh();
      })()
        .catch((err) => this.deps.log.warn({ err }, 'VM statistics refresh failed'))
        .finally(() => this.schedule());
    }, this.deps.intervalSec * 1000);
  }

  /** One bulk collection; concurrent callers share it. */
  refresh(): Promise<void> {
    this.inflight ??= this.collect().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async collect(): Promise<void> {
    const t0 = performance.now();
    const { hypervisor, clock } = this.deps;
    this.node ??= await hypervisor.nodeInfo();
    const all: DomainStats[] = await hypervisor.bulkStats();
    const now = clock.now();
    const next = new Map<string, VmStatsEntry>();
    const nextPrev = new Map<string, { cpuTimeNs: number; at: number }>();
    let memVms = 0;
    let vcpus = 0;
    let cpuPct = 0;
    for (const d of all) {
      if (d.id === null || !ACTIVE.has(d.state)) continue;
      const key = normUuid(d.uuid);
      const p = this.prev.get(key);
      const dtNs = p ? (now - p.at) * 1e6 : 0;
      const util = p && dtNs > 0 && d.vcpus > 0 ? Math.max(0, Math.min(100, ((d.cpuTimeNs - p.cpuTimeNs) / (dtNs * d.vcpus)) * 100)) : 0;
      next.set(key, {
        uuid: d.uuid,
        name: d.name,
        domid: d.id,
        state: d.state,
        vcpus: d.vcpus,
        memory: Math.round(d.memKiB / 1024),
        maxmem: Math.round(d.maxMemKiB / 1024),
        cpu_time: d.cpuTimeNs / 1e9,
        cpu_util: Math.round(util * 100) / 100,
        block_read_bytes: d.blockRdBytes ?? 0,
        block_write_bytes: d.blockWrBytes ?? 0,
        net_rx_bytes: d.netRxBytes ?? 0,
        net_tx_bytes: d.netTxBytes ?? 0,
        sampled_at: now / 1000,
      });
      nextPrev.set(key, { cpuTimeNs: d.cpuTimeNs, at: now });
      memVms += d.memKiB / 1024;
      vcpus += d.vcpus;
      cpuPct += (util * d.vcpus) / 100;
    }
    const gone = [...this.vms.values()].filter((v) => !next.has(normUuid(v.uuid))).map((v) => ({ uuid: normUuid(v.uuid), name: v.name }));
    const hadSample = this.refreshes > 0;
    this.vms = next;
    this.prev = nextPrev;
    this.host = {
      cpus: this.node.cpus,
      mhz: this.node.mhz,
      memory_total: Math.round(this.node.memoryKiB / 1024),
      memory_vms: Math.round(memVms),
      running_vms: next.size,
      vcpus_allocated: vcpus,
      cpu_util: this.node.cpus ? Math.round((cpuPct / this.node.cpus) * 10000) / 100 : 0,
      sampled_at: now / 1000,
      interval: this.deps.intervalSec,
    };
    this.refreshes++;
    this.lastRefreshMs = performance.now() - t0;
    // Called at every refresh after the first, also with nothing gone: stops left undecided
    // (libvirt did not answer a lookup) are decided again.
    if (hadSample) await this.deps.onStopped(gone);
  }

  /** Starts a refresh without waiting (after the agent started a VM); errors are logged. */
  refreshSoon(): void {
    this.refresh().catch((err) => this.deps.log.warn({ err }, 'VM statistics refresh failed'));
  }

  /** Waits for a refresh already under way, if any (never starts one). */
  async settle(): Promise<void> {
    await this.inflight?.catch(() => {});
  }

  /** Forget a domain the agent itself stopped, so the next refresh does not report it. */
  forget(uuid: string): void {
    this.vms.delete(normUuid(uuid));
    this.prev.delete(normUuid(uuid));
  }

  get filled(): boolean {
    return this.refreshes > 0;
  }

  vm(uuid: string): VmStatsEntry | undefined {
    return this.vms.get(normUuid(uuid));
  }

  allVms(): VmStatsEntry[] {
    return [...this.vms.values()];
  }

  hostStats(): HostStatsEntry | undefined {
    return this.host;
  }
}
