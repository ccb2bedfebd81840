// Small procfs texts parsed into typed values: meminfo, stat (boot time, CPU jiffies),
// mounts/mountinfo, swaps, net/dev, loadavg and uptime.
import type { MountEntry } from '../discovery/host-info.js';

/** Every `Key: N kB` line of /proc/meminfo, in bytes. */
export function meminfoToBytes(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (m[3] ? 1024 : 1);
  }
  return out;
}

/** `btime` of /proc/stat: boot time in epoch seconds. */
export function procStatToBootTime(text: string): number | undefined {
  const m = /^btime\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

export interface CpuJiffies {
  idle: number;
  total: number;
}

/** The aggregate `cpu` line of /proc/stat (idle includes iowait). */
export function procStatToCpuJiffies(text: string): CpuJiffies | undefined {
  const m = /^cpu\s+(.+)$/m.exec(text);
  if (!m) return undefined;
  const v = m[1].trim().split(/\s+/).map(Number);
  // guest and guest_nice (9th, 10th) are already counted in user and nice.
  const total = v.slice(0, 8).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { idle: (v[3] ?? 0) + (v[4] ?? 0), total };
}

/** Octal escapes the kernel uses in mount paths (`\040` for a space). */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

export function procMountsToMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    out.push({ device: unescapeMountField(f[0]), dir: unescapeMountField(f[1]), type: f[2], options: f[3] });
  }
  return out;
}

export interface MountInfoEntry {
  /** `major:minor` of the mounted device. */
  dev: string;
  dir: string;
  type: string;
  source: string;
}

export function mountinfoToEntries(text: string): MountInfoEntry[] {
  const out: MountInfoEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const a = line.slice(0, sep).split(' ');
    const b = line.slice(sep + 3).split(' ');
    if (a.length < 5 || b.length < 2) continue;
    out.push({ dev: a[2], dir: unescapeMountField(a[4]), type: b[0], source: unescapeMountField(b[1]) });
  }
  return out;
}

/** Device paths of active swap areas (/proc/swaps). */
export function procSwapsToDevices(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 2 && f[1] === 'partition')
    .map((f) => unescapeMountField(f[0]));
}

export interface NetDevCounters {
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}

export function netDevToCounters(text: string): Record<string, NetDevCounters> {
  const out: Record<string, NetDevCounters> = {};
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i < 0) continue;
    const name = line.slice(0, i).trim();
    const v = line.slice(i + 1).trim().split(/\s+/).map(Number);
    if (!name || v.length < 10) continue;
    out[name] = { rxBytes: v[0], rxPackets: v[1], txBytes: v[8], txPackets: v[9] };
  }
  return out;
}

export function loadavgToLoad(text: string): [number, number, number] {
  const v = text.trim().split(/\s+/).map(Number);
  return [v[0] || 0, v[1] || 0, v[2] || 0];
}

export function uptimeToSeconds(text: string): number {
  const v = Number.parseFloat(text.trim().split(/\s+/)[0] ?? '');
  return Number.isFinite(v) ? v : 0;
}
