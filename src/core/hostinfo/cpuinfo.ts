// /proc/cpuinfo parsed into per-CPU entries and the host's CPU topology (threads per core,
// cores per socket, sockets), as discover_hardware reports them.
import type { CpuEntry } from '../discovery/host-info.js';

export interface CpuTopology {
  cpus: CpuEntry[];
  threadsPerCore: number;
  coresPerSocket: number;
  sockets: number;
  /** MHz of the first CPU as printed, 0 when the kernel does not say (e.g. some ARM hosts). */
  mhz: number;
  /** Feature flags of the first CPU (`flags` on x86, `Features` on ARM). */
  flags: string[];
}

function blocks(text: string): Array<Map<string, string>> {
  return text
    .split(/\n\s*\n/)
    .map((b) => {
      const m = new Map<string, string>();
      for (const line of b.split('\n')) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
      }
      return m;
    })
    .filter((m) => m.has('processor'));
}

const posInt = (s: string | undefined): number | undefined => {
  const n = s === undefined ? NaN : Number.parseInt(s, 10);
  return Number.isFinite(n) && n > 0 ? n : undefined;
};

const toIndex = (s: string | undefined, dflt: number): number => {
  const n = s === undefined ? NaN : Number.parseInt(s, 10);
  return Number.isInteger(n) && n >= 0 ? n : dflt;
};

export function cpuinfoToCpus(text: string): CpuTopology {
  const bs = blocks(text);
  const cpus: CpuEntry[] = bs.map((b, i) => ({
    id: toIndex(b.get('processor'), i),
    vendorId: b.get('vendor_id') ?? b.get('CPU implementer') ?? '',
    family: b.get('cpu family') ?? b.get('CPU architecture') ?? '',
    model: b.get('model') ?? b.get('CPU part') ?? '',
    modelName: b.get('model name') ?? b.get('Model') ?? '',
    stepping: b.get('stepping') ?? b.get('CPU revision') ?? '',
    clockMhz: b.get('cpu MHz') ?? '',
    cacheSize: b.get('cache size') ?? '',
    physicalId: b.get('physical id') ?? '0',
    coreId: b.get('core id') ?? String(i),
    siblings: b.get('siblings') ?? '1',
    cores: b.get('cpu cores') ?? '1',
    flags: b.get('flags') ?? b.get('Features') ?? '',
  }));
  const first = bs[0] ?? new Map<string, string>();
  const sockets = new Set(cpus.map((c) => c.physicalId)).size || 1;
  const siblings = posInt(first.get('siblings'));
  const cores = posInt(first.get('cpu cores'));
  // Without topology fields (ARM, some VMs) every logical CPU counts as one core of one socket.
  const coresPerSocket = cores ?? Math.max(1, Math.floor(cpus.length / sockets));
  const threadsPerCore = siblings && cores ? Math.max(1, Math.round(siblings / cores)) : 1;
  const mhz = Number.parseFloat(first.get('cpu MHz') ?? '');
  const flags = (first.get('flags') ?? first.get('Features') ?? '').split(/\s+/).filter(Boolean);
  return { cpus, threadsPerCore, coresPerSocket, sockets, mhz: Number.isFinite(mhz) ? mhz : 0, flags };
}
