// PoolOCFS2 (wire-api 3.5): the pool file system. On NFS the export is mounted at
// /nfsmnt/<nfsbase_uuid> and holds a sparse ovspoolfs.img formatted OCFS2 with global
// heartbeat, attached to a loop device (stack o2cb) or a plain directory bind-mounted at
// /poolfsmnt/<uuid> (stack none); on a LUN the LUN is formatted. Every step is journaled.
import { AgentError, fail } from '../../core/errors.js';
import { parseFsLocation } from '../../core/repo/fs-location.js';
import { validateClusterName } from '../../core/cluster/cluster-conf.js';
import { poolFsToXml } from '../../core/cluster/cluster-xml.js';
import { stampToText, textToStamp } from '../../core/cluster/poolfs-stamp.js';
import { isSafeComponent } from '../../core/ids.js';
import { StepJournal } from './intents.js';
import { SHARED_STATE_FILE } from './pool-shared-state.js';
import { decodeSlot, heartbeatGeometry, slotIsValid } from '../../core/cluster/o2hb.js';
import {
  CLUSTER_KEYS,
  hexToDashed,
  NFS_ROOT,
  POOLFS_DIR,
  POOLFS_IMAGE,
  POOLFS_ROOT,
  POOLFS_STAMP,
  POOLFS_VERSION,
  sameUuid,
  uuidHex,
  type ClusterDeps,
  type ClusterLocal,
  type PoolFsLocal,
} from './cluster-records.js';

export interface CreatePoolFsArgs {
  type: string;
  target: string;
  clusterName: string;
  poolFsUuid: string;
  nfsbaseUuid: string;
  managerUuid: string;
  poolUuid: string;
  blockSize?: number;
  clusterSize?: number;
  journalSize?: number;
}

export class PoolFsService {
  private readonly intents: StepJournal;

  constructor(private readonly deps: ClusterDeps) {
    const real = (p: unknown) => deps.fs.resolve(String(p));
    this.intents = new StepJournal(deps, 'poolfs', {
      mkdir: async ({ path }) => {
        if ((await deps.fs.list(String(path))).length === 0) await deps.fs.removeTree(String(path));
      },
      mountExport: async ({ dir }) => {
        if (await deps.mounts.isMounted(real(dir))) await deps.mounts.unmount(real(dir));
      },
      bind: async ({ dir }) => {
        if (await deps.mounts.isMounted(real(dir))) await deps.mounts.unmount(real(dir));
      },
      file: async ({ path }) => void (await deps.fs.remove(String(path))),
      mkfs: async () => {}, // the image is removed by its own step; a LUN cannot be un-formatted
      losetup: async ({ image }) => {
        for (const d of await deps.loops.find(real(image))) await deps.loops.detach(d);
      },
      record: async () => deps.hostState.delete(CLUSTER_KEYS.poolFs),
    });
  }

  /** At start: roll back an unfinished operation, then re-attach the pool FS after a reboot. */
  async start(): Promise<void> {
    await this.intents.recover();
    const p = this.get();
    if (!p) return;
    try {
      await this.reattach(p);
    } catch (e) {
      this.deps.log.error({ err: e, poolfs: p.uuid }, 'pool file system could not be re-attached; pool calls will fail until it is');
    }
  }

  /** Export mounted, image on a loop device (its number may have changed), directory bound. */
  private async reattach(p: PoolFsLocal): Promise<void> {
    const { fs, mounts, loops } = this.deps;
    const real = (x: string) => fs.resolve(x);
    const loc = parseFsLocation(p.target);
    if (p.nfsMount && loc.kind === 'nfs' && !(await mounts.isMounted(real(p.nfsMount)))) {
      await fs.mkdirp(p.nfsMount);
      await mounts.mountExport(loc.source, real(p.nfsMount));
    }
    if (p.image) {
      const dev = (await loops.find(real(p.image)))[0] ?? (await loops.attach(real(p.image)));
      if (dev !== p.device) this.deps.hostState.setJson(CLUSTER_KEYS.poolFs, { ...p, device: dev });
    }
    if (p.stack === 'none' && p.nfsMount && !(await mounts.isMounted(real(p.mountPoint)))) {
      await fs.mkdirp(p.mountPoint);
      await mounts.bind(real(`${p.nfsMount}/${POOLFS_DIR}`), real(p.mountPoint));
    }
  }

  get(): PoolFsLocal | undefined {
    return this.deps.hostState.getJson<PoolFsLocal>(CLUSTER_KEYS.poolFs);
  }

  discover(): string {
    return poolFsToXml(this.get());
  }

  require(poolFsUuid: string): PoolFsLocal {
    const p = this.get();
    if (!p || !sameUuid(p.uuid, poolFsUuid)) throw fail('POOLFS_NOT_FOUND', `no pool file system ${poolFsUuid} on this host${p ? ` (it has ${p.uuid})` : ''}`);
    return p;
  }

  async create(a: CreatePoolFsArgs): Promise<void> {
    const stack = this.deps.config.cluster.stack;
    validateClusterName(a.clusterName, 'cluster_name');
    const fsHex = uuidHex(a.poolFsUuid, 'poolfs_uuid');
    const baseHex = uuidHex(a.nfsbaseUuid, 'nfsbase_uuid');
    uuidHex(a.managerUuid, 'manager_uuid');
    const poolHex = uuidHex(a.poolUuid, 'pool_uuid');
    if (a.type !== 'nfs' && a.type !== 'lun') throw fail('POOLFS_INVALID', `type must be nfs or lun, got ${JSON.stringify(a.type)}`);
    const loc = parseFsLocation(a.target);
    if (a.type === 'nfs' && loc.kind !== 'nfs') throw fail('POOLFS_INVALID', `target of an nfs pool FS must be host:/export, got ${a.target}`);
    if (a.type === 'lun' && loc.kind !== 'block') throw fail('POOLFS_INVALID', `target of a lun pool FS must be /dev/<device>, got ${a.target}`);
    if (a.type === 'lun' && stack === 'none') throw fail('NOT_SUPPORTED', 'cluster.stack none needs a shared directory: use an nfs pool FS');
    const cur = this.get();
    if (cur) {
      if (sameUuid(cur.uuid, a.poolFsUuid) && sameUuid(cur.poolUuid, poolHex)) return; // the same call again
      if (sameUuid(cur.uuid, a.poolFsUuid)) throw fail('POOLFS_OWNED_BY_OTHER', `pool file system ${cur.uuid} belongs to server pool ${cur.poolUuid}`);
      throw fail('POOLFS_INVALID', `this host already has pool file system ${cur.uuid}; destroy it first`);
    }
    const region = fsHex.toUpperCase();
    const mountPoint = `${POOLFS_ROOT}/${fsHex}`;
    const rec: PoolFsLocal = {
      type: a.type,
      target: a.target,
      uuid: a.poolFsUuid,
      nfsbaseUuid: a.nfsbaseUuid,
      managerUuid: a.managerUuid,
      poolUuid: a.poolUuid,
      version: POOLFS_VERSION,
      stack,
      clusterName: a.clusterName,
      region,
      mountPoint,
    };
    const { fs, mounts, tools, loops } = this.deps;
    const real = (p: string) => fs.resolve(p);
    const mkfsOpts = {
      label: 'ovspoolfs',
      uuid: hexToDashed(fsHex),
      clusterName: a.clusterName,
      slots: this.deps.config.cluster.poolFsSlots,
      blockSize: a.blockSize,
      clusterSize: a.clusterSize,
      journalSize: a.journalSize,
    };
    await this.intents.run('create_pool_filesystem', async (step) => {
      if (loc.kind === 'nfs') {
        const nfsDir = `${NFS_ROOT}/${baseHex}`;
        rec.nfsMount = nfsDir;
        if (!(await fs.exists(nfsDir))) await step('mkdir', { path: nfsDir }, () => fs.mkdirp(nfsDir));
        if (!(await mounts.isMounted(real(nfsDir)))) await step('mountExport', { dir: nfsDir }, () => mounts.mountExport(loc.source, real(nfsDir)));
        const stampPath = `${nfsDir}/${POOLFS_STAMP}`;
        const stamp = textToStamp((await fs.readTextIfExists(stampPath)) ?? '');
        if (stamp && (!sameUuid(stamp.poolUuid, poolHex) || !sameUuid(stamp.poolFsUuid, fsHex))) {
          throw fail('POOLFS_OWNED_BY_OTHER', `${a.target} holds pool file system ${stamp.poolFsUuid} of server pool ${stamp.poolUuid}`);
        }
        if (stack === 'o2cb') {
          const image = `${nfsDir}/${POOLFS_IMAGE}`;
          rec.image = image;
          if (!stamp) {
            if (await fs.exists(image)) throw fail('POOLFS_OWNED_BY_OTHER', `${a.target} already holds an ${POOLFS_IMAGE} without a stamp; refusing to format it`);
            await step('file', { path: image }, async () => void (await this.deps.exec.run(['truncate', '-s', String(this.deps.config.cluster.poolFsImageBytes), real(image)])));
            await step('mkfs', {}, () => tools.mkfs(real(image), mkfsOpts));
          }
          const q = await tools.query(real(image));
          if (q.uuid.toUpperCase() !== region) throw fail('POOLFS_OWNED_BY_OTHER', `${image} is OCFS2 ${q.uuid}, not pool file system ${region}`);
          let dev = (await loops.find(real(image)))[0];
          if (!dev) await step('losetup', { image }, async () => void (dev = await loops.attach(real(image))));
          rec.device = dev;
          if (!(await fs.exists(mountPoint))) await step('mkdir', { path: mountPoint }, () => fs.mkdirp(mountPoint));
        } else {
          const dir = `${nfsDir}/${POOLFS_DIR}`;
          if (!(await fs.exists(dir))) await step('mkdir', { path: dir }, () => fs.mkdirp(dir));
          if (!(await fs.exists(mountPoint))) await step('mkdir', { path: mountPoint }, () => fs.mkdirp(mountPoint));
          if (!(await mounts.isMounted(real(mountPoint)))) await step('bind', { dir: mountPoint }, () => mounts.bind(real(dir), real(mountPoint)));
        }
        if (!stamp) {
          const text = stampToText({ poolFsUuid: fsHex, poolUuid: poolHex, clusterName: a.clusterName, managerUuid: a.managerUuid, stack });
          await step('file', { path: stampPath }, async () => void (await fs.writeAtomic(stampPath, text)));
        }
      } else if (loc.kind === 'block') {
        const dev = loc.device;
        rec.device = dev;
        const found = (await tools.detect()).find((d) => d.device === dev);
        if (found && found.uuid.toUpperCase() !== region) {
          throw fail('POOLFS_OWNED_BY_OTHER', `${dev} already holds OCFS2 ${found.uuid} of cluster ${found.cluster}; refusing to format it`);
        }
        if (!found) await step('mkfs', {}, () => tools.mkfs(dev, mkfsOpts));
        if (!(await fs.exists(mountPoint))) await step('mkdir', { path: mountPoint }, () => fs.mkdirp(mountPoint));
      }
      await step('record', {}, async () => this.deps.hostState.setJson(CLUSTER_KEYS.poolFs, rec));
    });
    this.deps.events.emit({ severity: 'info', object: `poolfs:${fsHex}`, code: 'POOLFS_CREATED', message: `pool file system ${a.poolFsUuid} ready on ${a.target}` });
  }

  async destroy(type: string, target: string, poolFsUuid: string): Promise<void> {
    const p = this.require(poolFsUuid);
    if (type !== p.type || target !== p.target) throw fail('POOLFS_INVALID', `pool file system ${p.uuid} is ${p.type} ${p.target}, not ${type} ${target}`);
    const cl = this.deps.hostState.getJson<ClusterLocal>(CLUSTER_KEYS.cluster);
    if (cl?.online) throw fail('POOLFS_INVALID', `cluster ${cl.name} is online on pool file system ${p.uuid}: leave the cluster first`);
    const pool = this.deps.hostState.getJson<{ uuid: string }>('pool');
    if (pool && sameUuid(pool.uuid, p.poolUuid)) throw fail('POOLFS_INVALID', `server pool ${pool.uuid} uses pool file system ${p.uuid}: leave the pool first`);
    const { fs, mounts, loops } = this.deps;
    const real = (x: string) => fs.resolve(x);
    // A shared directory still holding members' pool state is only detached from this host.
    const doc = p.stack === 'none' ? await fs.readTextIfExists(`${p.mountPoint}/${SHARED_STATE_FILE}`) : undefined;
    // An OCFS2 image another host still heartbeats on is only detached from this host too.
    const inUse = doc !== undefined ? (JSON.parse(doc) as { members?: unknown[] }).members?.length !== 0 : p.stack === 'o2cb' && p.nfsMount !== undefined && p.device !== undefined && (await this.othersHeartbeat(p.device));
    if (await mounts.isMounted(real(p.mountPoint))) await mounts.unmount(real(p.mountPoint));
    if (p.image) for (const d of await loops.find(real(p.image))) await loops.detach(d);
    if (p.nfsMount) {
      if (!inUse) await this.removeShared(p);
      if (await mounts.isMounted(real(p.nfsMount))) await mounts.unmount(real(p.nfsMount));
      if ((await fs.list(p.nfsMount)).length === 0) await fs.removeTree(p.nfsMount);
    }
    if ((await fs.list(p.mountPoint)).length === 0) await fs.removeTree(p.mountPoint);
    this.deps.hostState.delete(CLUSTER_KEYS.poolFs);
    this.deps.events.emit({ severity: 'info', object: `poolfs:${uuidHex(p.uuid, 'poolfs_uuid')}`, code: 'POOLFS_DESTROYED', message: `pool file system ${p.uuid} ${inUse ? 'detached (other members still use it)' : 'destroyed'}` });
  }

  /** Two reads of the heartbeat region one o2hb period apart: did any valid slot move on? */
  private async othersHeartbeat(device: string): Promise<boolean> {
    try {
      const st = await this.deps.tools.stats(device);
      const hb = await this.deps.tools.heartbeatFile(device);
      if (!hb) return false;
      const g = heartbeatGeometry(hb.blkno, st.blockSize, hb.size);
      const a = await this.deps.readHb(device, g);
      await this.deps.clock.sleep(this.deps.config.cluster.heartbeatSampleMs * 2);
      const b = await this.deps.readHb(device, g);
      return b.some((sector, i) => slotIsValid(sector) && decodeSlot(sector).seq !== 0n && decodeSlot(sector).seq !== decodeSlot(a[i]).seq);
    } catch (e) {
      // Unreadable: keep the image rather than delete one somebody may use.
      this.deps.log.warn({ err: e, device }, 'heartbeat region unreadable; the pool FS image is kept');
      return true;
    }
  }

  private async removeShared(p: PoolFsLocal): Promise<void> {
    const { fs } = this.deps;
    if (p.nfsMount) {
      if (p.image) await fs.remove(p.image);
      if (p.stack === 'none') await fs.removeTree(`${p.nfsMount}/${POOLFS_DIR}`);
      await fs.remove(`${p.nfsMount}/${POOLFS_STAMP}`);
    }
  }

  /** A file of an OCFS2 device's root directory, read with debugfs.ocfs2 (no mount needed). */
  async metaData(device: string, filename: string): Promise<string> {
    if (!isSafeComponent(filename)) throw fail('INVALID_ARGUMENT', `argument 2 (filename) must be one path component: ${JSON.stringify(filename.slice(0, 80))}`);
    const p = this.get();
    const known = p && (device === p.device || device === p.image);
    if (!known && !/^\/dev\/[A-Za-z0-9._/-]+$/.test(device)) throw fail('INVALID_ARGUMENT', `argument 1 (device) must be /dev/<device> or the pool FS image: ${JSON.stringify(device.slice(0, 80))}`);
    const text = await this.deps.tools.cat(p && device === p.image ? this.deps.fs.resolve(device) : device, filename);
    if (text === undefined) throw new AgentError('NOT_FOUND', `${filename} not found on ${device}`);
    return text;
  }
}
