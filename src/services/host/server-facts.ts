// Gathers discover_server's facts: host readers, the agent's own state (ownership, pool,
// roles, statistics interval) and injected answers (hypervisor, cluster state).
import type { ServiceDeps } from '../context.js';
import { STATE_KEYS } from '../context.js';
import type { ServerInfo } from '../../core/discovery/host-info.js';
import { cpuinfoToCpus } from '../../core/hostinfo/cpuinfo.js';
import { procStatToBootTime } from '../../core/hostinfo/proc-files.js';
import { machineIdToUniqueId, macsToUniqueId, usableSmbiosUuid } from '../../core/hostinfo/unique-id.js';
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

async function capabilities(fs: ServerFactsDeps['fs'], hv: HypervisorInfo, can: NonNullable<ServerFactsDeps['implements']>): Promise<ServerInfo['capabilities']> {
  const anyExists = async (...paths: string[]): Promise<boolean> => {
    for (const p of paths) if (await fs.exists(p)) return true;
    return false;
  };
  const ocfs2 = !!can.clusters && (await anyExists('/sbin/mkfs.ocfs2', '/usr/sbin/mkfs.ocfs2'));
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
  };
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
    vmm: { version: hv.version, capabilities: hv.capabilities },
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
    capabilities: await capabilities(fs, hv, deps.implements ?? { nfs: !deps.config.sandbox }),
  };
}
