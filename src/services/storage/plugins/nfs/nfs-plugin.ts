// oracle.generic.NFSPlugin.GenericNFSPlugin: NFS servers as file systems. Exports are listed
// with the MOUNT protocol (NFSv3) or at the NFSv4 pseudo-root, mounted at /nfsmnt/<fs uuid>
// (twice = once), stamped with .generic_fs_stamp, and files are managed inside the mount.
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import { AgentError } from '../../../../core/errors.js';
import { nfsMountPoint, NFS_MOUNT_ROOT } from '../../../../core/storage/mount-paths.js';
import { checkServerHost, nfsMountOptions, nfsTarget, type NfsTarget } from '../../../../core/storage/nfs.js';
import type { IfsPlugin, PluginContext, PluginInfo } from '../../../../core/storage/plugin.js';
import { fsRecordSchema, ssRecordSchema, type FsInfo, type FsRecord, type SsInfo, type SsRecord } from '../../../../core/storage/records.js';
import type { HostFs } from '../../../../host/host-fs.js';
import type { Mounter } from '../../../../host/mounter.js';
import type { MountTable } from '../../../../host/storage/mount-table.js';
import type { NfsProbe } from '../../../../host/storage/nfs-probe.js';
import type { Statvfs } from '../../../../host/storage/statvfs.js';
import { MountedFiles } from '../mounted-files.js';
import type { Intents } from '../../../intents/intents.js';
import { INTENT_NFS_MOUNT, type FsMountIntent } from '../file-intents.js';

export const NFS_PLUGIN_NAME = 'oracle.generic.NFSPlugin.GenericNFSPlugin';
export const FS_STAMP = '.generic_fs_stamp';

export const NFS_PLUGIN_INFO: PluginInfo = {
  impl_name: NFS_PLUGIN_NAME,
  plugin_name: 'Oracle Generic Network File System',
  plugin_desc: 'Oracle Generic Network File System Storage Connect Plugin',
  plugin_version: '1.1.0',
  vendor_name: 'Oracle',
  plugin_type: 'ifs',
  generic_plugin: true,
  filesys_type: 'NetworkFS',
  filesys_name: 'NFS',
  cluster_required: false,
  api_version: '1,2,7',
  abilities: {
    resize_is_sync: 'YES',
    clone_is_sync: 'YES',
    access_control: 'NO',
    custom_clone_name: 'YES',
    require_storage_name: 'NO',
    backing_device_type: 'UNSUPPORTED',
    splitclone_while_open: 'UNSUPPORTED',
    custom_snap_name: 'UNSUPPORTED',
    snapshot: 'UNSUPPORTED',
    splitclone: 'UNSUPPORTED',
    snap_is_sync: 'UNSUPPORTED',
    snapclone: 'UNSUPPORTED',
    splitclone_is_sync: 'UNSUPPORTED',
    clone: 'OFFLINE',
    resize: 'ONLINE',
    snapclone_is_sync: 'UNSUPPORTED',
  },
};

export interface NfsPluginDeps {
  fs: HostFs;
  mounter: Mounter;
  probe: NfsProbe;
  mounts: MountTable;
  /** Sizes of a mounted directory, bounded in time (a dead hard mount must not hang a status call). */
  statvfs: Statvfs;
  probeTimeoutMs: number;
  intents: Intents;
}

/** A stable dashed uuid for an export of a server (the stock plugin named exports by uuid too). */
export function exportUuid(host: string, exp: string): string {
  const h = createHash('sha1').update(`nfs:${host}:${exp}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function requireFsUuid(fs: FsRecord): string {
  if (!fs.uuid) throw new AgentError('STORAGE_INVALID', 'fs_record.uuid (dashed) is required');
  return fs.uuid;
}

export function createNfsPlugin(deps: NfsPluginDeps): IfsPlugin {
  const files = new MountedFiles(deps.fs, deps.intents);
  const probe = { timeoutMs: deps.probeTimeoutMs };

  const stampText = (uuid: string, t: NfsTarget) => `uuid=${uuid}\naccess_path=${t.source}\n`;

  async function readStampUuid(mp: string): Promise<string | undefined> {
    const text = await deps.fs.readTextIfExists(`${mp}/${FS_STAMP}`).catch(() => undefined);
    return text ? /^uuid=(\S+)$/m.exec(text)?.[1] : undefined;
  }

  async function mounted(mp: string): Promise<boolean> {
    return (await deps.mounts()).some((m) => m.dir === mp);
  }

  /**
   * A mount cut short: when the kernel has it (the export asked for), it is finished by writing
   * the stamp, as the manager's retry would; otherwise its empty mount point goes.
   */
  deps.intents.register<FsMountIntent>(INTENT_NFS_MOUNT, async (p) => {
    const entry = (await deps.mounts()).find((m) => m.dir === p.mp);
    if (entry && p.uuid && p.source && (entry.device === p.source || (await readStampUuid(p.mp)) === p.uuid)) {
      if ((await readStampUuid(p.mp)) !== undefined) return { outcome: 'rolled-forward', detail: `${p.mp} is mounted and stamped` };
      try {
        await deps.fs.writeAtomic(`${p.mp}/${FS_STAMP}`, `uuid=${p.uuid}\naccess_path=${p.source}\n`, 0o644);
        return { outcome: 'rolled-forward', detail: `wrote the ${FS_STAMP} of ${p.mp}` };
      } catch {
        await deps.mounter.unmount(deps.fs.resolve(p.mp), false);
      }
    } else if (entry) {
      return { outcome: 'nothing-to-do', detail: `${p.mp} holds ${entry.device}, not this mount: left alone` };
    }
    if (p.created) await fsp.rmdir(deps.fs.resolve(p.mp)).catch(() => {});
    return { outcome: 'rolled-back', detail: `${p.source ?? p.mp} is not mounted` };
  });

  /**
   * The mount root of a file system at /nfsmnt/<uuid>. Managers also name files through another
   * mount of the same export (mapped onto this mount and back in the answer), or through a mount
   * of an export directory above it on the same server: CloudStack creates volumes under
   * /OVS/Repositories/<id> (host:/path) through the file system of host:/path/VirtualMachines,
   * as the stock plugin allowed. Such a path is used as it is, confined to that mount.
   */
  async function requireMounted(fs: FsRecord, ss?: SsRecord) {
    const uuid = requireFsUuid(fs);
    const mp = nfsMountPoint(uuid);
    const table = await deps.mounts();
    const own = table.find((m) => m.dir === mp);
    if (!own) throw new AgentError('STORAGE_NOT_MOUNTED', `file system ${uuid} is not mounted at ${mp}`);
    let source: string | undefined;
    try {
      source = targetOf(ss ?? ssRecordSchema.parse({}), fs).source;
    } catch {
      // No access_path in the record (CloudStack's create): the export this mount shows.
      source = /^[^/:]+:\//.test(own.device) ? own.device : undefined;
    }
    const others = source ? table.filter((m) => m.dir !== mp && m.dir !== '/') : [];
    const aliases = others.filter((m) => m.device === source).map((m) => m.dir);
    // Parents by what this mount really is (the table), not by what the record claims.
    const actual = /^[^/:]+:\//.test(own.device) ? own.device : source;
    const parents = others.filter((m) => /^[^/:]+:\//.test(m.device) && actual!.startsWith(m.device.replace(/\/+$/, '') + '/')).map((m) => m.dir);
    let used: string | undefined;
    /** Where a named path is handled: the mount root it is confined to, and the path there. */
    const at = (p: string): { root: string; path: string } => {
      const a = aliases.find((d) => p.startsWith(d + '/'));
      if (a) {
        used = a;
        return { root: mp, path: mp + p.slice(a.length) };
      }
      const up = parents.find((d) => p.startsWith(d + '/'));
      return { root: up ?? mp, path: p };
    };
    const out = <T extends { file_path: string }>(r: T): T => (used && r.file_path.startsWith(mp + '/') ? { ...r, file_path: used + r.file_path.slice(mp.length) } : r);
    return { mp, uuid, at, out };
  }

  async function fsInfo(ss: SsRecord, fs: FsRecord, uuid: string, t: NfsTarget): Promise<FsInfo> {
    const mp = nfsMountPoint(uuid);
    const entry = (await deps.mounts()).find((m) => m.dir === mp);
    let size = 0;
    let free = 0;
    if (entry) ({ size, free } = await deps.statvfs(deps.fs.resolve(mp)));
    return {
      uuid,
      ss_uuid: ss.uuid || fs.ss_uuid,
      name: `nfs:${t.export}`,
      access_path: t.source,
      size,
      free_sz: free,
      state: entry ? 1 : 2,
      status: entry ? 'mounted' : 'unmounted',
      mount_options: entry ? entry.options.split(',') : fs.mount_options,
      access_grp_names: fs.access_grp_names,
    };
  }

  /** Exports by MOUNT protocol, else (NFSv4-only servers) the pseudo-root's directories. */
  async function exportsOf(host: string): Promise<string[]> {
    try {
      return (await deps.probe.exportsV3(host, probe)).map((e) => e.path);
    } catch (v3) {
      try {
        return await deps.probe.pseudoRootV4(host, probe);
      } catch {
        throw v3;
      }
    }
  }

  async function ssInfo(ss: SsRecord): Promise<SsInfo> {
    const host = checkServerHost(ss.access_host);
    await exportsOf(host);
    return {
      uuid: ss.uuid,
      name: ss.name || host,
      access_host: host,
      storage_type: 'FileSys',
      status: 'online',
      total_sz: 0,
      free_sz: 0,
      used_sz: 0,
      alloc_sz: 0,
      access_grps: [],
      storage_desc: ss.storage_desc,
    };
  }

  const targetOf = (ss: SsRecord, fs: FsRecord, share?: string) => nfsTarget(fs.access_path, ss.access_host, share, fs.name);

  return {
    kind: 'ifs',
    info: NFS_PLUGIN_INFO,
    longOps: ['clone', 'resize', 'create'],

    validate: async (_ctx, ss) => ssInfo(ss),
    getInfo: async (_ctx, ss) => ssInfo(ss),
    getCapabilities: async () => ({ ...NFS_PLUGIN_INFO.abilities }),
    getStorageNames: async (_ctx, ss) => exportsOf(checkServerHost(ss.access_host)),

    async listFileSystems(_ctx, ss) {
      const host = checkServerHost(ss.access_host);
      // An export already mounted here keeps the uuid it was mounted under (from the mount
      // table, or from its stamp when the table shows no NFS source).
      const mountedAs = new Map<string, string>();
      for (const m of await deps.mounts()) {
        if (!m.dir.startsWith(`${NFS_MOUNT_ROOT}/`)) continue;
        const stamp = await deps.fs.readTextIfExists(`${m.dir}/${FS_STAMP}`).catch(() => undefined);
        const source = /^access_path=(\S+)$/m.exec(stamp ?? '')?.[1] ?? m.device;
        mountedAs.set(source, m.dir.slice(NFS_MOUNT_ROOT.length + 1));
      }
      const out: FsInfo[] = [];
      for (const exp of await exportsOf(host)) {
        const t = { host, export: exp, source: `${host}:${exp}` };
        out.push(await fsInfo(ss, fsRecordSchema.parse({ ss_uuid: ss.uuid, access_path: t.source }), mountedAs.get(t.source) ?? exportUuid(host, exp), t));
      }
      return out;
    },
    async discover(ctx, ss) {
      return (await this.listFileSystems?.(ctx, ss, undefined)) ?? [];
    },
    async getFileSystemInfo(_ctx, ss, fs) {
      return fsInfo(ss, fs, requireFsUuid(fs), targetOf(ss, fs));
    },
    async refresh(_ctx, ss, fs) {
      return fs ? fsInfo(ss, fs, requireFsUuid(fs), targetOf(ss, fs)) : null;
    },
    async listMountPoints(_ctx, ss, fs) {
      const host = ss.access_host || (fs ? targetOf(ss, fs).host : '');
      const source = fs && fs.access_path ? targetOf(ss, fs).source : undefined;
      const table = await deps.mounts();
      const byStamp = fs?.uuid ? nfsMountPoint(fs.uuid) : undefined;
      return table
        .filter((m) => (source ? m.device === source : host !== '' && m.device.startsWith(`${host}:`)) || m.dir === byStamp)
        .map((m) => m.dir);
    },

    async mount(ctx, ss, fs, mountPoint, share, _active, options) {
      const uuid = requireFsUuid(fs);
      const t = targetOf(ss, fs, share);
      const mp = nfsMountPoint(uuid);
      // CloudStack sends /nfsmnt/<uuid>; a bare /nfsmnt gets the uuid appended, as it does.
      const asked = mountPoint.replace(/\/+$/, '');
      if (asked !== mp && asked !== NFS_MOUNT_ROOT) throw new AgentError('STORAGE_BAD_PATH', `mount_point must be ${mp} (the generic NFS plugin mounts at ${NFS_MOUNT_ROOT}/<fs uuid>): ${mountPoint}`);
      const opts = nfsMountOptions([...fs.mount_options, ...options]);
      const entry = (await deps.mounts()).find((m) => m.dir === mp);
      if (entry) {
        // Twice = once: the same file system already there is success; anything else is a conflict.
        if (entry.device === t.source || (await readStampUuid(mp)) === uuid) {
          // A mount that a crash left without its stamp is finished by the manager's retry.
          if ((await readStampUuid(mp)) === undefined) await deps.fs.writeAtomic(`${mp}/${FS_STAMP}`, stampText(uuid, t), 0o644);
          return fsInfo(ss, fs, uuid, t);
        }
        throw new AgentError('STORAGE_DEVICE_IN_USE', `${mp} already has ${entry.device} mounted`);
      }
      const created = !(await deps.fs.exists(mp));
      // mkdir, mount, stamp: a crash between them is put right at start (see the recovery above).
      const intent = deps.intents.begin<FsMountIntent>(INTENT_NFS_MOUNT, `mount:${mp}`, { mp, created, uuid, source: t.source });
      try {
        await deps.fs.mkdirp(mp, 0o755);
        intent.step('mounting');
        try {
          ctx.log.info({ source: t.source, mp, options: opts }, 'mounting NFS export');
          await deps.mounter.mount({ kind: 'nfs', host: t.host, export: t.export, source: t.source }, deps.fs.resolve(mp), opts);
        } catch (e) {
          if (created) await fsp.rmdir(deps.fs.resolve(mp)).catch(() => {});
          throw e;
        }
        intent.step('stamping');
        try {
          if ((await readStampUuid(mp)) === undefined) await deps.fs.writeAtomic(`${mp}/${FS_STAMP}`, stampText(uuid, t), 0o644);
        } catch (e) {
          // All or nothing: a mount whose stamp cannot be written (read-only export) is undone.
          await deps.mounter.unmount(deps.fs.resolve(mp), false).catch(() => {});
          if (created) await fsp.rmdir(deps.fs.resolve(mp)).catch(() => {});
          throw new AgentError('STORAGE_MOUNT_FAILED', `${t.source} mounted but ${FS_STAMP} could not be written (read-only export?): ${(e as Error).message}`);
        }
      } finally {
        // A failure here undid its own steps above; only a crash leaves the intent behind.
        intent.end();
      }
      return fsInfo(ss, fs, uuid, t);
    },

    async unmount(ctx, _ss, fs, mountPoint, force) {
      const uuid = requireFsUuid(fs);
      const mp = nfsMountPoint(uuid);
      if (mountPoint && mountPoint.replace(/\/+$/, '') !== mp) throw new AgentError('STORAGE_BAD_PATH', `mount_point must be ${mp}: ${mountPoint}`);
      if (await mounted(mp)) {
        ctx.log.info({ mp, force: !!force }, 'unmounting NFS export');
        await deps.mounter.unmount(deps.fs.resolve(mp), force ?? false);
      }
      await fsp.rmdir(deps.fs.resolve(mp)).catch(() => {});
      return null;
    },

    async create(_ctx, ss, fs, p, type, size) {
      const m = await requireMounted(fs, ss);
      const w = m.at(p);
      return m.out(await files.create(w.root, m.uuid, w.path, type, size));
    },
    async getFileInfo(_ctx, ss, fs, rec) {
      const m = await requireMounted(fs, ss);
      const w = m.at(rec.file_path);
      return m.out(await files.info(w.root, m.uuid, { ...rec, file_path: w.path }));
    },
    async destroy(_ctx, ss, fs, rec) {
      const m = await requireMounted(fs, ss);
      const w = m.at(rec.file_path);
      await files.destroy(w.root, { ...rec, file_path: w.path });
      return null;
    },
    async resize(_ctx, ss, fs, rec, size) {
      const m = await requireMounted(fs, ss);
      const w = m.at(rec.file_path);
      return m.out(await files.resize(w.root, m.uuid, { ...rec, file_path: w.path }, size));
    },
    async clone(ctx: PluginContext, ss, fs, src, dest) {
      const m = await requireMounted(fs, ss);
      const w = m.at(src.file_path);
      // The copy stays in the mount its source is in.
      const to = typeof dest === 'string' ? m.at(dest).path : { ...dest, file_path: m.at(dest.file_path).path };
      return m.out(await files.clone(w.root, m.uuid, { ...src, file_path: w.path }, to, ctx));
    },
    async list(_ctx, ss, fs, dir) {
      const m = await requireMounted(fs, ss);
      const w = dir ? m.at(dir) : { root: m.mp, path: undefined };
      return (await files.list(w.root, m.uuid, w.path)).map(m.out);
    },
  };
}
