// Where a LUN shows up on the host: its /dev/disk/by-path links, the multipath map holding
// its block device (`multipath -ll`, bounded; a kernel without device-mapper reads as "no
// maps"), and the /dev/mapper node of that map.
import { AgentError } from '../../core/errors.js';
import { deviceBusyReason, mountSources, type DeviceChain } from '../../core/storage/scsi/device-use.js';
import { multipathUnavailable, parseMultipathLl, type MultipathMap } from '../../core/storage/scsi/multipath-ll.js';
import type { Exec } from '../exec.js';
import { readLinkTarget } from '../file-ops.js';
import type { HostFs } from '../host-fs.js';
import { DEFAULT_SCSI_TIMEOUT_MS, runScsi, scsiFault } from './scsi-exec.js';

export const BY_PATH_DIR = '/dev/disk/by-path';

/** Block device name (sdb) → its by-path link paths; partitions' links are left out. */
export async function byPathLinks(fs: HostFs): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const name of await fs.list(BY_PATH_DIR)) {
    if (/-part\d+$/.test(name)) continue;
    const target = await readLinkTarget(fs, `${BY_PATH_DIR}/${name}`);
    if (!target) continue;
    const dev = target.split('/').pop()!;
    out.set(dev, [...(out.get(dev) ?? []), `${BY_PATH_DIR}/${name}`]);
  }
  return out;
}

/** The block device a by-path name points to (sdb), or undefined when it is not there. */
export async function byPathDevice(fs: HostFs, name: string): Promise<string | undefined> {
  if (name.includes('/') || name.startsWith('.')) throw new AgentError('STORAGE_INVALID', `by-path name ${JSON.stringify(name.slice(0, 80))} is not a plain name`);
  const target = await readLinkTarget(fs, `${BY_PATH_DIR}/${name}`);
  return target?.split('/').pop();
}

export interface MultipathState {
  /** False when the host has no device-mapper/multipath (then maps is empty). */
  available: boolean;
  maps: MultipathMap[];
}

export class MultipathReader {
  constructor(private readonly deps: { exec: Exec; timeoutMs?: number; bin?: string }) {}

  async read(): Promise<MultipathState> {
    const r = await runScsi(this.deps.exec, [this.deps.bin ?? 'multipath', '-ll'], { timeoutMs: this.deps.timeoutMs ?? DEFAULT_SCSI_TIMEOUT_MS });
    if (r.code === 0) return { available: true, maps: parseMultipathLl(r.stdout) };
    if (r.code === 127) return { available: false, maps: [] };
    if (!r.timedOut && multipathUnavailable(r.stderr)) return { available: false, maps: [] };
    throw scsiFault('STORAGE_COMMAND_FAILED', 'multipath -ll', r);
  }
}

/** The map holding block device `dev`, if any. */
export function mapOfDevice(maps: readonly MultipathMap[], dev: string): MultipathMap | undefined {
  return maps.find((m) => m.groups.some((g) => g.paths.some((p) => p.dev === dev)));
}

/** /dev/mapper/<name> of a map. */
export function mapperPath(m: MultipathMap): string {
  return `/dev/mapper/${m.name}`;
}

/**
 * Wait (bounded) for udev to create the device nodes and by-path links of LUNs that a login
 * or rescan just brought; a host without udevadm, or a settle that times out, is not an error
 * (the LUNs then show up at the next listing).
 */
export async function settleUdev(exec: Exec, timeoutMs: number): Promise<void> {
  const secs = Math.max(1, Math.floor(timeoutMs / 1000) - 1);
  await runScsi(exec, ['udevadm', 'settle', `--timeout=${secs}`], { timeoutMs });
}

/** The holder chain of a SCSI disk from /sys/block (partitions, multipath maps and their holders). */
export async function deviceChain(fs: HostFs, dev: string): Promise<DeviceChain> {
  const partitions = (await fs.list(`/sys/block/${dev}`)).filter((n) => n.startsWith(dev) && n !== dev);
  const maps: DeviceChain['maps'] = [];
  for (const h of await fs.list(`/sys/block/${dev}/holders`)) {
    if (!/^dm-\d+$/.test(h)) continue;
    const name = ((await fs.readTextIfExists(`/sys/block/${h}/dm/name`)) ?? h).trim();
    maps.push({ dm: h, name, holders: await fs.list(`/sys/block/${h}/holders`) });
  }
  return { dev, partitions, maps };
}

/** Why any of these disks is busy (mounted, or its multipath map held), or undefined. */
export async function devicesBusy(fs: HostFs, devs: readonly string[]): Promise<string | undefined> {
  if (devs.length === 0) return undefined;
  const mounts = mountSources((await fs.readTextIfExists('/proc/self/mounts')) ?? '');
  for (const d of devs) {
    const why = deviceBusyReason(await deviceChain(fs, d), mounts);
    if (why) return why;
  }
  return undefined;
}

/** The disks behind the by-path links of an iSCSI target at a portal (all its LUNs). */
export async function iscsiTargetDevices(fs: HostFs, byPathPrefix: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await fs.list(BY_PATH_DIR)) {
    if (!name.startsWith(byPathPrefix) || /-part\d+$/.test(name)) continue;
    const dev = await byPathDevice(fs, name);
    if (dev) out.push(dev);
  }
  return out;
}
