// The host (`Linux`) area: discovery documents, boot time, clock, time zone, NTP, logs, system
// disk space and power. Reads go through HostFs; changes through Exec and a ServiceManager.
import * as path from 'node:path';
import type { ServiceDeps } from '../context.js';
import { fail } from '../../core/errors.js';
import { serverInfoToXml } from '../../core/discovery/server-xml.js';
import { hardwareInfoToXml } from '../../core/discovery/hardware-xml.js';
import { lunsToXml, mountedFsToXml } from '../../core/discovery/storage-xml.js';
import { procMountsToMounts, procStatToBootTime } from '../../core/hostinfo/proc-files.js';
import type { DateTimeParts } from '../../core/hostinfo/time-settings.js';
import { readHardwareInfo } from '../../host/hostinfo/hardware-reader.js';
import { readBlockDevices } from '../../host/hostinfo/block-reader.js';
import { statFs } from '../../host/hostinfo/fs-links.js';
import { DEFAULT_TAIL, tailFile, type TailLimits } from '../../host/hostinfo/file-tail.js';
import type { SystemInfoFacade } from '../../host/hostinfo/system-info.js';
import type { HypervisorInfo } from '../../host/hostinfo/hypervisor-probe.js';
import { HostTime } from './host-time.js';
import { HostNtp, type NtpState } from './host-ntp.js';
import { SandboxServiceManager, SystemctlServiceManager, type ServiceManager } from './service-manager.js';
import { gatherServerInfo } from './server-facts.js';

export interface HostServiceDeps extends ServiceDeps {
  /** package.json version. */
  agentVersion: string;
  /** OVM_Version reported to managers; default: config `ovmVersion`. */
  ovmVersion?: string;
  si?: SystemInfoFacade;
  /** Provided by the VM area (libvirt); default probes /proc/xen and /dev/kvm. */
  hypervisor?: () => Promise<HypervisorInfo>;
  /** Provided by the cluster area; default `Offline`. */
  clusterState?: () => Promise<string> | string;
  /** Provided by the cluster area: CLUSTERS/HIGH_AVAILABILITY capabilities. */
  clusterCapable?: () => Promise<boolean> | boolean;
  /** What the agent implements now, for the Capabilities of discover_server (server-facts.ts). */
  implements?: { clusters?: boolean; iscsi?: boolean; fibreChannel?: boolean; nfs?: boolean };
  /** Default: systemctl, or an in-memory stand-in in sandbox mode. */
  serviceManager?: ServiceManager;
  logTail?: TailLimits;
  /** Delay between answering sys_shutdown/sys_reboot and running it. */
  powerDelayMs?: number;
  /** discover_physical_luns: what signature a disk carries (default `blkid -p`). */
  probeSignature?: (device: string) => Promise<string | undefined>;
}

export const MOUNT_TYPES = ['nfs', 'nfs4', 'ocfs2', 'rootfs', 'all'] as const;
export type MountType = (typeof MOUNT_TYPES)[number];

/** get_log names → file. Agent logs live in paths.logDir, a host path under the sysroot like every other. */
const AGENT_LOGS: Record<string, string> = {
  hvagent: 'agent.log',
  'ovs-agent': 'agent.log',
  'vm-events': 'vm-events.log',
  ovmwatch: 'vm-events.log',
  storage: 'storage.log',
  osc: 'storage.log',
};
const SYSTEM_LOGS = ['messages', 'syslog'];
export const LOG_NAMES = [...Object.keys(AGENT_LOGS), ...SYSTEM_LOGS];

export interface DiskSpace {
  path: string;
  device: string;
  type: string;
  total: number;
  used: number;
  free: number;
  available: number;
}

export class HostService {
  readonly time: HostTime;
  readonly ntp: HostNtp;

  constructor(private readonly deps: HostServiceDeps) {
    const services = deps.serviceManager ?? (deps.config.sandbox ? new SandboxServiceManager() : new SystemctlServiceManager(deps.exec));
    this.time = new HostTime(deps);
    this.ntp = new HostNtp(deps, services);
  }

  async discoverServer(): Promise<string> {
    const info = await gatherServerInfo(
      { ...this.deps, ovmVersion: this.deps.ovmVersion ?? this.deps.config.ovmVersion },
      this.time,
      this.ntp,
    );
    return serverInfoToXml(info);
  }

  async discoverHardware(): Promise<string> {
    return hardwareInfoToXml(await readHardwareInfo(this.deps.fs, this.deps.si));
  }

  /**
   * `args` (our reading): empty for every disk that holds no system file system, is not a
   * path/PV under a dm/md device and is not removable (USB sticks), else names or /dev paths (commas or spaces) to report only those.
   */
  async discoverPhysicalLuns(args: string): Promise<string> {
    const want = args
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((a) => a.replace(/^\/dev\//, ''));
    const devs = (await readBlockDevices(this.deps.fs)).filter((d) => !d.system && !d.held && !d.removable && !d.partitioned && !d.mounted);
    const asked = want.length ? devs.filter((d) => want.includes(d.name) || want.includes(d.device.replace(/^\/dev\//, ''))) : devs;
    // Raw disks only: a disk that carries any signature (file system, LVM PV, RAID member,
    // partition table) is somebody's data and never offered.
    const picked = [];
    for (const d of asked) if ((await this.probeSignature(d.device)) === undefined) picked.push(d);
    return lunsToXml(picked.map(({ system: _s, held: _h, partitioned: _p, mounted: _m, ...lun }) => lun));
  }

  /** The signature `blkid -p` finds on a device (TYPE or PTTYPE), undefined for a blank disk. */
  private async probeSignature(device: string): Promise<string | undefined> {
    if (this.deps.probeSignature) return this.deps.probeSignature(device);
    if (this.deps.config.sandbox) return undefined;
    const r = await this.deps.exec.run(['blkid', '-p', '-o', 'export', this.deps.fs.resolve(device)], { allowFail: true, timeoutMs: 10_000 });
    if (r.code === 2) return undefined;
    // A device blkid cannot read is not offered: better to miss a disk than to hand out a used one.
    if (r.code !== 0) return 'unreadable';
    return /^(?:TYPE|PTTYPE)=(\S+)$/m.exec(r.stdout)?.[1] ?? undefined;
  }

  async discoverMountedFileSystems(type: string): Promise<string> {
    if (!(MOUNT_TYPES as readonly string[]).includes(type)) {
      throw fail('INVALID_ARGUMENT', `file system type must be one of ${MOUNT_TYPES.join(', ')}; got ${JSON.stringify(type)}`);
    }
    const mounts = procMountsToMounts((await this.deps.fs.readTextIfExists('/proc/mounts')) ?? '');
    const picked =
      type === 'all' ? mounts : type === 'rootfs' ? mounts.filter((m) => m.dir === '/' || m.type === 'rootfs') : mounts.filter((m) => m.type === type);
    return mountedFsToXml(picked);
  }

  /** Both as <i8> (bigint), as real agents sent them: CloudStack casts each to Long. */
  async getLastBootTime(): Promise<{ last_boot_time: bigint; local_time: bigint }> {
    const boot = procStatToBootTime((await this.deps.fs.readTextIfExists('/proc/stat')) ?? '');
    if (boot === undefined) throw fail('HOST_IO_FAILED', '/proc/stat has no btime line');
    return { last_boot_time: BigInt(boot), local_time: BigInt(Math.floor(this.deps.clock.now() / 1000)) };
  }

  getDatetime(): DateTimeParts {
    return this.time.getDatetime();
  }

  setDatetime(parts: DateTimeParts): Promise<void> {
    return this.time.setDatetime(parts);
  }

  getTimezone(): Promise<[string, boolean]> {
    return this.time.getTimezone();
  }

  setTimezone(tz: string, utc: boolean): Promise<void> {
    return this.time.setTimezone(tz, utc);
  }

  getNtp(): Promise<NtpState> {
    return this.ntp.getNtp();
  }

  setNtp(servers: readonly string[], running: boolean): Promise<void> {
    return this.ntp.setNtp(servers, running);
  }

  enableNtp(): Promise<void> {
    return this.ntp.enableNtp();
  }

  disableNtp(): Promise<void> {
    return this.ntp.disableNtp();
  }

  async getLog(names: readonly string[]): Promise<Record<string, string>> {
    const unknown = names.filter((n) => !LOG_NAMES.includes(n));
    if (unknown.length) {
      throw fail('INVALID_ARGUMENT', `argument 1 (names): unknown log name(s) ${unknown.map((u) => JSON.stringify(u.slice(0, 40))).join(', ')}; known: ${LOG_NAMES.join(', ')}`);
    }
    const limits = this.deps.logTail ?? DEFAULT_TAIL;
    const out: Record<string, string> = {};
    for (const name of names) {
      const file = AGENT_LOGS[name];
      if (file) {
        out[name] = await tailFile(this.deps.fs.resolve(path.posix.join(this.deps.config.paths.logDir, file)), limits);
        continue;
      }
      // `messages` on RHEL-like hosts, `syslog` on Debian: either name reads whichever exists.
      const sys = (await this.deps.fs.exists('/var/log/messages')) ? '/var/log/messages' : '/var/log/syslog';
      out[name] = await tailFile(this.deps.fs.resolve(sys), limits);
    }
    return out;
  }

  async getSystemDiskSpace(): Promise<DiskSpace> {
    const s = await statFs(this.deps.fs, '/');
    const root = procMountsToMounts((await this.deps.fs.readTextIfExists('/proc/mounts')) ?? '')
      .filter((m) => m.dir === '/' && m.type !== 'rootfs')
      .pop();
    return {
      path: '/',
      device: root?.device ?? '',
      type: root?.type ?? '',
      total: s.totalBytes,
      used: s.usedBytes,
      free: s.freeBytes,
      available: s.availableBytes,
    };
  }

  sysShutdown(): void {
    this.schedulePower(['shutdown', '-h', 'now'], 'shutdown');
  }

  sysReboot(): void {
    this.schedulePower(['shutdown', '-r', 'now'], 'reboot');
  }

  private schedulePower(argv: string[], what: string): void {
    const { config, clock, exec, log, events } = this.deps;
    if (config.sandbox) throw fail('DISABLED', `sys_${what} is disabled in sandbox mode`);
    if (!config.power.allowShutdown) throw fail('DISABLED', `sys_${what} is disabled by config (power.allowShutdown: false)`);
    events.emit({ severity: 'warning', object: 'host', code: `HOST_${what.toUpperCase()}`, message: `host ${what} requested by the manager` });
    log.warn({ argv }, `host ${what} scheduled`);
    // Run after the RPC answer has left, so the manager sees success rather than a cut socket.
    clock.setTimeout(() => {
      exec.run(argv, { timeoutMs: 60_000 }).catch((e: unknown) => log.error({ err: e, argv }, `host ${what} failed`));
    }, this.deps.powerDelayMs ?? 2000);
  }
}
