// Server pool membership as the host remembers it (wire-api 3.4): create/join/leave/destroy,
// the member list, the pool's virtual IP and alias. Cluster heartbeat and the master's
// virtual IP on the wire are other areas; this keeps the facts they build on.
import type { Logger } from 'pino';
import { AgentError } from '../../core/errors.js';
import { sameUuid } from '../../core/ids.js';
import type { HostStateRepo } from '../../store/host-state.js';
import type { EventSink } from '../events/event-journal.js';
import { STATE_KEYS } from '../context.js';
import type { OwnershipService, PoolInfo } from './ownership-service.js';

export interface PoolSpec {
  alias: string;
  uuid: string;
  virtualIp: string;
  nodeNumber: number;
  hostname: string;
  ip: string;
  roles?: string;
}

export interface PoolDeps {
  hostState: HostStateRepo;
  events: EventSink;
  ownership: OwnershipService;
  log: Logger;
}

export class PoolService {
  constructor(private readonly deps: PoolDeps) {}

  get(): PoolInfo | undefined {
    return this.deps.ownership.pool();
  }

  create(spec: PoolSpec): void {
    this.enter(spec, true);
  }

  join(spec: PoolSpec): void {
    this.enter(spec, false);
  }

  leave(poolUuid: string): void {
    const p = this.require(poolUuid);
    this.deps.hostState.delete(STATE_KEYS.pool);
    this.deps.events.emit({ severity: 'info', object: `pool:${p.uuid}`, code: 'POOL_LEFT', message: `left server pool ${p.alias}` });
  }

  destroy(poolUuid: string): void {
    const p = this.require(poolUuid);
    this.deps.hostState.delete(STATE_KEYS.pool);
    this.deps.events.emit({ severity: 'info', object: `pool:${p.uuid}`, code: 'POOL_DESTROYED', message: `destroyed server pool ${p.alias}` });
  }

  setMemberIps(ips: string[]): void {
    const p = this.requireAny();
    this.save({ ...p, memberIps: [...new Set(ips)] });
  }

  setVirtualIp(vip: string): void {
    const p = this.requireAny();
    this.save({ ...p, virtualIp: vip });
  }

  setAlias(alias: string): void {
    const p = this.requireAny();
    this.save({ ...p, alias });
  }

  private enter(spec: PoolSpec, master: boolean): void {
    const cur = this.get();
    if (cur) {
      if (sameUuid(cur.uuid, spec.uuid)) return; // the same call again: already done
      throw new AgentError('POOL_ALREADY_MEMBER', `Server already a member of pool: ${cur.uuid}`);
    }
    const info: PoolInfo = {
      uuid: spec.uuid,
      alias: spec.alias,
      virtualIp: spec.virtualIp,
      nodeNumber: spec.nodeNumber,
      hostname: spec.hostname,
      registeredIp: spec.ip,
      memberIps: [spec.ip],
      isMaster: master,
    };
    if (spec.roles !== undefined) {
      this.deps.ownership.updateServerRoles(spec.roles);
      info.roles = spec.roles;
    }
    this.save(info);
    this.deps.events.emit({
      severity: 'info',
      object: `pool:${spec.uuid}`,
      code: master ? 'POOL_CREATED' : 'POOL_JOINED',
      message: `${master ? 'created' : 'joined'} server pool ${spec.alias}`,
    });
  }

  private save(p: PoolInfo): void {
    this.deps.hostState.setJson(STATE_KEYS.pool, p);
  }

  private requireAny(): PoolInfo {
    const p = this.get();
    if (!p) throw new AgentError('POOL_NOT_MEMBER', 'Server is not a member of a server pool');
    return p;
  }

  private require(poolUuid: string): PoolInfo {
    const p = this.requireAny();
    if (!sameUuid(p.uuid, poolUuid)) {
      throw new AgentError('POOL_NOT_MEMBER', `Server is not a member of pool ${poolUuid} (member of ${p.uuid})`);
    }
    return p;
  }
}
