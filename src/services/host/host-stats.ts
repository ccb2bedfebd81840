// Host figures for the statistic push and get_host_stats: CPU usage since the previous
// sample, memory, load, uptime, per-interface traffic and the root file system's space.
import type { ServiceDeps } from '../context.js';
import { cpuinfoToCpus } from '../../core/hostinfo/cpuinfo.js';
import {
  loadavgToLoad,
  meminfoToBytes,
  netDevToCounters,
  procStatToCpuJiffies,
  uptimeToSeconds,
  type CpuJiffies,
} from '../../core/hostinfo/proc-files.js';
import { statFs } from '../../host/hostinfo/fs-links.js';

export interface HostStatsSample {
  /** Epoch seconds of the sample. */
  time: number;
  cpu: { count: number; usage: number };
  memory: { total: number; free: number; used: number };
  load: [number, number, number];
  uptime: number;
  network: Record<string, { rx_bytes: number; rx_packets: number; tx_bytes: number; tx_packets: number }>;
  disk: { total: number; used: number; free: number; available: number };
}

export class HostStats {
  private last: CpuJiffies | undefined;

  constructor(private readonly deps: Pick<ServiceDeps, 'fs' | 'clock'>) {}

  /**
   * CPU usage is the busy share (percent, 0-100, two decimals) of all CPUs since the previous
   * call, or since boot on the first. Memory `free` is what the kernel calls available.
   */
  async collectHostStats(): Promise<HostStatsSample> {
    const fs = this.deps.fs;
    const read = async (p: string): Promise<string> => (await fs.readTextIfExists(p)) ?? '';
    const jiffies = procStatToCpuJiffies(await read('/proc/stat')) ?? { idle: 0, total: 0 };
    const prev = this.last ?? { idle: 0, total: 0 };
    this.last = jiffies;
    const dTotal = jiffies.total - prev.total;
    const dIdle = jiffies.idle - prev.idle;
    const usage = dTotal > 0 ? Math.round((10_000 * (dTotal - dIdle)) / dTotal) / 100 : 0;

    const mem = meminfoToBytes(await read('/proc/meminfo'));
    const total = mem.MemTotal ?? 0;
    const free = mem.MemAvailable ?? mem.MemFree ?? 0;

    const network: HostStatsSample['network'] = {};
    for (const [name, c] of Object.entries(netDevToCounters(await read('/proc/net/dev')))) {
      network[name] = { rx_bytes: c.rxBytes, rx_packets: c.rxPackets, tx_bytes: c.txBytes, tx_packets: c.txPackets };
    }
    const space = await statFs(fs, '/');
    return {
      time: Math.floor(this.deps.clock.now() / 1000),
      cpu: { count: cpuinfoToCpus(await read('/proc/cpuinfo')).cpus.length || 1, usage: Math.max(0, Math.min(100, usage)) },
      memory: { total, free, used: Math.max(0, total - free) },
      load: loadavgToLoad(await read('/proc/loadavg')),
      uptime: Math.floor(uptimeToSeconds(await read('/proc/uptime'))),
      network,
      disk: { total: space.totalBytes, used: space.usedBytes, free: space.freeBytes, available: space.availableBytes },
    };
  }
}
