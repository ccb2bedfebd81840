// oracle.generic.SCSIPlugin.GenericPlugin: the stock generic storage-array (isa) plugin for
// iSCSI and Fibre Channel arrays. It reads and connects; it never administers an array
// (create/resize/clone/snapshots/access groups need a vendor plugin and fault as unsupported).
import type { IsaPlugin, PluginContext, PluginInfo } from '../../../../core/storage/plugin.js';
import type { SeInfo, SeRecordIn, SsInfo, SsRecord } from '../../../../core/storage/records.js';
import { findElement } from '../../../../core/storage/scsi/lun-elements.js';
import type { Exec } from '../../../../host/exec.js';
import type { HostFs } from '../../../../host/host-fs.js';
import { DEFAULT_SCSI_TIMEOUT_MS } from '../../../../host/storage/scsi-exec.js';
import { FcArray } from './fc-array.js';
import { initiatorName, IscsiArray, type Step } from './iscsi-array.js';
import type { Intents } from '../../../intents/intents.js';
import { AgentError, isAgentError } from '../../../../core/errors.js';
import { scsiArrayOf, type ScsiArray } from './scsi-target.js';

export const GENERIC_SCSI_IMPL = 'oracle.generic.SCSIPlugin.GenericPlugin';

export interface GenericScsiDeps {
  exec: Exec;
  /** Host files under the sysroot: /sys, /dev/disk/by-path, /etc/iscsi/initiatorname.iscsi. */
  fs: HostFs;
  /**
   * Where iscsiadm keeps its records when not /etc/iscsi: set it in sandbox mode (e.g.
   * fs.resolve('/etc/iscsi')) so the machine's own open-iscsi database is never touched.
   */
  iscsiRecordDir?: string;
  /** Journals logout/deletePortal (absent only in tests of the array logic alone). */
  intents?: Intents;
}

/** storage_iSCSI_logoutTarget (`target` set) or storage_iSCSI_deletePortal cut short. */
export const INTENT_ISCSI_FORGET = 'iscsi-forget';
interface IscsiForgetIntent {
  portal: string;
  target?: string;
}

const ABILITIES: Record<string, string> = {
  clone: 'NO',
  snapshot: 'NO',
  splitclone: 'NO',
  resize: 'NO',
  access_control: 'NO',
  custom_clone_name: 'NO',
  custom_snap_name: 'NO',
  require_storage_name: 'NO',
  backing_device_type: 'DEVICE_SINGLE',
};

export const GENERIC_SCSI_INFO: PluginInfo = {
  impl_name: GENERIC_SCSI_IMPL,
  plugin_name: 'Oracle Generic SCSI Plugin',
  plugin_desc: 'Generic iSCSI and Fibre Channel storage arrays: discovery, login/logout, LUN listing, rescan',
  plugin_version: '1.0.0',
  vendor_name: 'Oracle',
  plugin_type: 'isa',
  generic_plugin: true,
  storage_types: ['SAN', 'iSCSI'],
  cluster_required: false,
  api_version: '1,2,7',
  abilities: ABILITIES,
};

function timeoutOf(ctx: PluginContext): number {
  return ctx.commandTimeoutMs > 0 ? ctx.commandTimeoutMs : DEFAULT_SCSI_TIMEOUT_MS;
}

export function createGenericScsiPlugin(deps: GenericScsiDeps): IsaPlugin {
  const iscsiWithin = (timeoutMs: number): IscsiArray => new IscsiArray({ exec: deps.exec, fs: deps.fs, timeoutMs, ...(deps.iscsiRecordDir ? { iscsiRecordDir: deps.iscsiRecordDir } : {}) });
  const iscsi = (ctx: PluginContext): IscsiArray => iscsiWithin(timeoutOf(ctx));
  const fc = (ctx: PluginContext): FcArray => new FcArray({ exec: deps.exec, fs: deps.fs, timeoutMs: timeoutOf(ctx) });
  const journaled = async (p: IscsiForgetIntent, fn: (step: Step) => Promise<unknown>): Promise<void> => {
    const intent = deps.intents?.begin<IscsiForgetIntent>(INTENT_ISCSI_FORGET, `iscsi:${p.portal}`, p);
    try {
      await fn((name) => intent?.step(name));
    } finally {
      // A failure refuses before any change or stops at a failed iscsiadm step (reported); only a crash leaves the intent.
      intent?.end();
    }
  };
  if (deps.intents) registerIscsiRecovery(deps.intents, () => iscsiWithin(DEFAULT_SCSI_TIMEOUT_MS));

  const elements = async (ctx: PluginContext, ss: SsRecord, arr: ScsiArray): Promise<SeInfo[]> =>
    arr.kind === 'fc' ? fc(ctx).elements(ss.uuid) : iscsi(ctx).elements(arr.portals, arr.chap, ss.uuid);

  const oneElement = (all: SeInfo[], se: SeRecordIn): SeInfo => {
    const e = findElement(all, se);
    if (!e) throw new AgentError('STORAGE_TARGET_NOT_FOUND', `se_record: no LUN with page83_id/uuid/name ${JSON.stringify((se.page83_id || se.uuid || se.name || se.access_path).slice(0, 120))} on this array`);
    return e;
  };

  const accessGroups = async (ctx: PluginContext, arr: ScsiArray): Promise<Array<{ name: string; grp_entries: string[] }>> => {
    if (arr.kind === 'iscsi') {
      const iqn = await initiatorName(deps.fs);
      return [{ name: iqn, grp_entries: [iqn] }];
    }
    return (await fc(ctx).hbas()).filter((h) => h.wwpn).map((h) => ({ name: h.wwpn!, grp_entries: [h.wwpn!] }));
  };

  const ssInfo = async (ctx: PluginContext, ss: SsRecord, arr: ScsiArray, all: SeInfo[]): Promise<SsInfo> => {
    const total = all.reduce((n, e) => n + e.size, 0);
    return {
      uuid: ss.uuid,
      name: ss.name,
      access_host: arr.kind === 'iscsi' ? arr.portals.map((p) => (p.host.includes(':') ? `[${p.host}]:${p.port}` : `${p.host}:${p.port}`)).join(',') : '',
      storage_type: arr.kind === 'iscsi' ? 'iSCSI' : 'FibreChannel',
      status: 'online',
      total_sz: total,
      free_sz: 0,
      used_sz: total,
      alloc_sz: total,
      access_grps: (await accessGroups(ctx, arr)).map((g) => g.name),
    };
  };

  /** Reachability: iSCSI SendTargets answers with at least one target; FC has an online HBA. */
  const reach = async (ctx: PluginContext, arr: ScsiArray): Promise<void> => {
    if (arr.kind === 'fc') {
      await fc(ctx).onlineHbas();
      return;
    }
    const targets = await iscsi(ctx).targets(arr.portals, arr.chap);
    if (targets.length === 0) throw new AgentError('STORAGE_TARGET_NOT_FOUND', `no iSCSI target is offered at ${arr.portals.map((p) => `${p.host}:${p.port}`).join(', ')}`);
  };

  return {
    kind: 'isa',
    info: GENERIC_SCSI_INFO,

    async getCapabilities() {
      return { ...ABILITIES };
    },

    async validate(ctx, ss) {
      const arr = scsiArrayOf(ss);
      await reach(ctx, arr);
      // Listing logs in to every target: wrong CHAP credentials show here, not at first use.
      return ssInfo(ctx, ss, arr, await elements(ctx, ss, arr));
    },

    async getInfo(ctx, ss, se) {
      const arr = scsiArrayOf(ss);
      const all = await elements(ctx, ss, arr);
      return se ? oneElement(all, se) : ssInfo(ctx, ss, arr, all);
    },

    async getStorageNames(ctx, ss) {
      const arr = scsiArrayOf(ss);
      if (arr.kind === 'fc') return fc(ctx).targetPorts();
      return (await iscsi(ctx).targets(arr.portals, arr.chap)).map((t) => t.target);
    },

    async list(ctx, ss, se) {
      const arr = scsiArrayOf(ss);
      const all = await elements(ctx, ss, arr);
      return se ? [oneElement(all, se)] : all;
    },

    /** Connect: log in to every target (iSCSI, idempotent) or rescan the HBAs (FC), then list. */
    async discover(ctx, ss) {
      const arr = scsiArrayOf(ss);
      if (arr.kind === 'iscsi') await iscsi(ctx).loginAll(arr.portals, arr.chap);
      else await fc(ctx).rescan();
      return elements(ctx, ss, arr);
    },

    /** Rescan for new or resized LUNs (iSCSI sessions or FC hosts), then list. */
    async refresh(ctx, ss, se) {
      const arr = scsiArrayOf(ss);
      if (arr.kind === 'iscsi') await iscsi(ctx).rescan();
      else await fc(ctx).rescan();
      const all = await elements(ctx, ss, arr);
      return se ? [oneElement(all, se)] : all;
    },

    async getAccessGroups(ctx, ss) {
      return accessGroups(ctx, scsiArrayOf(ss));
    },

    async iscsiLogoutTarget(ctx, target, portal) {
      await journaled({ portal, target }, (step) => iscsi(ctx).logoutTarget(target, portal, step));
      return null;
    },

    async iscsiDeletePortal(ctx, portal) {
      await journaled({ portal }, async (step) => {
        const r = await iscsi(ctx).deletePortal(portal, step);
        ctx.log.info({ portal, loggedOut: r.loggedOut, deleted: r.deleted }, 'iSCSI portal forgotten');
      });
      return null;
    },
  };
}

/**
 * Once logging out began, the change is finished: every step is idempotent, and a node record
 * left behind would log the host in again at boot. A LUN found in use now is left logged in.
 */
function registerIscsiRecovery(intents: Intents, array: () => IscsiArray): void {
  intents.register<IscsiForgetIntent>(INTENT_ISCSI_FORGET, async (p, step) => {
    if (step === 'begin') return { outcome: 'rolled-back', detail: 'nothing had been changed' };
    try {
      if (p.target) await array().logoutTarget(p.target, p.portal);
      else await array().deletePortal(p.portal);
    } catch (e) {
      if (isAgentError(e) && e.code === 'STORAGE_DEVICE_IN_USE') return { outcome: 'nothing-to-do', detail: `${e.message.slice(0, 200)}: left as it is` };
      throw e;
    }
    return { outcome: 'rolled-forward', detail: p.target ? `logged out of ${p.target} at ${p.portal} and forgot it` : `forgot portal ${p.portal}` };
  });
}
