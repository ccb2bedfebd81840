// ClusterO2CB (wire-api 3.5): writes /etc/sysconfig/o2cb (or Debian's /etc/default/o2cb) and
// /etc/ocfs2/cluster.conf, brings the cluster online through the o2cb tool (register-cluster,
// start-heartbeat, mount -t ocfs2 of the pool FS) and back, and reports its state from configfs
// plus a live-node map sampled from the heartbeat region itself.
import { fail } from '../../core/errors.js';
import { clusterConfToText, textToClusterConf, withNodeCounts, O2CB_PORT, type ClusterConf } from '../../core/cluster/cluster-conf.js';
import { structToClusterConf } from '../../core/cluster/cluster-struct.js';
import { o2cbConfToText, structToO2cbConf, textToO2cbConf, OVM_O2CB_DEFAULTS, O2CB_CONF_PATHS, type O2cbConf, type O2cbFlavor } from '../../core/cluster/o2cb-conf.js';
import { clusterToXml, type ClusterState } from '../../core/cluster/cluster-xml.js';
import { LiveNodeMap } from '../../core/cluster/live-nodes.js';
import { heartbeatGeometry, type HbGeometry } from '../../core/cluster/o2hb.js';
import { readConfigfs } from '../../host/cluster/configfs.js';
import type { TimerHandle } from '../../host/clock.js';
import { StepJournal, type StepArgs, type StepFn } from './intents.js';
import { CLUSTER_KEYS, sameUuid, type ClusterDeps, type ClusterLocal, type PoolFsLocal } from './cluster-records.js';
import type { PoolFsService } from './pool-fs-service.js';

export const CLUSTER_CONF_PATH = '/etc/ocfs2/cluster.conf';

export interface ClusterMember {
  number: number;
  name: string;
  ip: string;
}

export class ClusterService {
  private readonly intents: StepJournal;
  private live: LiveNodeMap | undefined;
  private geometry: HbGeometry | undefined;
  private sampler: TimerHandle | undefined;
  private sampling: Promise<number[]> | undefined;

  constructor(
    private readonly deps: ClusterDeps,
    private readonly poolFs: PoolFsService,
  ) {
    this.intents = new StepJournal(deps, 'cluster', {
      file: async ({ path, old }) => {
        if (old === null) await deps.fs.remove(String(path));
        else await deps.fs.writeAtomic(String(path), String(old));
      },
      register: async ({ name }) => deps.stack.unregisterCluster(String(name)),
      heartbeat: async ({ name }) => deps.stack.stopHeartbeat(String(name)),
      mount: async ({ dir }) => {
        if (await deps.mounts.isMounted(deps.fs.resolve(String(dir)))) await deps.stack.unmount(deps.fs.resolve(String(dir)));
      },
      record: async ({ old }) => {
        if (old === null) deps.hostState.delete(CLUSTER_KEYS.cluster);
        else deps.hostState.set(CLUSTER_KEYS.cluster, String(old));
      },
    });
  }

  /** At start: roll back an unfinished operation; a cluster that was online comes back. */
  async start(): Promise<void> {
    await this.intents.recover();
    const cur = this.local();
    if (!cur?.online || !cur.poolFsUuid || this.deps.config.cluster.stack !== 'o2cb') return;
    try {
      if ((await this.state()) === 'Offline') await this.bringOnline(cur.poolFsUuid, 'join_cluster', true);
      else this.startSampler();
    } catch (e) {
      this.deps.log.error({ err: e, cluster: cur.name }, 'cluster could not be brought back online at start');
    }
  }

  stop(): void {
    this.sampler?.cancel();
    this.sampler = undefined;
  }

  local(): ClusterLocal | undefined {
    return this.deps.hostState.getJson<ClusterLocal>(CLUSTER_KEYS.cluster);
  }

  async flavor(): Promise<O2cbFlavor> {
    return (await this.deps.fs.exists('/etc/debian_version')) ? 'debian' : 'sysconfig';
  }

  async readO2cb(): Promise<O2cbConf | undefined> {
    const text = await this.deps.fs.readTextIfExists(O2CB_CONF_PATHS[await this.flavor()]);
    return text === undefined ? undefined : textToO2cbConf(text);
  }

  async readConf(): Promise<ClusterConf | undefined> {
    const text = await this.deps.fs.readTextIfExists(CLUSTER_CONF_PATH);
    return text === undefined || text.trim() === '' ? undefined : textToClusterConf(text);
  }

  /** The cluster.conf of a pool FS with these members (node names = host names, port 7777). */
  confFor(p: PoolFsLocal, members: ClusterMember[]): ClusterConf {
    return withNodeCounts({
      clusters: [{ name: p.clusterName, heartbeatMode: 'global', nodeCount: 0 }],
      heartbeats: [{ region: p.region, cluster: p.clusterName }],
      nodes: [...members].sort((a, b) => a.number - b.number).map((m) => ({ number: m.number, name: m.name, ipAddress: m.ip, ipPort: O2CB_PORT, cluster: p.clusterName })),
    });
  }

  private checkConf(p: PoolFsLocal, conf: ClusterConf, self?: string): void {
    if (!conf.clusters.some((c) => c.name === p.clusterName)) throw fail('CLUSTER_INVALID', `cluster_conf has no cluster ${p.clusterName} (the pool FS's cluster)`);
    if (!conf.heartbeats.some((h) => h.cluster === p.clusterName && h.region.toUpperCase() === p.region)) {
      throw fail('CLUSTER_INVALID', `cluster_conf has no heartbeat region ${p.region} (the pool FS) for cluster ${p.clusterName}`);
    }
    if (self && !conf.nodes.some((n) => n.name === self)) throw fail('CLUSTER_INVALID', `cluster_conf has no node named ${self} (node names must equal host names)`);
  }

  /** configure_server_for_cluster: both files, from the structs or derived from the pool. */
  async configure(poolFsUuid: string, o2cbStruct: Record<string, unknown> | undefined, conf: ClusterConf | undefined, self?: string): Promise<void> {
    const p = this.poolFs.require(poolFsUuid);
    if (p.stack === 'none') throw fail('NOT_SUPPORTED', 'cluster.stack is none: this host runs its pool without an OCFS2 cluster');
    const c = conf ?? (await this.readConf());
    if (!c) throw fail('CLUSTER_NOT_CONFIGURED', 'configure_server_for_cluster needs cluster_conf (or a server pool that provides the members)');
    const cur = this.local();
    if (cur?.online && cur.name !== p.clusterName) throw fail('CLUSTER_INVALID', `cluster ${cur.name} is online: leave it first`);
    this.checkConf(p, c, self);
    // Keys the manager leaves out take Oracle VM's values, as the stock agent wrote them.
    const o2cb = structToO2cbConf(o2cbStruct ?? {}, { ...OVM_O2CB_DEFAULTS, bootCluster: p.clusterName });
    const flavor = await this.flavor();
    await this.intents.run('configure_server_for_cluster', async (step) => {
      await this.writeStep(step, O2CB_CONF_PATHS[flavor], o2cbConfToText(o2cb, flavor));
      await this.writeStep(step, CLUSTER_CONF_PATH, clusterConfToText(c));
      await this.recordStep(step, { name: p.clusterName, configured: true, online: cur?.online ?? false, poolFsUuid: p.uuid });
    });
  }

  async deconfigure(poolFsUuid: string): Promise<void> {
    this.poolFs.require(poolFsUuid);
    const cur = this.local();
    if (cur?.online) throw fail('CLUSTER_INVALID', `cluster ${cur.name} is online: leave it first`);
    const o2cb = await this.readO2cb();
    const flavor = await this.flavor();
    await this.intents.run('deconfigure_server_for_cluster', async (step) => {
      if (o2cb) await this.writeStep(step, O2CB_CONF_PATHS[flavor], o2cbConfToText({ ...o2cb, enabled: false, bootCluster: '' }, flavor));
      await this.writeStep(step, CLUSTER_CONF_PATH, null);
      await this.recordStep(step, null);
    });
  }

  /** update_clusterConfiguration: a struct or cluster.conf text; synced into a running cluster. */
  async update(input: Record<string, unknown> | string): Promise<void> {
    await this.applyConf(typeof input === 'string' ? textToClusterConf(input) : structToClusterConf(input));
  }

  async applyConf(conf: ClusterConf): Promise<void> {
    const cur = this.local();
    const p = this.poolFs.get();
    if (p) this.checkConf(p, conf);
    await this.intents.run('update_clusterConfiguration', async (step) => {
      await this.writeStep(step, CLUSTER_CONF_PATH, clusterConfToText(conf));
      // o2cb register-cluster on a registered cluster adds the nodes configfs lacks.
      if (cur?.online && p?.stack === 'o2cb') await this.deps.stack.registerCluster(cur.name);
    });
  }

  /** create_cluster / join_cluster: register, start the global heartbeat, mount the pool FS. */
  /** `force`: redo every step even if the record says online (undoing a half-done leave). */
  async bringOnline(poolFsUuid: string, op: 'create_cluster' | 'join_cluster', force = false): Promise<void> {
    const p = this.poolFs.require(poolFsUuid);
    if (p.stack === 'none') throw fail('NOT_SUPPORTED', 'cluster.stack is none: this host runs its pool without an OCFS2 cluster');
    const cur = this.local();
    if (!cur?.configured || cur.name !== p.clusterName) throw fail('CLUSTER_NOT_CONFIGURED', `cluster ${p.clusterName} is not configured on this host: call configure_server_for_cluster first`);
    if (cur.online && !force) return;
    const dev = p.device;
    if (!dev) throw fail('POOLFS_INVALID', `pool file system ${p.uuid} has no device`);
    const { stack, fs } = this.deps;
    await this.intents.run(op, async (step) => {
      await step('register', { name: p.clusterName }, () => stack.registerCluster(p.clusterName));
      await step('heartbeat', { name: p.clusterName }, () => stack.startHeartbeat(p.clusterName));
      await fs.mkdirp(p.mountPoint);
      if (!(await this.deps.mounts.isMounted(fs.resolve(p.mountPoint)))) await step('mount', { dir: p.mountPoint }, () => stack.mountOcfs2(dev, fs.resolve(p.mountPoint)));
      await this.recordStep(step, { ...cur, online: true, poolFsUuid: p.uuid });
    });
    this.live = undefined;
    this.geometry = undefined;
    this.startSampler();
    this.deps.events.emit({ severity: 'info', object: `cluster:${p.clusterName}`, code: 'CLUSTER_ONLINE', message: `${op}: cluster ${p.clusterName} online` });
  }

  /** leave_cluster / destroy_cluster: unmount the pool FS, stop the heartbeat, unregister. */
  async takeOffline(poolFsUuid: string, op: 'leave_cluster' | 'destroy_cluster'): Promise<void> {
    const p = this.poolFs.require(poolFsUuid);
    const cur = this.local();
    if (!cur?.online) return;
    const { stack, fs, mounts } = this.deps;
    this.stop();
    if (await mounts.isMounted(fs.resolve(p.mountPoint))) await stack.unmount(fs.resolve(p.mountPoint));
    await stack.stopHeartbeat(cur.name);
    await stack.unregisterCluster(cur.name);
    this.deps.hostState.setJson(CLUSTER_KEYS.cluster, { ...cur, online: false });
    this.live = undefined;
    this.deps.events.emit({ severity: 'info', object: `cluster:${cur.name}`, code: 'CLUSTER_OFFLINE', message: `${op}: cluster ${cur.name} offline` });
  }

  async state(): Promise<ClusterState> {
    const cur = this.local();
    if (!cur || this.deps.config.cluster.stack === 'none') return 'Offline';
    return (await readConfigfs(this.deps.configfsRoot, cur.name)).state;
  }

  async isOnline(): Promise<boolean> {
    return (await this.state()) !== 'Offline';
  }

  async discover(): Promise<string> {
    return clusterToXml({ o2cb: await this.readO2cb(), conf: await this.readConf(), state: await this.state(), liveNodes: this.live?.view() });
  }

  /** Whether a clustered pool can run here: stack o2cb, the tools, configfs and OCFS2 in the kernel. */
  async capable(): Promise<boolean> {
    if (this.deps.config.cluster.stack !== 'o2cb') return false;
    const { fs } = this.deps;
    const tool = (await fs.exists('/usr/sbin/o2cb')) || (await fs.exists('/sbin/o2cb'));
    const filesystems = (await fs.readTextIfExists('/proc/filesystems')) ?? '';
    return tool && (await fs.exists('/sys/kernel/config')) && /\bocfs2\b/.test(filesystems) && /\bconfigfs\b/.test(filesystems);
  }

  /** One sample of the heartbeat region into the live-node map (one at a time). */
  sampleHeartbeat(): Promise<number[]> {
    this.sampling ??= this.sampleOnce().finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  private async sampleOnce(): Promise<number[]> {
    const p = this.poolFs.get();
    // A loop device or LUN is a real /dev path (losetup prints it), never under the sysroot.
    if (!p?.device) return [];
    if (!this.geometry) {
      const st = await this.deps.tools.stats(p.device);
      const hb = await this.deps.tools.heartbeatFile(p.device);
      if (!hb) throw fail('POOLFS_INVALID', `${p.device} has no heartbeat file`);
      this.geometry = heartbeatGeometry(hb.blkno, st.blockSize, hb.size);
    }
    const threshold = (await this.readO2cb())?.heartbeatThreshold ?? OVM_O2CB_DEFAULTS.heartbeatThreshold;
    this.live ??= new LiveNodeMap(threshold);
    this.live.sample(await this.deps.readHb(p.device, this.geometry), this.deps.clock.now());
    return this.live.liveNodes();
  }

  private startSampler(): void {
    this.sampler?.cancel();
    const tick = () => {
      this.sampleHeartbeat()
        .catch((e: unknown) => this.deps.log.warn({ err: e }, 'heartbeat region sample failed'))
        .finally(() => {
          if (this.sampler) this.sampler = this.deps.clock.setTimeout(tick, this.deps.config.cluster.heartbeatSampleMs);
        });
    };
    this.sampler = this.deps.clock.setTimeout(tick, this.deps.config.cluster.heartbeatSampleMs);
  }

  private async writeStep(step: StepFn, path: string, text: string | null): Promise<void> {
    const old = (await this.deps.fs.readTextIfExists(path)) ?? null;
    await step('file', { path, old }, async () => {
      if (text === null) await this.deps.fs.remove(path);
      else await this.deps.fs.writeAtomic(path, text);
    });
  }

  private async recordStep(step: StepFn, next: ClusterLocal | null): Promise<void> {
    const old = this.deps.hostState.get(CLUSTER_KEYS.cluster) ?? null;
    await step('record', { old }, async () => {
      if (next === null) this.deps.hostState.delete(CLUSTER_KEYS.cluster);
      else this.deps.hostState.setJson(CLUSTER_KEYS.cluster, next);
    });
  }

  /** The cluster files and record as they are, for a caller that may have to put them back. */
  async snapshot(): Promise<StepArgs> {
    const o2cbPath = O2CB_CONF_PATHS[await this.flavor()];
    return {
      o2cbPath,
      o2cbOld: (await this.deps.fs.readTextIfExists(o2cbPath)) ?? null,
      confOld: (await this.deps.fs.readTextIfExists(CLUSTER_CONF_PATH)) ?? null,
      recordOld: this.deps.hostState.get(CLUSTER_KEYS.cluster) ?? null,
    };
  }

  async restore(a: StepArgs): Promise<void> {
    const put = async (p: string, v: unknown) => {
      if (v === null || v === undefined) await this.deps.fs.remove(p);
      else await this.deps.fs.writeAtomic(p, String(v));
    };
    await put(String(a.o2cbPath), a.o2cbOld);
    await put(CLUSTER_CONF_PATH, a.confOld);
    if (a.recordOld === null || a.recordOld === undefined) this.deps.hostState.delete(CLUSTER_KEYS.cluster);
    else this.deps.hostState.set(CLUSTER_KEYS.cluster, String(a.recordOld));
  }

  /** The pool FS this cluster heartbeats on (for the pool sequence). */
  poolFsFor(poolUuid: string): PoolFsLocal | undefined {
    const p = this.poolFs.get();
    return p && sameUuid(p.poolUuid, poolUuid) ? p : undefined;
  }
}
