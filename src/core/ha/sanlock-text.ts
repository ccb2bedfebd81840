// Reads the text the sanlock 3.8 CLI prints (`client gets -h 1`, `client status`) and builds
// its LOCKSPACE / RESOURCE arguments; names and paths are checked so no argument can smuggle
// a field separator into sanlock's colon-separated syntax.
import { fail } from '../errors.js';
import type { HeldLease, HostLiveness, HostState, LockspaceSpec, ResourceSpec } from './lease-manager.js';

const NAME_RE = /^[A-Za-z0-9._-]{1,48}$/;

export function checkLeaseName(what: string, name: string): string {
  if (!NAME_RE.test(name)) throw fail('HA_INVALID', `${what} "${name}" must be 1-48 characters of letters, digits, '.', '_' or '-'`);
  return name;
}

function checkPath(path: string): string {
  if (!path.startsWith('/') || /[:\s]/.test(path)) throw fail('HA_INVALID', `lease path "${path}" must be absolute, without ':' or spaces`);
  return path;
}

/** `NAME:HOSTID:PATH:0` */
export function lockspaceArg(ls: LockspaceSpec, hostId = ls.hostId): string {
  if (!Number.isInteger(hostId) || hostId < 0 || hostId > 2000) throw fail('HA_INVALID', `host id ${hostId} out of range`);
  return `${checkLeaseName('lockspace', ls.name)}:${hostId}:${checkPath(ls.path)}:0`;
}

/** `LOCKSPACE:NAME:PATH:0` */
export function resourceArg(res: ResourceSpec): string {
  return `${checkLeaseName('lockspace', res.lockspace)}:${checkLeaseName('resource', res.name)}:${checkPath(res.path)}:0`;
}

const LIVENESS: Record<string, HostLiveness> = { LIVE: 'live', FAIL: 'fail', DEAD: 'dead', FREE: 'free', UNKNOWN: 'unknown' };

export interface GetsLockspace {
  name: string;
  hostId: number;
  path: string;
  /** 'ADD' while joining, 'REM' while leaving, '' once joined. */
  flag: string;
  hosts: HostState[];
}

/** `sanlock client gets -h 1`: one `s` line per lockspace, then its `h` lines. */
export function getsToLockspaces(text: string): GetsLockspace[] {
  const out: GetsLockspace[] = [];
  for (const line of text.split('\n')) {
    const s = /^s ([^:\s]+):(\d+):(\S+):\d+\s*(\S*)/.exec(line);
    if (s) {
      out.push({ name: s[1], hostId: Number(s[2]), path: s[3], flag: s[4] ?? '', hosts: [] });
      continue;
    }
    const h = /^h (\d+) gen (\d+) timestamp (\d+) (\w+)/.exec(line);
    if (h && out.length) {
      out[out.length - 1].hosts.push({ hostId: Number(h[1]), generation: Number(h[2]), timestamp: Number(h[3]), liveness: LIVENESS[h[4]] ?? 'unknown' });
    }
  }
  return out;
}

/**
 * `sanlock client status`: `r LS:NAME:PATH:OFF:LVER p PID` lines are the held leases. A line
 * ending in ADD is an acquire still waiting (for instance for a dead owner's lease): not held.
 */
export function statusToHeld(text: string): HeldLease[] {
  const out: HeldLease[] = [];
  for (const line of text.split('\n')) {
    const r = /^r ([^:\s]+):([^:\s]+):\S+ p (\d+)\s*$/.exec(line);
    if (r) out.push({ lockspace: r[1], name: r[2], pid: Number(r[3]) });
  }
  return out;
}

/** The `acquire done <n>` result a failed `client command` prints (negative errno or sanlock code). */
export function acquireResultCode(text: string): number | undefined {
  const m = /acquire done (-?\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** sanlock's SANLK_ACQUIRE_IDLIVE / OWNED / OTHER: the lease belongs to a live host. */
export const LEASE_HELD_CODES: ReadonlySet<number> = new Set([-243, -244, -245]);
