// Generic NFS plugin, pure parts: server and export names, the mount options a manager may
// ask for (checked against a list, with the defaults of a hypervisor host: hard mounts,
// bounded retries), and the parsers of `showmount -e` and `nfs-ls` output.
import { fail } from '../errors.js';

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*\.?|\d{1,3}(?:\.\d{1,3}){3}|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f]*:[0-9A-Fa-f:.]+)$/;

/** A server name or address fit for argv and URLs (no user@, no options, no spaces). */
export function checkServerHost(host: string, what = 'ss_record.access_host'): string {
  const h = host.trim();
  if (h === '') throw fail('STORAGE_INVALID', `${what} is required (the NFS server's name or address)`);
  if (h.length > 253 || !HOST.test(h)) throw fail('STORAGE_INVALID', `${what} is not a host name or IP address: ${JSON.stringify(h.slice(0, 80))}`);
  return h;
}

/** An export path: absolute, clean, no control characters. */
export function checkExportPath(p: string, what = 'export'): string {
  if (!p.startsWith('/') || /[\0\r\n\s]/.test(p)) throw fail('STORAGE_INVALID', `${what} must be an absolute path without spaces: ${JSON.stringify(p.slice(0, 200))}`);
  const parts = p.split('/').filter(Boolean);
  if (parts.some((c) => c === '.' || c === '..')) throw fail('STORAGE_INVALID', `${what} may not contain '.' or '..': ${p}`);
  return '/' + parts.join('/');
}

export interface NfsTarget {
  host: string;
  export: string;
  /** host:/export, as mount(8) takes it. */
  source: string;
}

/**
 * Where the file system is: fs_record.access_path (`host:/export`), else the server's
 * access_host with share_path or fs_record.name (`nfs:/export`).
 */
export function nfsTarget(accessPath: string, accessHost: string, sharePath?: string, fsName?: string): NfsTarget {
  const ap = accessPath.trim();
  let host: string;
  let exp: string;
  const m = /^(\[[^\]]+\]|[^:/\s]+):(\/.*)$/.exec(ap);
  if (m) {
    host = m[1];
    exp = m[2];
  } else if (ap !== '') {
    throw fail('STORAGE_INVALID', `fs_record.access_path must be host:/export: ${JSON.stringify(ap.slice(0, 200))}`);
  } else {
    host = accessHost;
    const fromName = fsName?.startsWith('nfs:') ? fsName.slice(4) : undefined;
    exp = sharePath || fromName || '';
    if (exp === '') throw fail('STORAGE_INVALID', 'fs_record.access_path (host:/export) is required');
  }
  host = checkServerHost(host, 'fs_record.access_path host');
  exp = checkExportPath(exp, 'fs_record.access_path export');
  return { host, export: exp, source: `${host}:${exp}` };
}

const FLAG_OPTIONS = new Set(['hard', 'soft', 'intr', 'nointr', 'ro', 'rw', 'noatime', 'nodiratime', 'relatime', 'lock', 'nolock', 'ac', 'noac', 'sync', 'async', 'cto', 'nocto', 'bg', 'fg', 'sharecache', 'nosharecache', 'resvport', 'noresvport', '_netdev', 'nosuid', 'nodev', 'noexec']);
const VALUE_OPTIONS: Record<string, RegExp> = {
  vers: /^(3|4|4\.0|4\.1|4\.2)$/,
  nfsvers: /^(3|4|4\.0|4\.1|4\.2)$/,
  timeo: /^\d{1,6}$/,
  retrans: /^\d{1,3}$/,
  retry: /^\d{1,5}$/,
  rsize: /^\d{1,8}$/,
  wsize: /^\d{1,8}$/,
  actimeo: /^\d{1,6}$/,
  acregmin: /^\d{1,6}$/,
  acregmax: /^\d{1,6}$/,
  acdirmin: /^\d{1,6}$/,
  acdirmax: /^\d{1,6}$/,
  proto: /^(tcp|udp|tcp6|udp6|rdma)$/,
  mountproto: /^(tcp|udp)$/,
  port: /^\d{1,5}$/,
  mountport: /^\d{1,5}$/,
  sec: /^(sys|krb5|krb5i|krb5p|none)$/,
  namlen: /^\d{1,4}$/,
  local_lock: /^(all|flock|posix|none)$/,
  lookupcache: /^(all|none|pos|positive)$/,
};

/** Defaults for a VM store: hard mounts (no silent I/O errors in guests), 60 s timeo, 2 retries. */
export const NFS_DEFAULT_OPTIONS = ['hard', 'timeo=600', 'retrans=2'] as const;

/**
 * The options given (any of NFS version, hard/soft, timeouts, sizes, ...) merged over the
 * defaults; an option not in the list is refused, never passed to mount(8).
 */
export function nfsMountOptions(given: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const d of NFS_DEFAULT_OPTIONS) out.set(d.split('=')[0] === 'hard' ? 'hardness' : d.split('=')[0], d);
  for (const raw of given) {
    const o = raw.trim();
    if (o === '') continue;
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    const val = eq < 0 ? undefined : o.slice(eq + 1);
    if (val === undefined && FLAG_OPTIONS.has(key)) {
      const slot = key === 'hard' || key === 'soft' ? 'hardness' : key === 'ro' || key === 'rw' ? 'access' : key;
      out.set(slot, key);
    } else if (val !== undefined && VALUE_OPTIONS[key]?.test(val)) {
      out.set(key === 'nfsvers' ? 'vers' : key, key === 'nfsvers' ? `vers=${val}` : `${key}=${val}`);
    } else {
      throw fail('STORAGE_INVALID', `mount option ${JSON.stringify(o.slice(0, 80))} is not accepted (NFS version, hard/soft, timeo, retrans, sizes, proto, sec, ...)`);
    }
  }
  return [...out.values()];
}

export interface ExportLine {
  path: string;
  clients: string;
}

/** `showmount -e [--no-headers] host`: one export per line, `path  client,client`. */
export function parseShowmount(stdout: string): ExportLine[] {
  const out: ExportLine[] = [];
  for (const line of stdout.split('\n')) {
    if (line.trim() === '' || line.startsWith('Export list for')) continue;
    const m = /^(\/\S*)\s*(.*)$/.exec(line.trimEnd());
    if (m) out.push({ path: m[1], clients: m[2].trim() });
  }
  return out;
}

/** `nfs-ls nfs://host/?version=4`: `ls -l`-like lines; the directories are the pseudo-root's entries. */
export function parseNfsLsDirs(stdout: string): string[] {
  const out: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^d\S*\s+\d+\s+\S+\s+\S+\s+\d+\s+(.+)$/.exec(line.trimEnd());
    if (m && m[1] !== '.' && m[1] !== '..') out.push('/' + m[1]);
  }
  return out;
}

/** Why a probe of the server failed, in words a manager's admin can act on. */
export function probeFailureReason(stderr: string, timedOut: boolean): string {
  if (timedOut) return 'no answer before the time limit (server down or unreachable)';
  const s = stderr.replace(/\s+/g, ' ').trim();
  if (/Program not registered/i.test(s)) return 'the server runs no NFSv3 MOUNT service (Program not registered)';
  if (/unreachable/i.test(s)) return 'network unreachable';
  if (/Connection refused|Unable to receive|Unable to send|connect\(\) to server failed/i.test(s)) return 'connection refused (no NFS service answering)';
  if (/Unknown host|Name or service not known|resolve/i.test(s)) return 'unknown host';
  if (/ACCES|Permission denied|not permitted/i.test(s)) return 'access denied by the server';
  return s.slice(0, 200) || 'no reason given';
}
