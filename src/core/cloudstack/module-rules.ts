// The bounds of the CloudStack agent-module extension: which host paths its uploads and
// directories may touch, which addresses count as a virtual router's, and the small answers
// it builds (dom0 statistics, VNC port), all pure.
import { isIpv4 as isIPv4 } from '../net/ip-util.js';
import { AgentError } from '../errors.js';
import { meminfoToBytes, netDevToCounters, procStatToCpuJiffies } from '../hostinfo/proc-files.js';

/** Where cloudstack.py's uploads, directories and file checks land: repositories, NFS mounts, its own scripts. */
export const MODULE_ROOTS = ['/OVS/Repositories', '/nfsmnt', '/opt/cloudstack'] as const;

/** root's ssh directory: ovs_upload_ssh_key writes the system VM key here (as `~/.ssh` of the stock agent). */
export const SSH_DIR = '/root/.ssh';

/** The key CloudStack uploads and the stock module used to reach virtual routers. */
export const DOMR_KEY = `${SSH_DIR}/id_rsa.cloud`;
export const DOMR_PORT = 3922;

/**
 * A normalised absolute path under one of `roots`, or FORBIDDEN. `..`, `.` and empty
 * components are refused rather than resolved, so the answer never depends on the disk.
 */
export function boundedPath(what: string, p: string, roots: readonly string[] = MODULE_ROOTS): string {
  if (typeof p !== 'string' || !p.startsWith('/') || p.includes('\0')) {
    throw new AgentError('INVALID_ARGUMENT', `${what} must be an absolute path`);
  }
  const parts = p.split('/').filter((s, i, a) => !(s === '' && (i === 0 || i === a.length - 1)));
  if (parts.some((s) => s === '' || s === '.' || s === '..')) {
    throw new AgentError('INVALID_ARGUMENT', `${what} must not contain empty, '.' or '..' components: ${p}`);
  }
  const norm = `/${parts.join('/')}`;
  if (!roots.some((r) => norm === r || norm.startsWith(`${r}/`))) {
    throw new AgentError('FORBIDDEN', `${what} ${norm} is outside the paths the CloudStack module may use (${roots.join(', ')})`);
  }
  return norm;
}

/** One file name: no '/', not '.' or '..', no leading '-'. */
export function fileName(what: string, s: string): string {
  if (!/^[A-Za-z0-9_.+@-]{1,255}$/.test(s) || s === '.' || s === '..' || s.startsWith('-')) {
    throw new AgentError('INVALID_ARGUMENT', `${what} must be one file name (letters, digits, _ . + @ -): ${JSON.stringify(s)}`);
  }
  return s;
}

/** 169.254.0.0/16: the control network CloudStack gives its virtual routers on each host. */
export function isLinkLocal(ip: string): boolean {
  return isIPv4(ip) && ip.startsWith('169.254.');
}

export function requireLinkLocal(what: string, ip: string): string {
  if (!isLinkLocal(ip)) throw new AgentError('FORBIDDEN', `${what} ${JSON.stringify(ip)} is not a link-local (169.254.0.0/16) virtual router address`);
  return ip;
}

/** An IPv4 address or a host name, never something `ping` could read as an option. */
export function hostArg(what: string, s: string): string {
  if (isIPv4(s) || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/.test(s)) return s;
  throw new AgentError('INVALID_ARGUMENT', `${what} must be an IPv4 address or a host name: ${JSON.stringify(s)}`);
}

/** CloudStack's VM names (`i-2-3-VM`, `r-4-VM`, `v-1-VM`): the only domains get_vncport answers for. */
export const CLOUDSTACK_VM_NAME = /\w-(\d+-)?\d+-VM/;

/** The neighbour MAC of `ip` in `ip -j neigh` output, lower case. */
export function neighbourMac(ipNeighJson: string, ip: string): string | undefined {
  let rows: Array<{ dst?: string; lladdr?: string; state?: string[] }> = [];
  try {
    rows = JSON.parse(ipNeighJson || '[]') as typeof rows;
  } catch {
    return undefined;
  }
  const r = rows.find((x) => x.dst === ip && x.lladdr && !(x.state ?? []).includes('FAILED'));
  return r?.lladdr?.toLowerCase();
}

/**
 * ovs_dom0_stats as cloudstack.py builds it: `cpu` = 100 - idle %, `free`/`total` memory in
 * bytes, and for the bridge `tx`/`rx` = the RX-OK/TX-OK packet columns of `netstat -in` (the
 * module's naming, kept). Every value a string.
 */
export function dom0Stats(procStat: string, meminfo: string, netDev: string, bridge: string): Record<string, string> {
  const cpu = procStatToCpuJiffies(procStat);
  const idle = cpu && cpu.total > 0 ? (100 * cpu.idle) / cpu.total : 100;
  const mem = meminfoToBytes(meminfo);
  const dev = netDevToCounters(netDev)[bridge];
  if (!dev) throw new AgentError('NOT_FOUND', `no network device ${bridge}`);
  return {
    cpu: String(Math.round((100 - idle) * 10) / 10),
    free: String(mem.MemAvailable ?? mem.MemFree ?? 0),
    total: String(mem.MemTotal ?? 0),
    tx: String(dev.rxPackets),
    rx: String(dev.txPackets),
  };
}
