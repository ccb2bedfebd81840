// What open-iscsi's iscsiadm (2.1.x) prints: `# BEGIN RECORD` key = value records (node and
// discovery), the `portal,tpgt target` lists of `-m node` and `-m discovery`, the session list,
// and its exit codes (include/iscsi_err.h). Pure.
import { parsePortal, type Portal } from './iscsi-names.js';

/** iscsiadm's exit codes that callers act on. */
export const ISCSI_ERR = {
  SESS_NOT_FOUND: 2,
  TRANS: 4,
  LOGIN: 5,
  IDBM: 6,
  TRANS_TIMEOUT: 8,
  LOGOUT: 10,
  PDU_TIMEOUT: 11,
  TRANS_NOT_FOUND: 12,
  ACCESS: 13,
  SESS_EXISTS: 15,
  ISCSID_COMM_ERR: 18,
  FATAL_LOGIN: 19,
  ISCSID_NOTCONN: 20,
  NO_OBJS_FOUND: 21,
  LOGIN_AUTH_FAILED: 24,
} as const;

export interface IscsiRecord {
  /** Record version from `# BEGIN RECORD 2.1.8`. */
  version?: string;
  /** Every key, in file order; `<empty>` read as ''. */
  values: Map<string, string>;
}

/** One `# BEGIN RECORD ... # END RECORD` block (`-o show` output or a record file). */
export function parseIscsiRecord(text: string): IscsiRecord {
  const values = new Map<string, string>();
  let version: string | undefined;
  for (const line of text.split('\n')) {
    const begin = /^#\s*BEGIN RECORD\s+(\S+)/.exec(line);
    if (begin) {
      version = begin[1];
      continue;
    }
    if (line.startsWith('#') || !line.includes('=')) continue;
    const i = line.indexOf('=');
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (key) values.set(key, value === '<empty>' ? '' : value);
  }
  return version === undefined ? { values } : { version, values };
}

/** iscsiadm masks secrets in `-o show` as `********`; the record says only "one is set". */
export const MASKED = '********';

export interface NodeAuth {
  method: 'None' | 'CHAP';
  username?: string;
  passwordSet: boolean;
  usernameIn?: string;
  passwordInSet: boolean;
}

export interface NodeRecordView {
  target: string;
  tpgt?: number;
  portal?: Portal;
  startup?: string;
  iface?: string;
  auth: NodeAuth;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

/** The fields of a node record the agent uses. */
export function nodeRecordView(rec: IscsiRecord): NodeRecordView {
  const v = rec.values;
  const view: NodeRecordView = {
    target: v.get('node.name') ?? '',
    auth: {
      method: v.get('node.session.auth.authmethod') === 'CHAP' ? 'CHAP' : 'None',
      passwordSet: nonEmpty(v.get('node.session.auth.password')) !== undefined,
      passwordInSet: nonEmpty(v.get('node.session.auth.password_in')) !== undefined,
    },
  };
  const tpgt = v.get('node.tpgt');
  if (tpgt && /^-?\d+$/.test(tpgt)) view.tpgt = Number(tpgt);
  const addr = nonEmpty(v.get('node.conn[0].address'));
  const port = nonEmpty(v.get('node.conn[0].port'));
  if (addr && port) view.portal = { host: addr, port: Number(port) };
  const startup = nonEmpty(v.get('node.startup'));
  if (startup) view.startup = startup;
  const iface = nonEmpty(v.get('iface.iscsi_ifacename'));
  if (iface) view.iface = iface;
  const user = nonEmpty(v.get('node.session.auth.username'));
  if (user) view.auth.username = user;
  const userIn = nonEmpty(v.get('node.session.auth.username_in'));
  if (userIn) view.auth.usernameIn = userIn;
  return view;
}

export interface PortalTarget {
  portal: Portal;
  target: string;
}

/**
 * `-m node` and `-m discovery -t st` lines: `127.0.0.1:3260,1 iqn...` (IPv6 as `[addr]:port,1`).
 * Lines that are not of this form (warnings) are skipped.
 */
export function parsePortalTargetList(text: string): PortalTarget[] {
  const out: PortalTarget[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+:\d+,-?\d+)\s+(\S+)\s*$/.exec(line);
    if (!m) continue;
    try {
      out.push({ portal: parsePortal(m[1].replace(/,-1$/, '')), target: m[2] });
    } catch {
      // not a portal: a message line
    }
  }
  return out;
}

export interface IscsiSession {
  transport: string;
  sid: number;
  portal: Portal;
  target: string;
}

/** `-m session`: `tcp: [1] 10.0.0.5:3260,1 iqn.x (non-flash)`. */
export function parseSessionList(text: string): IscsiSession[] {
  const out: IscsiSession[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+):\s+\[(\d+)\]\s+(\S+:\d+,-?\d+)\s+(\S+)/.exec(line);
    if (!m) continue;
    try {
      out.push({ transport: m[1], sid: Number(m[2]), portal: parsePortal(m[3].replace(/,-1$/, '')), target: m[4] });
    } catch {
      // not a session line
    }
  }
  return out;
}

/** How a failed iscsiadm run reads: the agent maps these to its own faults. */
export type IscsiadmFailure = 'none-found' | 'auth' | 'unreachable' | 'no-daemon' | 'no-driver' | 'exists' | 'timeout' | 'other';

export function classifyIscsiadmExit(code: number, stderr: string): IscsiadmFailure {
  switch (code) {
    case ISCSI_ERR.NO_OBJS_FOUND:
    case ISCSI_ERR.SESS_NOT_FOUND:
      return 'none-found';
    case ISCSI_ERR.LOGIN_AUTH_FAILED:
      return 'auth';
    case ISCSI_ERR.SESS_EXISTS:
      return 'exists';
    case ISCSI_ERR.ISCSID_NOTCONN:
    case ISCSI_ERR.ISCSID_COMM_ERR:
      return 'no-daemon';
    case ISCSI_ERR.TRANS_NOT_FOUND:
      return 'no-driver';
    case ISCSI_ERR.TRANS_TIMEOUT:
    case ISCSI_ERR.PDU_TIMEOUT:
      return 'timeout';
    case ISCSI_ERR.TRANS:
      return 'unreachable';
    default:
      if (/authenticat/i.test(stderr)) return 'auth';
      if (/connection refused|no route to host|connect to .* failed|cannot make connection/i.test(stderr)) return 'unreachable';
      return 'other';
  }
}
