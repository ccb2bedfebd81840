// The areas plugged into the agent, in start order. Each builds its services from the
// shared deps and returns its RPC methods.
import type { ServiceDeps } from './services/context.js';
import type { OwnershipService } from './services/ownership/ownership-service.js';
import type { Feature } from './features.js';
import { HostService } from './services/host/host-service.js';
import { HostStats } from './services/host/host-stats.js';
import { realSystemInfo } from './host/hostinfo/system-info.js';
import { hostMethods } from './rpc/methods/host.js';
import { PoolService } from './services/ownership/pool-service.js';
import { poolMethods } from './rpc/methods/pool.js';

export interface FeatureContext {
  ownership: OwnershipService;
  agentVersion: string;
}

/** The host feature also feeds the statistics push. */
export interface HostFeature extends Feature {
  collectStats(): Promise<Record<string, unknown>>;
}

export async function buildFeatures(deps: ServiceDeps, ctx: FeatureContext): Promise<Feature[]> {
  const host = new HostService({ ...deps, agentVersion: ctx.agentVersion, si: realSystemInfo() });
  const stats = new HostStats({ fs: deps.fs, clock: deps.clock });
  const hostFeature: HostFeature = {
    name: 'host',
    methods: hostMethods(host),
    collectStats: async () => ({ ...(await stats.collectHostStats()) }) as Record<string, unknown>,
  };
  const pool = new PoolService({ hostState: deps.hostState, events: deps.events, ownership: ctx.ownership, log: deps.log.child({ component: 'pool' }) });
  return [hostFeature, { name: 'pool', methods: poolMethods(pool) }];
}
