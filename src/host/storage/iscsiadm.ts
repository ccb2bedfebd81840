// open-iscsi through `iscsiadm` on a real host: SendTargets discovery, node records written by
// iscsiadm itself (-o new / -o update, CHAP and mutual CHAP in node.session.auth.*), login and
// logout (both idempotent), node and portal deletion, session rescan. Every run is bounded; a
// login that fails leaves the node records as they were.
import { mkdirSync } from 'node:fs';
import { AgentError } from '../../core/errors.js';
import { chapSecrets, discoveryChap, portalText, redactSecrets, samePortal, type ChapCredentials, type Portal } from '../../core/storage/scsi/iscsi-names.js';
import {
  classifyIscsiadmExit,
  nodeRecordView,
  parseIscsiRecord,
  parsePortalTargetList,
  parseSessionList,
  type IscsiSession,
  type NodeRecordView,
  type PortalTarget,
} from '../../core/storage/scsi/iscsiadm-output.js';
import type { Exec } from '../exec.js';
import { DEFAULT_SCSI_TIMEOUT_MS, runScsi, scsiFault, type ScsiRunResult } from './scsi-exec.js';

export interface IscsiadmDeps {
  exec: Exec;
  timeoutMs?: number;
  /** Path of the binary (tests may point at a stand-in). */
  bin?: string;
  /**
   * Keep the record database in this directory instead of /etc/iscsi (sandbox mode and tests):
   * each run gets a private mount namespace with it bind-mounted on /etc/iscsi, because
   * iscsiadm's database path is compiled in.
   */
  recordDir?: string;
}

const IN_RECORD_DIR = 'mount --bind "$0" /etc/iscsi && exec iscsiadm "$@"';

const AUTH_KEYS = ['authmethod', 'username', 'password', 'username_in', 'password_in'] as const;
type AuthKey = (typeof AUTH_KEYS)[number];

function authValues(chap: ChapCredentials | undefined): Record<AuthKey, string> {
  return {
    authmethod: chap ? 'CHAP' : 'None',
    username: chap?.username ?? '',
    password: chap?.password ?? '',
    username_in: chap?.targetUsername ?? '',
    password_in: chap?.targetPassword ?? '',
  };
}

export class Iscsiadm {
  private readonly timeoutMs: number;
  private readonly bin: string;

  constructor(private readonly deps: IscsiadmDeps) {
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_SCSI_TIMEOUT_MS;
    this.bin = deps.bin ?? 'iscsiadm';
  }

  private argv(args: readonly string[]): string[] {
    const dir = this.deps.recordDir;
    if (dir === undefined) return [this.bin, ...args];
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return ['unshare', '-m', 'sh', '-c', IN_RECORD_DIR, dir, ...args];
  }

  private async run(args: readonly string[], secrets: readonly string[] = []): Promise<ScsiRunResult> {
    const r = await runScsi(this.deps.exec, this.argv(args), { timeoutMs: this.timeoutMs, secrets });
    // Faults and logs name the iscsiadm command, not its namespace wrapper.
    return { ...r, argv: [this.bin, ...args.map((a) => redactSecrets(a, secrets))] };
  }

  /** A failed run as the agent's fault. */
  private fault(what: string, r: ScsiRunResult): AgentError {
    const kind = r.timedOut ? 'timeout' : classifyIscsiadmExit(r.code, r.stderr);
    switch (kind) {
      case 'auth':
        return scsiFault('STORAGE_AUTH_FAILED', `${what}: the target refused the CHAP credentials`, r);
      case 'unreachable':
      case 'timeout':
        return scsiFault('STORAGE_SERVER_UNREACHABLE', `${what}: the portal did not answer`, r);
      case 'no-daemon':
        return scsiFault('STORAGE_COMMAND_FAILED', `${what}: iscsid is not running`, r);
      case 'no-driver':
        return scsiFault('STORAGE_COMMAND_FAILED', `${what}: the iscsi_tcp kernel module is not loaded`, r);
      default:
        return scsiFault('STORAGE_COMMAND_FAILED', what, r);
    }
  }

  /** SendTargets discovery through a discoverydb record carrying the discovery CHAP settings. */
  async discover(portal: Portal, chap?: ChapCredentials): Promise<PortalTarget[]> {
    const p = portalText(portal);
    const base = ['-m', 'discoverydb', '-t', 'sendtargets', '-p', p];
    const existed = (await this.run([...base, '-o', 'show'])).code === 0;
    const undo = async (): Promise<void> => {
      // A discovery that fails leaves no record behind that this call created.
      if (!existed) await this.run([...base, '-o', 'delete']);
    };
    if (!existed) {
      const r0 = await this.run([...base, '-o', 'new']);
      if (r0.code !== 0) throw this.fault(`discovery record for ${p}`, r0);
    }
    const a = authValues(discoveryChap(chap));
    for (const k of AUTH_KEYS) {
      const r = await this.run([...base, '-o', 'update', '-n', `discovery.sendtargets.auth.${k}`, '-v', a[k]], chapSecrets(chap));
      if (r.code !== 0) {
        await undo();
        throw this.fault(`discovery record for ${p}`, r);
      }
    }
    const r = await this.run([...base, '--discover'], chapSecrets(chap));
    if (r.code !== 0) {
      if (classifyIscsiadmExit(r.code, r.stderr) === 'none-found') return [];
      await undo();
      throw this.fault(`SendTargets discovery at ${p}`, r);
    }
    return parsePortalTargetList(r.stdout);
  }

  /** The node record of target at portal, or undefined when there is none. */
  async nodeRecord(target: string, portal: Portal): Promise<NodeRecordView | undefined> {
    const r = await this.run(['-m', 'node', '-T', target, '-p', portalText(portal), '-o', 'show']);
    if (r.code === 0) return nodeRecordView(parseIscsiRecord(r.stdout));
    if (classifyIscsiadmExit(r.code, r.stderr) === 'none-found') return undefined;
    throw this.fault(`node record ${target} at ${portalText(portal)}`, r);
  }

  /** Node records (`-m node`), empty when there are none. */
  async nodes(): Promise<PortalTarget[]> {
    const r = await this.run(['-m', 'node']);
    if (r.code === 0) return parsePortalTargetList(r.stdout);
    if (classifyIscsiadmExit(r.code, r.stderr) === 'none-found') return [];
    throw this.fault('node records', r);
  }

  /** Active sessions, empty when there are none. */
  async sessions(): Promise<IscsiSession[]> {
    const r = await this.run(['-m', 'session']);
    if (r.code === 0) return parseSessionList(r.stdout);
    if (classifyIscsiadmExit(r.code, r.stderr) === 'none-found') return [];
    throw this.fault('iSCSI sessions', r);
  }

  private async setAuth(target: string, p: string, values: Record<AuthKey, string>, secrets: readonly string[]): Promise<void> {
    for (const k of AUTH_KEYS) {
      const r = await this.run(['-m', 'node', '-T', target, '-p', p, '-o', 'update', '-n', `node.session.auth.${k}`, '-v', values[k]], secrets);
      if (r.code !== 0) throw this.fault(`node record ${target} at ${p}`, r);
    }
  }

  /** The record's current auth values, secrets included (`-o show -S`), for a rollback. */
  private async authSnapshot(target: string, p: string): Promise<Record<AuthKey, string> | undefined> {
    const r = await runScsi(this.deps.exec, this.argv(['-m', 'node', '-T', target, '-p', p, '-o', 'show', '-S']), { timeoutMs: this.timeoutMs });
    if (r.code !== 0) return undefined;
    const v = parseIscsiRecord(r.stdout).values;
    const snap = {} as Record<AuthKey, string>;
    for (const k of AUTH_KEYS) snap[k] = v.get(`node.session.auth.${k}`) ?? '';
    if (!snap.authmethod) snap.authmethod = 'None';
    return snap;
  }

  /** Create or update the node record the way iscsiadm does, with startup automatic. Returns whether it was new. */
  async ensureNode(target: string, portal: Portal, chap?: ChapCredentials): Promise<boolean> {
    const p = portalText(portal);
    const existing = await this.nodeRecord(target, portal);
    if (!existing) {
      // With a tpgt iscsiadm writes nodes/<target>/<addr,port,tpgt>/<iface> as discovery does;
      // without one it falls back to an old flat record. 1 is the tag tgt and LIO use.
      const r = await this.run(['-m', 'node', '-o', 'new', '-T', target, '-p', portalText({ ...portal, tpgt: portal.tpgt ?? 1 }, true)]);
      if (r.code !== 0) throw this.fault(`new node record ${target} at ${p}`, r);
    }
    try {
      await this.setAuth(target, p, authValues(chap), chapSecrets(chap));
      const r = await this.run(['-m', 'node', '-T', target, '-p', p, '-o', 'update', '-n', 'node.startup', '-v', 'automatic']);
      if (r.code !== 0) throw this.fault(`node record ${target} at ${p}`, r);
    } catch (e) {
      if (!existing) await this.run(['-m', 'node', '-T', target, '-p', p, '-o', 'delete']);
      throw e;
    }
    return !existing;
  }

  private async hasSession(target: string, portal: Portal): Promise<boolean> {
    return (await this.sessions()).some((s) => s.target === target && samePortal(s.portal, portal));
  }

  /**
   * Log in (idempotent: an existing session is kept and 'already' returned). On failure the node
   * record is put back as it was (deleted when this call created it).
   */
  async login(target: string, portal: Portal, chap?: ChapCredentials): Promise<'logged-in' | 'already'> {
    if (await this.hasSession(target, portal)) return 'already';
    const p = portalText(portal);
    const before = await this.authSnapshot(target, p);
    const created = await this.ensureNode(target, portal, chap);
    const secrets = [...chapSecrets(chap), ...(before ? [before.password, before.password_in].filter(Boolean) : [])];
    const r = await this.run(['-m', 'node', '-T', target, '-p', p, '--login'], secrets);
    if (r.code === 0) return 'logged-in';
    const kind = classifyIscsiadmExit(r.code, r.stderr);
    if (kind === 'exists') return 'already';
    if (created) await this.run(['-m', 'node', '-T', target, '-p', p, '-o', 'delete']);
    else if (before) await this.setAuth(target, p, before, secrets).catch(() => {});
    throw this.fault(`login to ${target} at ${p}`, r);
  }

  /** Log out (idempotent: no session is not an error). Returns whether a session was ended. */
  async logout(target: string, portal: Portal): Promise<boolean> {
    const p = portalText(portal);
    if (!(await this.hasSession(target, portal))) return false;
    const r = await this.run(['-m', 'node', '-T', target, '-p', p, '--logout']);
    if (r.code === 0) return true;
    if (classifyIscsiadmExit(r.code, r.stderr) === 'none-found') return false;
    throw this.fault(`logout from ${target} at ${p}`, r);
  }

  /** Delete the node record (idempotent). Returns whether one was deleted. */
  async deleteNode(target: string, portal: Portal): Promise<boolean> {
    const r = await this.run(['-m', 'node', '-T', target, '-p', portalText(portal), '-o', 'delete']);
    if (r.code === 0) return true;
    if (classifyIscsiadmExit(r.code, r.stderr) === 'none-found') return false;
    throw this.fault(`delete node record ${target} at ${portalText(portal)}`, r);
  }

  /** Delete the SendTargets discovery record of a portal (idempotent). */
  async deleteDiscovery(portal: Portal): Promise<boolean> {
    const r = await this.run(['-m', 'discoverydb', '-t', 'sendtargets', '-p', portalText(portal), '-o', 'delete']);
    if (r.code === 0) return true;
    if (classifyIscsiadmExit(r.code, r.stderr) === 'none-found') return false;
    throw this.fault(`delete discovery record ${portalText(portal)}`, r);
  }

  /** Rescan every session for new or resized LUNs (no sessions: nothing to do). */
  async rescanSessions(): Promise<void> {
    const r = await this.run(['-m', 'session', '--rescan']);
    if (r.code === 0 || classifyIscsiadmExit(r.code, r.stderr) === 'none-found') return;
    throw this.fault('session rescan', r);
  }
}
