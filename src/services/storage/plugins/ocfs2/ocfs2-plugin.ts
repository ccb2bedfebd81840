// oracle.ocfs2.OCFS2.OCFS2Plugin: OCFS2 on a LUN or an image file. createFileSystem runs
// mkfs.ocfs2 (cluster stack and name, label, sizes, slots, global heartbeat), listFileSystems
// reads `mounted.ocfs2 -d`, getFileSystemInfo `tunefs.ocfs2 -Q`; mounts need the cluster online.
import * as fsp from 'node:fs/promises';
import { AgentError } from '../../../../core/errors.js';
import { mkfsOcfs2Argv, ocfs2MountOptions, type MountedOcfs2 } from '../../../../core/storage/ocfs2.js';
import { fsCreateOptionsSchema, type IfsPlugin, type PluginInfo } from '../../../../core/storage/plugin.js';
import type { FsInfo, FsRecord, SsRecord } from '../../../../core/storage/records.js';
import type { HostFs } from '../../../../host/host-fs.js';
import type { Mounter } from '../../../../host/mounter.js';
import type { MountTable } from '../../../../host/storage/mount-table.js';
import type { Ocfs2Tools } from '../../../../host/storage/ocfs2-tools.js';
import type { Statvfs } from '../../../../host/storage/statvfs.js';
import { MountedFiles } from '../mounted-files.js';
import type { Intents } from '../../../intents/intents.js';
import { INTENT_OCFS2_MKFS, INTENT_OCFS2_MOUNT, type FsMountIntent } from '../file-intents.js';

export const OCFS2_PLUGIN_NAME = 'oracle.ocfs2.OCFS2.OCFS2Plugin';

export const OCFS2_PLUGIN_INFO: PluginInfo = {
  impl_name: OCFS2_PLUGIN_NAME,
  plugin_name: 'Oracle OCFS2 File system',
  plugin_desc: 'Oracle OCFS2 File system Storage Connect Plugin',
  plugin_version: '0.1.0-38',
  vendor_name: 'Oracle',
  plugin_type: 'ifs',
  generic_plugin: false,
  filesys_type: 'LocalFS',
  filesys_name: 'ocfs2',
  cluster_required: true,
  api_version: '1,2,7',
  abilities: {
    resize_is_sync: 'YES',
    clone_is_sync: 'YES',
    access_control: 'NO',
    custom_clone_name: 'YES',
    require_storage_name: 'NO',
    backing_device_type: 'DEVICE_SINGLE',
    splitclone_while_open: 'NO',
    custom_snap_name: 'UNSUPPORTED',
    snapshot: 'UNSUPPORTED',
    splitclone: 'UNSUPPORTED',
    snap_is_sync: 'UNSUPPORTED',
    snapclone: 'UNSUPPORTED',
    splitclone_is_sync: 'NO',
    clone: 'ONLINE',
    resize: 'ONLINE',
    snapclone_is_sync: 'UNSUPPORTED',
  },
};

/** Where OCFS2 file systems may be mounted: repositories and the pool file system. */
export const OCFS2_MOUNT_ROOTS = ['/OVS/Repositories', '/poolfsmnt'];

export interface Ocfs2PluginDeps {
  fs: HostFs;
  mounter: Mounter;
  mounts: MountTable;
  tools: Ocfs2Tools;
  commandTimeoutMs: number;
  /** Sizes of a mounted directory, bounded in time (a hung cluster must not hang a status call). */
  statvfs: Statvfs;
  intents: Intents;
  /** Provided by the cluster area: the o2cb cluster is up and heartbeating on this host. */
  clusterOnline: () => Promise<boolean>;
}

function cleanDevicePath(p: string, what: string): string {
  const parts = p.split('/').filter(Boolean);
  if (!p.startsWith('/') || /[\0\r\n]/.test(p) || parts.some((c) => c === '.' || c === '..') || parts.length === 0) {
    throw new AgentError('STORAGE_BAD_PATH', `${what} must be a clean absolute path (a /dev device or an image file): ${JSON.stringify(p.slice(0, 200))}`);
  }
  return '/' + parts.join('/');
}

function checkMountPoint(raw: string): string {
  const p = cleanDevicePath(raw, 'mount_point');
  const root = p.slice(0, p.lastIndexOf('/'));
  if (!OCFS2_MOUNT_ROOTS.includes(root)) throw new AgentError('STORAGE_BAD_PATH', `mount_point must be ${OCFS2_MOUNT_ROOTS.map((r) => `${r}/<id>`).join(' or ')}: ${raw}`);
  return p;
}

export function createOcfs2Plugin(deps: Ocfs2PluginDeps): IfsPlugin {
  const t = deps.commandTimeoutMs;
  const files = new MountedFiles(deps.fs, deps.intents);
  registerOcfs2Recoveries(deps);

  /** The device (host path) the fs_record names; it must exist and be a block device or a file. */
  async function deviceOf(fs: FsRecord, given?: string): Promise<{ host: string; real: string }> {
    const raw = given || fs.backing_device || fs.access_path;
    if (!raw) throw new AgentError('STORAGE_INVALID', 'backing_device (or fs_record.backing_device / access_path) is required: the LUN or image file');
    const host = cleanDevicePath(raw, 'backing_device');
    const real = deps.fs.resolve(host);
    const st = await fsp.stat(real).catch(() => undefined);
    if (!st) throw new AgentError('STORAGE_FILE_NOT_FOUND', `${host} does not exist`);
    if (!st.isBlockDevice() && !st.isFile()) throw new AgentError('STORAGE_INVALID', `${host} is neither a block device nor an image file`);
    return { host, real };
  }

  async function mountOf(dev: { host: string; real: string }) {
    const realDev = await fsp.realpath(dev.real).catch(() => dev.real);
    return (await deps.mounts()).find((m) => m.device === dev.host || m.device === realDev || m.device === dev.real);
  }

  async function describe(ss: SsRecord, dev: { host: string; real: string }, known?: MountedOcfs2): Promise<FsInfo> {
    const q = await deps.tools.query(dev.real, t);
    const m = await mountOf(dev);
    let free = 0;
    if (m) free = (await deps.statvfs(deps.fs.resolve(m.dir))).free;
    const extra: Record<string, string | number | boolean> = { label: q.label, slots: q.slots, cluster_size: q.clusterSize, device: dev.host };
    if (known) Object.assign(extra, { cluster_stack: known.stack, cluster_name: known.cluster, global_heartbeat: known.globalHeartbeat });
    return {
      uuid: q.uuid,
      ss_uuid: ss.uuid,
      name: q.label || `ocfs2:${dev.host}`,
      access_path: dev.host,
      size: await deps.tools.size(dev.real, t),
      free_sz: free,
      state: m ? 1 : 2,
      status: m ? 'mounted' : 'unmounted',
      mount_options: m ? m.options.split(',') : [],
      access_grp_names: [],
      extra_info: extra,
    };
  }

  async function mountedRoot(fs: FsRecord): Promise<{ dir: string; uuid: string }> {
    const dev = await deviceOf(fs);
    const m = await mountOf(dev);
    if (!m) throw new AgentError('STORAGE_NOT_MOUNTED', `the OCFS2 file system on ${dev.host} is not mounted`);
    return { dir: m.dir, uuid: fs.uuid };
  }

  return {
    kind: 'ifs',
    info: OCFS2_PLUGIN_INFO,
    longOps: ['createFileSystem', 'clone', 'resize', 'create'],

    getCapabilities: async () => ({ ...OCFS2_PLUGIN_INFO.abilities }),

    async createFileSystem(ctx, ss, fs, backing, options) {
      const o = options ?? fsCreateOptionsSchema.parse({});
      const dev = await deviceOf(fs, backing);
      const plan = mkfsOcfs2Argv(dev.real, o, fs.uuid || undefined); // bad options refused before any effect
      if (await mountOf(dev)) throw new AgentError('STORAGE_DEVICE_IN_USE', `${dev.host} is mounted`);
      const swaps = (await deps.fs.readTextIfExists('/proc/swaps')) ?? '';
      if (swaps.split('\n').some((l) => l.split(/\s+/)[0] === dev.host)) throw new AgentError('STORAGE_DEVICE_IN_USE', `${dev.host} is in use as swap`);
      const existing = await deps.tools.probeType(dev.real, t);
      if (existing && !o.force) throw new AgentError('STORAGE_DEVICE_IN_USE', `${dev.host} already holds ${existing}; pass options.force to re-format it`);
      ctx.progress(0.05, `mkfs.ocfs2 on ${dev.host}`);
      ctx.log.info({ argv: plan.argv }, 'creating OCFS2 file system');
      // A crash once mkfs began is undone (the half-made signature wiped) so the retry needs no
      // force. A mkfs that fails here reports its own fault and wipes nothing: it may have
      // refused before writing, and the device then still holds what it held.
      const intent = deps.intents.begin<Ocfs2MkfsIntent>(INTENT_OCFS2_MKFS, `device:${dev.host}`, { device: dev.host });
      try {
        intent.step('formatting');
        await deps.tools.mkfs(plan, t);
      } finally {
        intent.end();
      }
      ctx.progress(0.9, 'reading back');
      const known = (await deps.tools.listDevices(t).catch(() => [])).find((d) => d.device === dev.real || d.device === dev.host);
      return describe(ss, dev, known);
    },

    async listFileSystems(_ctx, ss) {
      const out: FsInfo[] = [];
      for (const d of await deps.tools.listDevices(t)) {
        // mounted.ocfs2 scans the real /dev: its names are real paths.
        out.push(await describe(ss, { host: d.device, real: d.device }, d).catch(() => ({
          uuid: d.uuid, ss_uuid: ss.uuid, name: d.label, access_path: d.device, size: 0, free_sz: 0, state: 2, status: 'unreadable',
          mount_options: [], access_grp_names: [], extra_info: { cluster_stack: d.stack, cluster_name: d.cluster, global_heartbeat: d.globalHeartbeat },
        })));
      }
      return out;
    },

    async getFileSystemInfo(_ctx, ss, fs) {
      const dev = await deviceOf(fs);
      const known = (await deps.tools.listDevices(t).catch(() => [])).find((d) => d.device === dev.real || d.device === dev.host);
      return describe(ss, dev, known);
    },

    async listMountPoints(_ctx, _ss, fs) {
      const table = (await deps.mounts()).filter((m) => m.type === 'ocfs2');
      if (!fs) return table.map((m) => m.dir);
      const dev = await deviceOf(fs);
      const m = await mountOf(dev);
      return m ? [m.dir] : [];
    },

    async mount(ctx, ss, fs, mountPoint, _share, _active, options) {
      const mp = checkMountPoint(mountPoint);
      const opts = ocfs2MountOptions([...fs.mount_options, ...options]);
      const dev = await deviceOf(fs);
      const m = await mountOf(dev);
      if (m) {
        if (m.dir === mp) return describe(ss, dev); // twice = once
        throw new AgentError('STORAGE_DEVICE_IN_USE', `${dev.host} is already mounted at ${m.dir}`);
      }
      if (!(await deps.clusterOnline())) throw new AgentError('CLUSTER_OFFLINE', `cannot mount OCFS2 on ${dev.host}: the cluster is not online on this host`);
      const start: FsMountIntent = { mp, created: !(await deps.fs.exists(mp)) };
      // The mount point folder and the mount: a crash between them is put right at start.
      await deps.intents.run(INTENT_OCFS2_MOUNT, `mount:${mp}`, start, async (intent) => {
        await deps.fs.mkdirp(mp, 0o755);
        intent.step('mounting');
        ctx.log.info({ device: dev.host, mp, options: opts }, 'mounting OCFS2');
        await deps.mounter.mount({ kind: 'block', device: dev.real }, deps.fs.resolve(mp), opts);
      });
      return describe(ss, dev);
    },

    async unmount(ctx, _ss, fs, mountPoint, force) {
      const dev = await deviceOf(fs);
      const m = await mountOf(dev);
      if (!m) return null; // twice = once
      if (mountPoint && checkMountPoint(mountPoint) !== m.dir) throw new AgentError('STORAGE_BAD_PATH', `${dev.host} is mounted at ${m.dir}, not ${mountPoint}`);
      ctx.log.info({ device: dev.host, mp: m.dir }, 'unmounting OCFS2');
      await deps.mounter.unmount(deps.fs.resolve(m.dir), force ?? false);
      return null;
    },

    async destroyFileSystem(ctx, _ss, fs) {
      const dev = await deviceOf(fs);
      if (await mountOf(dev)) throw new AgentError('STORAGE_DEVICE_IN_USE', `${dev.host} is mounted: unmount it first`);
      const q = await deps.tools.query(dev.real, t); // refuses a device without OCFS2
      if (fs.uuid && fs.uuid !== q.uuid) throw new AgentError('STORAGE_INVALID', `fs_record.uuid ${fs.uuid} does not match the file system on ${dev.host} (${q.uuid})`);
      ctx.log.info({ device: dev.host, uuid: q.uuid }, 'destroying OCFS2 file system');
      await deps.tools.wipe(dev.real, t);
      return null;
    },

    async create(_ctx, _ss, fs, p, type, size) {
      const r = await mountedRoot(fs);
      return files.create(r.dir, r.uuid, p, type, size);
    },
    async getFileInfo(_ctx, _ss, fs, rec) {
      const r = await mountedRoot(fs);
      return files.info(r.dir, r.uuid, rec);
    },
    async destroy(_ctx, _ss, fs, rec) {
      const r = await mountedRoot(fs);
      await files.destroy(r.dir, rec);
      return null;
    },
    async resize(_ctx, _ss, fs, rec, size) {
      const r = await mountedRoot(fs);
      return files.resize(r.dir, r.uuid, rec, size);
    },
    async clone(ctx, _ss, fs, src, dest) {
      const r = await mountedRoot(fs);
      return files.clone(r.dir, r.uuid, src, dest, ctx);
    },
    async list(_ctx, _ss, fs, dir) {
      const r = await mountedRoot(fs);
      return files.list(r.dir, r.uuid, dir);
    },
  };
}

interface Ocfs2MkfsIntent {
  device: string;
}

/**
 * A mount cut short is finished when the kernel has it (the retry is "twice = once" either way),
 * else its empty mount point goes. A mkfs cut short is undone: the device's OCFS2 signature is
 * wiped (what was on it before is gone once mkfs began), so the retry formats it without force.
 */
function registerOcfs2Recoveries(deps: Ocfs2PluginDeps): void {
  deps.intents.register<FsMountIntent>(INTENT_OCFS2_MOUNT, async (p) => {
    if ((await deps.mounts()).some((m) => m.dir === p.mp)) return { outcome: 'rolled-forward', detail: `${p.mp} is mounted` };
    if (p.created) await fsp.rmdir(deps.fs.resolve(p.mp)).catch(() => {});
    return { outcome: 'rolled-back', detail: p.created ? `removed the empty mount point ${p.mp}` : 'nothing was mounted' };
  });
  deps.intents.register<Ocfs2MkfsIntent>(INTENT_OCFS2_MKFS, async (p, step) => {
    if (step === 'begin') return { outcome: 'rolled-back', detail: 'mkfs had not started' };
    await deps.tools.wipe(deps.fs.resolve(p.device), deps.commandTimeoutMs);
    return { outcome: 'rolled-back', detail: `wiped the OCFS2 signature mkfs left on ${p.device}` };
  });
}
