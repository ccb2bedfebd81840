// iSCSI names, portals and CHAP credentials as the manager sends them: validated here once
// (bad input is refused naming the argument) and turned into the text forms iscsiadm and
// libiscsi expect. Pure.
import { fail } from '../../errors.js';

export interface Portal {
  /** IPv4 address, host name, or IPv6 address without brackets. */
  host: string;
  port: number;
  /** Target portal group tag when given (`addr:port,tpgt`). */
  tpgt?: number;
}

export interface ChapCredentials {
  username: string;
  password: string;
  /** Mutual CHAP: the target's own credentials (checked by the initiator). */
  targetUsername?: string;
  targetPassword?: string;
}

export const DEFAULT_ISCSI_PORT = 3260;

// RFC 3720 §3.2.6.3: iqn.yyyy-mm.reversed-domain[:anything], eui.<16 hex>, naa.<16 or 32 hex>.
const IQN = /^iqn\.\d{4}-\d{2}\.[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[\x21-\x7e]+)?$/i;
const EUI = /^eui\.[0-9a-f]{16}$/i;
const NAA = /^naa\.(?:[0-9a-f]{16}|[0-9a-f]{32})$/i;
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-f:.]+$/i;

/** An iSCSI name (iqn., eui. or naa.), at most 223 bytes; `what` names the argument in the fault. */
export function parseIscsiName(value: unknown, what = 'target'): string {
  if (typeof value !== 'string' || value.length === 0) throw fail('STORAGE_INVALID', `${what}: an iSCSI name (iqn./eui./naa.) is required`);
  if (value.length > 223 || !(IQN.test(value) || EUI.test(value) || NAA.test(value)) || value.includes('/'))
    throw fail('STORAGE_INVALID', `${what}: ${JSON.stringify(value.slice(0, 80))} is not an iSCSI name (iqn.yyyy-mm.domain[:id], eui.<16 hex>, naa.<hex>)`);
  return value;
}

function checkHost(host: string, what: string, raw: string): string {
  if (IPV4.test(host) || HOSTNAME.test(host)) return host;
  if (host.includes(':') && IPV6.test(host)) return host.toLowerCase();
  throw fail('STORAGE_INVALID', `${what}: ${JSON.stringify(raw.slice(0, 80))} has no valid host`);
}

/** `host`, `host:port`, `host:port,tpgt`, `[v6]:port[,tpgt]`; also iscsiadm's record form `host,port,tpgt`. */
export function parsePortal(value: unknown, what = 'portal'): Portal {
  if (typeof value !== 'string' || value.trim() === '') throw fail('STORAGE_INVALID', `${what}: a portal (address[:port]) is required`);
  const raw = value.trim();
  let rest = raw;
  let tpgt: number | undefined;
  let host: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?(?:,(\d+))?$/.exec(rest);
  if (bracket) {
    host = bracket[1];
    portText = bracket[2];
    if (bracket[3] !== undefined) tpgt = Number(bracket[3]);
  } else {
    const commas = rest.split(',');
    if (commas.length === 3 && !commas[0].includes(':')) {
      // iscsiadm's on-disk form: host,port,tpgt
      [host, portText] = commas;
      tpgt = /^\d+$/.test(commas[2]) ? Number(commas[2]) : NaN;
    } else {
      if (commas.length === 2) {
        tpgt = /^\d+$/.test(commas[1]) ? Number(commas[1]) : NaN;
        rest = commas[0];
      } else if (commas.length > 2) throw fail('STORAGE_INVALID', `${what}: ${JSON.stringify(raw.slice(0, 80))} is not address[:port][,tpgt]`);
      const colons = rest.split(':').length - 1;
      if (colons === 1) [host, portText] = rest.split(':');
      else host = rest; // bare IPv4/host name, or a bare IPv6 address
    }
  }
  const port = portText === undefined ? DEFAULT_ISCSI_PORT : /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw fail('STORAGE_INVALID', `${what}: ${JSON.stringify(raw.slice(0, 80))} has a bad port`);
  if (tpgt !== undefined && (!Number.isInteger(tpgt) || tpgt > 65535)) throw fail('STORAGE_INVALID', `${what}: ${JSON.stringify(raw.slice(0, 80))} has a bad portal group tag`);
  const p: Portal = { host: checkHost(host, what, raw), port };
  if (tpgt !== undefined) p.tpgt = tpgt;
  return p;
}

function hostText(p: Portal): string {
  return p.host.includes(':') ? `[${p.host}]` : p.host;
}

/** `addr:port` as iscsiadm's -p takes it (with `,tpgt` when asked and known). */
export function portalText(p: Portal, withTpgt = false): string {
  return `${hostText(p)}:${p.port}${withTpgt && p.tpgt !== undefined ? `,${p.tpgt}` : ''}`;
}

/** Same portal (tpgt ignored: iscsiadm matches -p on address and port). */
export function samePortal(a: Portal, b: Portal): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

/** libiscsi URL, never with credentials in it (they go through LIBISCSI_CHAP_* variables). */
export function libiscsiUrl(p: Portal, target?: string, lun?: number): string {
  let url = `iscsi://${hostText(p)}:${p.port}`;
  if (target !== undefined) url += `/${target}`;
  if (lun !== undefined) url += `/${lun}`;
  return url;
}

const CHAP_USER = /^[\x21-\x7e]{1,255}$/;

function secretOk(s: string): boolean {
  // Printable, no whitespace: iscsiadm stores records as `key = value` lines.
  return s.length >= 1 && s.length <= 255 && /^[\x21-\x7e]+$/.test(s);
}

/**
 * CHAP credentials from the manager's struct (`{username, password, target_username?,
 * target_password?}`, also the ss_record `chap_*` spellings). undefined when none is given;
 * half a pair is refused. Messages never carry the secret.
 */
export function parseChap(value: unknown, what = 'chap'): ChapCredentials | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw fail('STORAGE_INVALID', `${what}: CHAP credentials must be a struct`);
  const v = value as Record<string, unknown>;
  const pick = (...keys: string[]): unknown => keys.map((k) => v[k]).find((x) => x !== undefined && x !== null && x !== '');
  const user = pick('username', 'user', 'chap_username', 'chap_user');
  const pass = pick('password', 'passwd', 'secret', 'chap_password', 'chap_secret');
  const tUser = pick('target_username', 'username_in', 'mutual_username', 'chap_target_username');
  const tPass = pick('target_password', 'password_in', 'mutual_password', 'chap_target_password');
  if (user === undefined && pass === undefined && tUser === undefined && tPass === undefined) return undefined;
  if (typeof user !== 'string' || !CHAP_USER.test(user)) throw fail('STORAGE_INVALID', `${what}.username: a CHAP user name (printable, no spaces) is required`);
  if (typeof pass !== 'string' || !secretOk(pass)) throw fail('STORAGE_INVALID', `${what}.password: a CHAP secret (1-255 printable characters, no spaces) is required`);
  const c: ChapCredentials = { username: user, password: pass };
  if (tUser !== undefined || tPass !== undefined) {
    if (typeof tUser !== 'string' || !CHAP_USER.test(tUser)) throw fail('STORAGE_INVALID', `${what}.target_username: mutual CHAP needs the target's user name`);
    if (typeof tPass !== 'string' || !secretOk(tPass)) throw fail('STORAGE_INVALID', `${what}.target_password: mutual CHAP needs the target's secret (1-255 printable characters)`);
    c.targetUsername = tUser;
    c.targetPassword = tPass;
  }
  return c;
}

/**
 * The credentials of a discovery session: one-way only. Targets (tgt among them) do not
 * answer mutual CHAP on SendTargets sessions, so the target's secret is checked at login.
 */
export function discoveryChap(c: ChapCredentials | undefined): ChapCredentials | undefined {
  return c ? { username: c.username, password: c.password } : undefined;
}

/** Every secret of a credential set, for redaction of argv and command output. */
export function chapSecrets(c: ChapCredentials | undefined): string[] {
  return c ? [c.password, ...(c.targetPassword ? [c.targetPassword] : [])] : [];
}

/** The text with every secret replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/** The LUN number of a path/URL tail; refuses anything but 0..16383. */
export function parseLun(value: unknown, what = 'lun'): number {
  const n = typeof value === 'string' && /^\d{1,5}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 16383) throw fail('STORAGE_INVALID', `${what}: a LUN number 0-16383 is required`);
  return n;
}

/** `InitiatorName=iqn...` of /etc/iscsi/initiatorname.iscsi; undefined when absent. */
export function parseInitiatorNameFile(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*InitiatorName\s*=\s*(\S+)\s*$/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}

/** The /dev/disk/by-path name udev gives an iSCSI LUN: `ip-10.0.0.5:3260-iscsi-<iqn>-lun-<n>`. */
export function iscsiByPathName(p: Portal, target: string, lun: number): string {
  return `${iscsiByPathPrefix(p, target)}${lun}`;
}

/** The by-path prefix shared by every LUN of a target at a portal. */
export function iscsiByPathPrefix(p: Portal, target: string): string {
  return `ip-${hostText(p)}:${p.port}-iscsi-${target}-lun-`;
}
