// SendTargets discovery and LUN inquiry from userspace with libiscsi's tools (iscsi-ls,
// iscsi-inq, iscsi-readcapacity16): no session, no kernel initiator, so it works on any host
// and reads what the array itself reports (size, vendor, product, serial, page-83 ids). CHAP
// credentials travel in LIBISCSI_CHAP_* variables, never in argv or URLs.
import { AgentError } from '../../core/errors.js';
import { chapSecrets, discoveryChap, libiscsiUrl, portalText, type ChapCredentials, type Portal } from '../../core/storage/scsi/iscsi-names.js';
import {
  classifyLibiscsiError,
  parseDeviceIdPage,
  parseIscsiLs,
  parseReadCapacity16,
  parseStdInquiry,
  parseUnitSerial,
  type LsTarget,
} from '../../core/storage/scsi/libiscsi-output.js';
import { lunWwid } from '../../core/storage/scsi/vpd.js';
import type { Exec } from '../exec.js';
import { DEFAULT_SCSI_TIMEOUT_MS, runScsi, scsiFault, type ScsiRunResult } from './scsi-exec.js';

export interface LibiscsiDeps {
  exec: Exec;
  /** The initiator name to present (the host's, from /etc/iscsi/initiatorname.iscsi). */
  initiatorName: () => Promise<string>;
  timeoutMs?: number;
}

export interface ProbedLun {
  target: string;
  portal: Portal;
  lun: number;
  type: string;
  vendor: string;
  product: string;
  revision: string;
  serial: string;
  /** scsi_id-style WWID from page 0x83 ('' when the LUN reports none readable). */
  page83: string;
  size: number;
  blockSize: number;
}

function chapEnv(chap: ChapCredentials | undefined): Record<string, string> {
  if (!chap) return {};
  const env: Record<string, string> = { LIBISCSI_CHAP_USERNAME: chap.username, LIBISCSI_CHAP_PASSWORD: chap.password };
  if (chap.targetUsername && chap.targetPassword) {
    env.LIBISCSI_CHAP_TARGET_USERNAME = chap.targetUsername;
    env.LIBISCSI_CHAP_TARGET_PASSWORD = chap.targetPassword;
  }
  return env;
}

export class LibiscsiProbe {
  private readonly timeoutMs: number;

  constructor(private readonly deps: LibiscsiDeps) {
    this.timeoutMs = deps.timeoutMs ?? DEFAULT_SCSI_TIMEOUT_MS;
  }

  private async run(tool: string, args: readonly string[], chap: ChapCredentials | undefined): Promise<ScsiRunResult> {
    const iqn = await this.deps.initiatorName();
    // The TCP connect is bounded too (SYN retries), not only the whole run.
    const env = { ...chapEnv(chap), LIBISCSI_TCP_SYNCNT: '2' };
    return runScsi(this.deps.exec, [tool, '-i', iqn, ...args], { timeoutMs: this.timeoutMs, secrets: chapSecrets(chap), env });
  }

  private fault(what: string, r: ScsiRunResult, chap: ChapCredentials | undefined): AgentError {
    if (r.timedOut) return scsiFault('STORAGE_SERVER_UNREACHABLE', `${what}: no answer`, r);
    switch (classifyLibiscsiError(r.stderr + r.stdout)) {
      case 'auth':
        return scsiFault(chap ? 'STORAGE_AUTH_FAILED' : 'STORAGE_CREDENTIALS_MISSING', chap ? `${what}: the target refused the CHAP credentials` : `${what}: the target requires CHAP credentials`, r);
      case 'target-auth':
        return scsiFault('STORAGE_AUTH_FAILED', `${what}: mutual CHAP failed (the target's answer did not match target_username/target_password)`, r);
      case 'unreachable':
        return scsiFault('STORAGE_SERVER_UNREACHABLE', `${what}: the portal did not answer`, r);
      case 'no-target':
        return scsiFault('STORAGE_TARGET_NOT_FOUND', `${what}: no such target at this portal`, r);
      case 'no-lun':
        return scsiFault('STORAGE_TARGET_NOT_FOUND', `${what}: no such LUN`, r);
      default:
        return scsiFault('STORAGE_COMMAND_FAILED', what, r);
    }
  }

  /** SendTargets: the targets a portal offers, with their portals (no login). */
  async sendTargets(portal: Portal, chap?: ChapCredentials): Promise<LsTarget[]> {
    const r = await this.run('iscsi-ls', [libiscsiUrl(portal)], discoveryChap(chap));
    const targets = parseIscsiLs(r.stdout);
    if (r.code !== 0 && targets.length === 0) throw this.fault(`SendTargets discovery at ${portalText(portal)}`, r, chap);
    return targets;
  }

  /**
   * Every target of a portal with its LUN numbers and types, in one `iscsi-ls -s` (a target
   * that refuses the login is a fault). iscsi-ls -s runs a SendTargets session first, so it
   * gets one-way credentials; the inquiries log in with the full (mutual) set.
   */
  async listPortal(portal: Portal, chap?: ChapCredentials): Promise<LsTarget[]> {
    const r = await this.run('iscsi-ls', ['-s', libiscsiUrl(portal)], discoveryChap(chap));
    const targets = parseIscsiLs(r.stdout);
    if (targets.length === 0 && r.code !== 0) throw this.fault(`LUN listing at ${portalText(portal)}`, r, chap);
    const bad = targets.find((t) => t.error !== undefined);
    if (bad) throw this.fault(`LUN listing of ${bad.target}`, { ...r, stderr: `${bad.error}\n${r.stderr}` }, chap);
    return targets;
  }

  /** The disk LUNs of one target, each inquired (size, ids). */
  async listLuns(portal: Portal, target: string, chap?: ChapCredentials): Promise<ProbedLun[]> {
    const t = (await this.listPortal(portal, chap)).find((x) => x.target === target);
    if (!t) throw new AgentError('STORAGE_TARGET_NOT_FOUND', `LUN listing: ${portalText(portal)} offers no target ${target}`);
    return this.inquireAll(portal, t, chap);
  }

  /** Inquire every disk LUN (peripheral type DIRECT_ACCESS) of a listed target. */
  async inquireAll(portal: Portal, t: LsTarget, chap?: ChapCredentials): Promise<ProbedLun[]> {
    const out: ProbedLun[] = [];
    for (const l of t.luns) if (l.type === 'DIRECT_ACCESS') out.push(await this.inquire(portal, t.target, l.lun, chap));
    return out;
  }

  /** Standard inquiry, unit serial (0x80), device identification (0x83) and READ CAPACITY(16). */
  async inquire(portal: Portal, target: string, lun: number, chap?: ChapCredentials): Promise<ProbedLun> {
    const url = libiscsiUrl(portal, target, lun);
    const what = `inquiry of ${target} LUN ${lun}`;
    const std = await this.run('iscsi-inq', [url], chap);
    if (std.code !== 0) throw this.fault(what, std, chap);
    const inq = parseStdInquiry(std.stdout);
    // libiscsi's iscsi-inq parses -c as decimal only: 128 = 0x80, 131 = 0x83.
    const p80 = await this.run('iscsi-inq', ['-e', '1', '-c', '128', url], chap);
    const p83 = await this.run('iscsi-inq', ['-e', '1', '-c', '131', url], chap);
    const cap = await this.run('iscsi-readcapacity16', [url], chap);
    if (cap.code !== 0) throw this.fault(what, cap, chap);
    const c = parseReadCapacity16(cap.stdout);
    if (!c) throw new AgentError('STORAGE_COMMAND_FAILED', `${what}: READ CAPACITY(16) gave no size`);
    const ids = p83.code === 0 ? parseDeviceIdPage(p83.stdout).filter((d) => d.codeSet !== 1).map((d) => ({ ...d, value: d.text })) : [];
    return {
      target,
      portal,
      lun,
      type: inq.deviceType,
      vendor: inq.vendor,
      product: inq.product,
      revision: inq.revision,
      serial: (p80.code === 0 ? parseUnitSerial(p80.stdout) : undefined) ?? '',
      page83: lunWwid(ids) ?? '',
      size: Number(c.size),
      blockSize: c.blockSize,
    };
  }
}
