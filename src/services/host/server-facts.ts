// Gathers discover_server's facts: host readers, the agent's own state (ownership, pool,
// roles, statistics interval) and injected answers (hypervisor, cluster state).
import type { ServiceDeps } from '../context.js';
import { STATE_KEYS } from '../context.js';
import type { ServerInfo } from '../../core/discovery/host-info.js';
import { cpuinfoToCpus } from '../../core/hostinfo/cpuinfo.js';
import { procStatToBootTime } from '../../core/hostinfo/proc-files.js';
import { machineIdToUniqueId, macsToUniqueId, usableSmbiosUuid } from '../../core/hostinfo/unique-id.js';
import { procVersionToCompileInfo, type CompileInfo } from '../../core/hostinfo/kernel-build.js';
import { readHostname, readKernel, readMachineId, readOs } from '../../host/hostinfo/os-reader.js';
import { readPhysicalMacs } from '../../host/hostinfo/nic-reader.js';
import { probeHypervisor, type HypervisorInfo } from '../../host/hostinfo/hypervisor-probe.js';
import type { HostTime } from './host-time.js';
import type { HostNtp } from './host-ntp.js';

/** The pool record other areas keep at STATE_KEYS.pool. */
export interface PoolState {
  uuid: string;
  alias?: string;
  virtualIp?: string;
  nodeNumber?: number;
  hostname?: string;
  registeredIp?: string;
  memberIps?: string[];
  isMaster?: boolean;
}

export interface ServerFactsDeps extends Pick<ServiceDeps, 'config' | 'log' | 'fs' | 'hostState'> {
  agentVersion: string;
  /** The stock agent release whose wire API we follow (OVM_Version). */
  ovmVersion: string;
  hypervisor?: () => Promise<HypervisorInfo>;
  clusterState?: () => Promise<string> | string;
  /** Whether a clustered pool (OCFS2 cluster, HA) works on this host (the cluster area says); overrides implements.clusters. */
  clusterCapable?: () => Promise<boolean> | boolean;
  /**
   * What the agent itself implements now (the areas that provide it say so). A capability is
   * advertised only when implemented AND its tools are on the host; default: not implemented.
   */
  implements?: { clusters?: boolean; iscsi?: boolean; fibreChannel?: boolean; nfs?: boolean };
}

/** Unique_Id: SMBIOS UUID, else UUIDv5 over the physical NIC MACs, else the machine-id. */
export async function readUniqueId(fs: ServerFactsDeps['fs']): Promise<string> {
  const smbios = usableSmbiosUuid((await fs.readTextIfExists('/sys/class/dmi/id/product_uuid').catch(() => undefined)) ?? '');
  return (
    smbios ??
    macsToUniqueId(await readPhysicalMacs(fs)) ??
    machineIdToUniqueId(await readMachineId(fs)) ??
    '00000000-0000-0000-0000-000000000000'
  );
}

function rolesText(raw: string | undefined): string {
  if (!raw) return '';
  try {
    const v: unknown = JSON.parse(raw);
    if (Array.isArray(v)) return v.map(String).join(',');
    if (typeof v === 'string') return v;
  } catch {
    /* stored as plain text */
  }
  return raw;
}

async function capabilities(
  fs: ServerFactsDeps['fs'],
  hv: HypervisorInfo,
  can: NonNullable<ServerFactsDeps['implements']>,
  clusterCapable?: ServerFactsDeps['clusterCapable'],
): Promise<ServerInfo['capabilities']> {
  const anyExists = async (...paths: string[]): Promise<boolean> => {
    for (const p of paths) if (await fs.exists(p)) return true;
    return false;
  };
  const ocfs2 = clusterCapable ? await clusterCapable() : !!can.clusters && (await anyExists('/sbin/mkfs.ocfs2', '/usr/sbin/mkfs.ocfs2'));
  // Choices (README): storage capabilities need both the agent's support and the tools; bond
  // modes, MTU and consoles are what the agent itself implements; figures follow the stock
  // agent (8 vNICs for an HVM guest, one migration each way at a time).
  return {
    ISCSI: !!can.iscsi && (await anyExists('/sbin/iscsiadm', '/usr/sbin/iscsiadm', '/usr/bin/iscsiadm')),
    FIBRE_CHANNEL: !!can.fibreChannel && (await fs.list('/sys/class/fc_host')).length > 0,
    // NFS repositories are mounted by the agent (not in the sandbox, which mounts nothing).
    NFS: (can.nfs ?? true) && (await anyExists('/sbin/mount.nfs', '/usr/sbin/mount.nfs')),
    CLUSTERS: ocfs2,
    HIGH_AVAILABILITY: ocfs2,
    BOND_MODE_ACTIVE_BACKUP: true,
    BOND_MODE_LINK_AGGREGATION: true,
    BOND_MODE_ADAPTIVE_LOAD_BALANCING: true,
    MTU_CONFIGURATION: true,
    VM_VNC_CONSOLE: hv.type !== 'none',
    VM_SERIAL_CONSOLE: hv.type !== 'none',
    VM_SUSPEND: hv.type !== 'none',
    HVM_MAX_VNICS: 8,
    MAX_CONCURRENT_MIGRATION_IN: 1,
    MAX_CONCURRENT_MIGRATION_OUT: 1,
    LOCAL_STORAGE_ELEMENT: true,
    // Needs ethtool's per-NIC Wake-on-LAN support, which we do not probe.
    POWER_ON_WOL: false,
    // The six real agents also sent: libvirt lets vCPUs outnumber physical CPUs, host-wide and
    // per VM; migrations run one at a time and need no setup step; guest memory is sized in
    // whole MiB; packages come from yum/dnf only where that tool exists.
    ALL_VM_CPU_OVERSUBSCRIBE: true,
    PER_VM_CPU_OVERSUBSCRIBE: true,
    CONCURRENT_MIGRATION: false,
    MIGRATION_SETUP: false,
    VM_MEMORY_ALIGNMENT: 1048576,
    YUM_PACKAGE_MANAGEMENT: await anyExists('/usr/bin/yum', '/usr/bin/dnf'),
  };
}

/** Xen reports its own build in /sys/hypervisor/compilation; a KVM host's is the kernel's. */
async function compileInfo(fs: ServerFactsDeps['fs'], hvType: string): Promise<CompileInfo> {
  if (hvType === 'xen') {
    const r = async (p: string): Promise<string> => ((await fs.readTextIfExists(p).catch(() => undefined)) ?? '').trim();
    const by = await r('/sys/hypervisor/compilation/compiled_by');
    const at = by.indexOf('@');
    return {
      compiler: await r('/sys/hypervisor/compilation/compiler'),
      by: at < 0 ? by : by.slice(0, at),
      domain: at < 0 ? '' : by.slice(at + 1),
      date: await r('/sys/hypervisor/compilation/compile_date'),
    };
  }
  return procVersionToCompileInfo((await fs.readTextIfExists('/proc/version').catch(() => undefined)) ?? '');
}

export async function gatherServerInfo(deps: ServerFactsDeps, time: HostTime, ntp: HostNtp): Promise<ServerInfo> {
  const { fs, hostState } = deps;
  const kernel = await readKernel(fs);
  const os = await readOs(fs);
  const hv = deps.hypervisor ? await deps.hypervisor() : await probeHypervisor(fs, kernel.release);
  const [tz, utc] = await time.getTimezone();
  const [, localTimeSource, ntpRunning] = await ntp.getNtp();
  const manager = hostState.get(STATE_KEYS.managerUuid);
  const pool = hostState.getJson<PoolState>(STATE_KEYS.pool);
  const interval = Number(hostState.get(STATE_KEYS.statisticInterval) ?? deps.config.statistics.interval);
  const cpuType = kernel.machine || cpuinfoToCpus((await fs.readTextIfExists('/proc/cpuinfo')) ?? '').cpus[0]?.vendorId || '';
  return {
    uniqueId: await readUniqueId(fs),
    bootTime: procStatToBootTime((await fs.readTextIfExists('/proc/stat')) ?? '') ?? 0,
    dateTime: { timeZone: tz, utc },
    ntp: { localTimeSource, running: ntpRunning },
    agentVersion: deps.agentVersion,
    rpmVersion: deps.agentVersion,
    ovmVersion: deps.ovmVersion,
    cpuType,
    os: { type: 'Linux', name: os.name, majorVersion: os.major, minorVersion: os.minor },
    hypervisor: { type: hv.type, name: hv.name },
    kernel: { release: kernel.release, version: kernel.version },
    vmm: { version: hv.version, compile: await compileInfo(fs, hv.type), capabilities: hv.capabilities },
    managerCoreApiVersion: deps.ovmVersion.replace(/-/g, '.'),
    poolUniqueId: pool?.uuid ?? '',
    managerUniqueId: manager ?? 'none',
    hostname: await readHostname(fs),
    registeredIp: pool?.registeredIp ?? '',
    nodeNumber: typeof pool?.nodeNumber === 'number' ? pool.nodeNumber : '',
    serverRoles: rolesText(hostState.get(STATE_KEYS.serverRoles)),
    isCurrentMaster: pool?.isMaster === true,
    masterVirtualIp: pool?.virtualIp ?? '',
    membershipState: pool ? 'Pooled' : manager ? 'Owned' : 'Unowned',
    clusterState: deps.clusterState ? await deps.clusterState() : 'Offline',
    statisticInterval: Number.isInteger(interval) && interval >= 0 ? interval : 0,
    exports: [],
    capabilities: await capabilities(fs, hv, deps.implements ?? { nfs: !deps.config.sandbox }, deps.clusterCapable),
  };
}
