// The iSCSI half of the generic SCSI plugin: targets and LUNs read from the array itself
// (libiscsi SendTargets and inquiry, no session needed), sessions and node records through
// iscsiadm, and each LUN matched to its /dev/disk/by-path device and multipath map.
import { AgentError } from '../../../../core/errors.js';
import type { SeInfo } from '../../../../core/storage/records.js';
import { iscsiByPathName, iscsiByPathPrefix, parseInitiatorNameFile, parseIscsiName, parsePortal, portalText, samePortal, type ChapCredentials, type Portal } from '../../../../core/storage/scsi/iscsi-names.js';
import { buildStorageElements, type LunSighting } from '../../../../core/storage/scsi/lun-elements.js';
import type { Exec } from '../../../../host/exec.js';
import type { HostFs } from '../../../../host/host-fs.js';
import { Iscsiadm } from '../../../../host/storage/iscsiadm.js';
import { LibiscsiProbe, type ProbedLun } from '../../../../host/storage/libiscsi-probe.js';
import { byPathDevice, devicesBusy, iscsiTargetDevices, MultipathReader, settleUdev } from '../../../../host/storage/scsi-devices.js';

export const INITIATOR_NAME_FILE = '/etc/iscsi/initiatorname.iscsi';

export interface IscsiToolsDeps {
  exec: Exec;
  fs: HostFs;
  timeoutMs: number;
  /** iscsiadm record database directory instead of /etc/iscsi (sandbox mode). */
  iscsiRecordDir?: string;
}

/** The host's initiator name (the generic plugin's access group); a missing one is a clear fault. */
export async function initiatorName(fs: HostFs): Promise<string> {
  const text = await fs.readTextIfExists(INITIATOR_NAME_FILE);
  const name = text === undefined ? undefined : parseInitiatorNameFile(text);
  if (!name) throw new AgentError('STORAGE_COMMAND_FAILED', `${INITIATOR_NAME_FILE} has no InitiatorName (install open-iscsi or run iscsi-iname)`);
  return name;
}

/** Records the step reached (an intent's), before the effect that follows it. */
export type Step = (name: string) => void;
const noStep: Step = () => {};

export interface IscsiTarget {
  target: string;
  portals: Portal[];
}

export class IscsiArray {
  readonly iscsiadm: Iscsiadm;
  readonly probe: LibiscsiProbe;
  private readonly multipath: MultipathReader;

  constructor(private readonly deps: IscsiToolsDeps) {
    this.iscsiadm = new Iscsiadm({ exec: deps.exec, timeoutMs: deps.timeoutMs, ...(deps.iscsiRecordDir ? { recordDir: deps.iscsiRecordDir } : {}) });
    this.probe = new LibiscsiProbe({ exec: deps.exec, timeoutMs: deps.timeoutMs, initiatorName: () => initiatorName(deps.fs) });
    this.multipath = new MultipathReader({ exec: deps.exec, timeoutMs: deps.timeoutMs });
  }

  /** SendTargets on every portal; a target offered on several portals is listed once. */
  async targets(portals: readonly Portal[], chap?: ChapCredentials): Promise<IscsiTarget[]> {
    const out: IscsiTarget[] = [];
    for (const p of portals) {
      for (const t of await this.probe.sendTargets(p, chap)) {
        const known = out.find((x) => x.target === t.target);
        // Reach the target where we asked (with the portal group tag it advertises there); the
        // other portals it advertises may be on networks this host does not reach.
        const tag = t.portals.find((x) => samePortal(x, p))?.tpgt;
        const reach = [tag === undefined ? p : { ...p, tpgt: tag }, ...t.portals.filter((x) => !samePortal(x, p))];
        if (known) known.portals.push(...reach.filter((x) => !known.portals.some((k) => samePortal(k, x))));
        else out.push({ target: t.target, portals: reach });
      }
    }
    return out;
  }

  /**
   * Every LUN of every target, one element per LUN (several sightings fold into one). One
   * `iscsi-ls -s` per portal; each LUN is inquired once, at the first portal that shows it.
   */
  async elements(portals: readonly Portal[], chap: ChapCredentials | undefined, ssUuid: string): Promise<SeInfo[]> {
    const inquired = new Map<string, ProbedLun[]>();
    const sightings: LunSighting[] = [];
    for (const p of portals) {
      for (const t of await this.probe.listPortal(p, chap)) {
        let luns = inquired.get(t.target);
        if (!luns) {
          luns = await this.probe.inquireAll(p, t, chap);
          inquired.set(t.target, luns);
        }
        for (const l of luns) {
          const byPath = iscsiByPathName(p, t.target, l.lun);
          const dev = await byPathDevice(this.deps.fs, byPath);
          const s: LunSighting = {
            transport: 'iscsi',
            lun: l.lun,
            wwid: l.page83,
            vendor: l.vendor,
            product: l.product,
            serial: l.serial,
            size: l.size,
            blockSize: l.blockSize,
            target: t.target,
            portal: portalText(p),
          };
          if (dev) {
            s.dev = dev;
            s.byPath = `/dev/disk/by-path/${byPath}`;
          }
          sightings.push(s);
        }
      }
    }
    const mp = sightings.some((s) => s.dev) ? await this.multipath.read() : { available: false, maps: [] };
    return buildStorageElements(sightings, mp.maps, ssUuid);
  }

  /** Log in to every target on the portals asked (idempotent), then rescan the sessions. */
  async loginAll(portals: readonly Portal[], chap?: ChapCredentials): Promise<void> {
    const targets = await this.targets(portals, chap);
    for (const t of targets)
      for (const p of portals) {
        const at = t.portals.find((y) => samePortal(p, y));
        if (at) await this.iscsiadm.login(t.target, at, chap);
      }
    await this.rescan();
  }

  /** Rescan every session for new or resized LUNs and let udev make their links. */
  async rescan(): Promise<void> {
    await this.iscsiadm.rescanSessions();
    await settleUdev(this.deps.exec, this.deps.timeoutMs);
  }

  /** Refuse (changing nothing) when a LUN of target at portal is mounted or its map is held. */
  private async refuseIfBusy(target: string, portal: Portal): Promise<void> {
    const devs = await iscsiTargetDevices(this.deps.fs, iscsiByPathPrefix(portal, target));
    const why = await devicesBusy(this.deps.fs, devs);
    if (why) throw new AgentError('STORAGE_DEVICE_IN_USE', `${target} at ${portalText(portal)} is in use: ${why}; nothing was logged out`);
  }

  /** storage_iSCSI_logoutTarget: end the session (if any) and forget the node record, so it is not logged in again at boot. */
  async logoutTarget(targetArg: string, portalArg: string, step: Step = noStep): Promise<void> {
    const target = parseIscsiName(targetArg, 'target');
    const portal = parsePortal(portalArg, 'portal');
    await this.refuseIfBusy(target, portal);
    step('logging-out');
    await this.iscsiadm.logout(target, portal);
    step('deleting');
    await this.iscsiadm.deleteNode(target, portal);
  }

  /**
   * storage_iSCSI_deletePortal: log out of every session on the portal, then delete its node
   * records and its discovery record. Every session is checked for use first, and logouts
   * come before deletions: a busy LUN or a failed logout leaves every record in place.
   */
  async deletePortal(portalArg: string, step: Step = noStep): Promise<{ loggedOut: string[]; deleted: string[] }> {
    const portal = parsePortal(portalArg, 'portal');
    const sessions = (await this.iscsiadm.sessions()).filter((s) => samePortal(s.portal, portal));
    for (const s of sessions) await this.refuseIfBusy(s.target, portal);
    step('logging-out');
    const loggedOut: string[] = [];
    for (const s of sessions) {
      await this.iscsiadm.logout(s.target, portal);
      loggedOut.push(s.target);
    }
    step('deleting');
    const deleted: string[] = [];
    for (const n of await this.iscsiadm.nodes()) {
      if (!samePortal(n.portal, portal)) continue;
      if (await this.iscsiadm.deleteNode(n.target, portal)) deleted.push(n.target);
    }
    await this.iscsiadm.deleteDiscovery(portal);
    return { loggedOut, deleted };
  }
}
