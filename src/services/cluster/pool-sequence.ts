// create/join/leave/destroy_server_pool of a clustered pool (a pool FS of this pool exists):
// the whole sequence in one call — cluster configured and online (stack o2cb), this member in
// the pool's shared state, the pool record — rolled back step by step when one fails.
import { AgentError, fail } from '../../core/errors.js';
import type { PoolService, PoolSpec } from '../ownership/pool-service.js';
import { StepJournal } from './intents.js';
import { sameUuid, uuidHex, type ClusterDeps, type PoolFsLocal } from './cluster-records.js';
import type { ClusterService, ClusterMember } from './cluster-service.js';
import type { PoolFsService } from './pool-fs-service.js';
import { PoolSharedState, type SharedPool } from './pool-shared-state.js';

export class PoolSequence {
  private readonly intents: StepJournal;

  constructor(
    private readonly deps: ClusterDeps,
    private readonly pool: PoolService,
    private readonly poolFs: PoolFsService,
    private readonly cluster: ClusterService,
  ) {
    this.intents = new StepJournal(deps, 'pool-cluster', {
      configure: async (snap) => this.cluster.restore(snap),
      online: async ({ poolfs }) => this.cluster.takeOffline(String(poolfs), 'leave_cluster'),
      member: async ({ poolfs, host }) => {
        const p = this.poolFs.get();
        if (p && sameUuid(p.uuid, String(poolfs))) await this.shared(p, String(host)).update((d) => (d ? dropMember(d, String(host)) : undefined));
      },
      record: async () => this.deps.hostState.delete('pool'),
      readd: async ({ poolfs, prior, host }) => {
        const p = this.poolFs.get();
        if (prior === null || !p || !sameUuid(p.uuid, String(poolfs))) return;
        const before = JSON.parse(String(prior)) as SharedPool;
        const m = before.members.find((x) => x.hostname === host);
        await this.shared(p, String(host)).update((d) => {
          if (!d) return before;
          if (!m || d.members.some((x) => x.hostname === m.hostname)) return d;
          return { ...d, members: [...d.members, m].sort((a, b) => a.nodeNumber - b.nodeNumber), master: d.master ?? (before.master === m.hostname ? m.hostname : null) };
        });
      },
      reonline: async ({ poolfs }) => this.cluster.bringOnline(String(poolfs), 'join_cluster', true),
    });
  }

  start(): Promise<string | undefined> {
    return this.intents.recover();
  }

  /** The shared state of the pool FS mounted here (for other areas: HA, master election). */
  shared(p: PoolFsLocal, hostname: string): PoolSharedState {
    return new PoolSharedState(this.deps, p.mountPoint, hostname);
  }

  async enter(spec: PoolSpec, create: boolean): Promise<void> {
    const p = this.poolFs.get();
    const cur = this.pool.get();
    if (cur) {
      if (sameUuid(cur.uuid, spec.uuid)) return;
      throw new AgentError('POOL_ALREADY_MEMBER', `Server already a member of pool: ${cur.uuid}`);
    }
    if (!p) {
      if (create) this.pool.create(spec);
      else this.pool.join(spec);
      return;
    }
    if (!sameUuid(p.poolUuid, spec.uuid)) throw fail('POOLFS_OWNED_BY_OTHER', `pool file system ${p.uuid} belongs to server pool ${p.poolUuid}, not ${spec.uuid}`);
    const me: ClusterMember = { number: spec.nodeNumber, name: spec.hostname, ip: spec.ip };
    const shared = this.shared(p, spec.hostname);
    const op = create ? 'create_server_pool' : 'join_server_pool';
    await this.intents.run(op, async (step) => {
      if (p.stack === 'o2cb') {
        const conf = (await this.cluster.readConf()) ?? this.cluster.confFor(p, [me]);
        const withMe = conf.nodes.some((n) => n.name === me.name) ? conf : this.cluster.confFor(p, [...conf.nodes.map((n) => ({ number: n.number, name: n.name, ip: n.ipAddress })), me]);
        await step('configure', await this.cluster.snapshot(), () => this.cluster.configure(p.uuid, undefined, withMe, me.name));
        await step('online', { poolfs: p.uuid }, () => this.cluster.bringOnline(p.uuid, create ? 'create_cluster' : 'join_cluster'));
      }
      let doc: SharedPool | undefined;
      await step('member', { poolfs: p.uuid, host: me.name }, async () => {
        doc = await shared.update((d) => addMember(d, spec, p, create, new Date(this.deps.clock.now()).toISOString()));
      });
      if (p.stack === 'o2cb' && doc && doc.members.length > 1) {
        // (the configure step's snapshot puts cluster.conf back if a later step fails)
        // Every member the pool FS knows goes into cluster.conf and into the running cluster.
        await this.cluster.applyConf(this.cluster.confFor(p, doc.members.map((m) => ({ number: m.nodeNumber, name: m.hostname, ip: m.ip }))));
      }
      await step('record', {}, async () => {
        if (create) this.pool.create(spec);
        else this.pool.join(spec);
        if (doc) this.pool.setMemberIps(doc.members.map((m) => m.ip));
      });
    });
  }

  async leave(poolUuid: string, destroy: boolean): Promise<void> {
    const cur = this.pool.get();
    if (!cur || !sameUuid(cur.uuid, poolUuid)) {
      // PoolService words the refusal.
      if (destroy) this.pool.destroy(poolUuid);
      else this.pool.leave(poolUuid);
      return;
    }
    const p = this.cluster.poolFsFor(cur.uuid);
    if (p) {
      const shared = this.shared(p, cur.hostname);
      await this.intents.run(destroy ? 'destroy_server_pool' : 'leave_server_pool', async (step) => {
        const doc = await shared.read();
        // Undone in reverse if a later step fails: back in the shared state, back online.
        await step('readd', { poolfs: p.uuid, host: cur.hostname, prior: doc ? JSON.stringify(doc) : null }, async () => {
          await shared.update((d) => (d ? (destroy && d.members.every((m) => m.hostname === cur.hostname) ? undefined : dropMember(d, cur.hostname)) : undefined));
        });
        if (p.stack === 'o2cb') {
          if (this.cluster.local()?.online) await step('reonline', { poolfs: p.uuid }, () => this.cluster.takeOffline(p.uuid, destroy ? 'destroy_cluster' : 'leave_cluster'));
          const snap = await this.cluster.snapshot(); // offline but configured: what 'reonline' needs back
          if (this.cluster.local()?.configured) await step('configure', snap, () => this.cluster.deconfigure(p.uuid));
        }
      });
      shared.forgetLocal();
    }
    if (destroy) this.pool.destroy(poolUuid);
    else this.pool.leave(poolUuid);
  }
}

function addMember(d: SharedPool | undefined, spec: PoolSpec, p: PoolFsLocal, create: boolean, joinedAt: string): SharedPool {
  if (d && !sameUuid(d.poolUuid, spec.uuid)) throw fail('POOLFS_OWNED_BY_OTHER', `pool file system ${p.uuid} holds server pool ${d.poolUuid}`);
  if (!d && !create) throw fail('POOL_NOT_MEMBER', `server pool ${spec.uuid} has no state on pool file system ${p.uuid}: create the pool on its first member first`);
  const doc: SharedPool = d ?? {
    version: 1,
    poolUuid: uuidHex(spec.uuid, 'pool_uuid'),
    poolFsUuid: p.uuid,
    clusterName: p.clusterName,
    alias: spec.alias,
    virtualIp: spec.virtualIp,
    master: null,
    members: [],
    haVms: [],
    pendingHa: [],
    generation: 0,
    updatedAt: '',
    updatedBy: '',
  };
  const clash = doc.members.find((m) => m.hostname !== spec.hostname && m.nodeNumber === spec.nodeNumber);
  if (clash) throw fail('CLUSTER_NODE_IN_USE', `node number ${spec.nodeNumber} is in use by ${clash.hostname}`);
  const ipClash = doc.members.find((m) => m.hostname !== spec.hostname && m.ip === spec.ip);
  if (ipClash) throw fail('CLUSTER_NODE_IN_USE', `IP ${spec.ip} is in use by ${ipClash.hostname}`);
  const others = doc.members.filter((m) => m.hostname !== spec.hostname);
  return {
    ...doc,
    members: [...others, { nodeNumber: spec.nodeNumber, hostname: spec.hostname, ip: spec.ip, joinedAt }].sort((a, b) => a.nodeNumber - b.nodeNumber),
    master: create ? spec.hostname : doc.master,
  };
}

function dropMember(d: SharedPool, hostname: string): SharedPool | undefined {
  const members = d.members.filter((m) => m.hostname !== hostname);
  if (members.length === 0 && d.haVms.length === 0) return undefined;
  return { ...d, members, master: d.master === hostname ? null : d.master };
}
