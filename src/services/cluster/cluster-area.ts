// Builds the cluster area (pool FS, cluster, clustered pool sequence) from the shared deps
// with the real host adapters, and its Feature.
import type { ServiceDeps } from '../context.js';
import type { Feature } from '../../features.js';
import type { PoolService } from '../ownership/pool-service.js';
import { O2cbStack } from '../../host/cluster/o2cb-tool.js';
import { ExecLoopDevices, ExecOcfs2Tools } from '../../host/cluster/ocfs2-tools.js';
import { ExecPoolFsMounts } from '../../host/cluster/pool-fs-mounts.js';
import { readHbRegion } from '../../host/cluster/hb-region.js';
import { ExecMounter, type Mounter } from '../../host/mounter.js';
import { readHostname } from '../../host/hostinfo/os-reader.js';
import { clusterMethods } from '../../rpc/methods/cluster.js';
import type { ClusterDeps } from './cluster-records.js';
import { PoolFsService } from './pool-fs-service.js';
import { ClusterService } from './cluster-service.js';
import { PoolSequence } from './pool-sequence.js';

export interface ClusterArea {
  poolFs: PoolFsService;
  cluster: ClusterService;
  sequence: PoolSequence;
  feature: Feature;
}

/** `mounter`: the agent's mounter override (tests); the pool FS's export goes through it. */
export function realClusterDeps(deps: ServiceDeps, mounter?: Mounter): ClusterDeps {
  return {
    ...deps,
    log: deps.log.child({ component: 'cluster' }),
    stack: new O2cbStack(deps.exec),
    tools: new ExecOcfs2Tools(deps.exec),
    loops: new ExecLoopDevices(deps.exec),
    mounts: new ExecPoolFsMounts(deps.exec, mounter ?? new ExecMounter(deps.exec)),
    readHb: readHbRegion,
    configfsRoot: deps.fs.resolve('/'),
    hostname: () => readHostname(deps.fs),
  };
}

export function buildClusterArea(deps: ClusterDeps, pool: PoolService): ClusterArea {
  const poolFs = new PoolFsService(deps);
  const cluster = new ClusterService(deps, poolFs);
  const sequence = new PoolSequence(deps, pool, poolFs, cluster);
  return {
    poolFs,
    cluster,
    sequence,
    feature: {
      name: 'cluster',
      methods: clusterMethods(poolFs, cluster),
      async start() {
        // Unfinished operations are rolled back before the RPC server listens; then the pool FS
        // and a cluster that was online are brought back as they were before the restart.
        await sequence.start();
        await poolFs.start();
        await cluster.start();
      },
      stop: () => cluster.stop(),
    },
  };
}
