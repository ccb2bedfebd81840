// Pool file system and cluster methods (wire-api 3.5, PoolOCFS2 and ClusterO2CB): thin
// declarations over PoolFsService and ClusterService. Every change takes the `pool` lock, the
// same as the pool methods, since a clustered pool changes both in one call.
import { z } from 'zod';
import * as R from '../results.js';
import { wireInt, wireUuid } from '../wire-types.js';
import { defineMethod, type MethodDef } from '../method.js';
import type { PoolFsService } from '../../services/cluster/pool-fs-service.js';
import type { ClusterService } from '../../services/cluster/cluster-service.js';
import { structToClusterConf } from '../../core/cluster/cluster-struct.js';

/** The services keep these uuids as the manager printed them (and compare with sameUuid). */
const uuid = (what: string) => wireUuid(what, 'as-sent');
const fsUuid = uuid('poolfs_uuid');
const text = z.string().min(1).max(1024);
const blockSize = wireInt({ strings: true, what: 'block_size' }).refine((n) => [512, 1024, 2048, 4096].includes(n), { message: 'block_size must be 512, 1024, 2048 or 4096' });
const clusterSize = wireInt({ strings: true, what: 'cluster_size' }).refine((n) => n >= 4096 && n <= 1048576 && (n & (n - 1)) === 0, { message: 'cluster_size must be a power of two from 4096 to 1048576' });
const journalSize = wireInt({ strings: true, min: 4 * 1024 * 1024, max: 1024 * 1024 * 1024, what: 'journal_size' });
const struct = z.record(z.string(), z.unknown());

export function clusterMethods(poolFs: PoolFsService, cluster: ClusterService): MethodDef[] {
  const poolFsOp = (name: string, summary: string, run: (uuid: string) => Promise<void>) =>
    defineMethod({ name, result: R.nil, summary, access: 'owned', lock: 'pool', params: z.tuple([fsUuid]), handler: async ([u]) => {
        await run(u);
        return null;
      } });
  return [
    defineMethod({
      name: 'create_pool_filesystem',
      result: R.nil,
      summary: 'create the pool FS (type nfs|lun, target, cluster_name, poolfs_uuid, nfsbase_uuid, manager_uuid, pool_uuid[, block_size, cluster_size, journal_size])',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([z.string().max(16), text, z.string().max(64), fsUuid, uuid('nfsbase_uuid'), uuid('manager_uuid'), uuid('pool_uuid'), blockSize.optional(), clusterSize.optional(), journalSize.optional()]),
      handler: async ([type, target, clusterName, fsUuid, base, mgr, poolUuid, bs, cs, js]) => {
        await poolFs.create({ type, target, clusterName, poolFsUuid: fsUuid, nfsbaseUuid: base, managerUuid: mgr, poolUuid, blockSize: bs, clusterSize: cs, journalSize: js });
        return null;
      },
    }),
    defineMethod({
      name: 'destroy_pool_filesystem',
      result: R.nil,
      summary: 'destroy the pool FS (type, target, poolfs_uuid, nfsbase_uuid)',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([z.string().max(16), text, fsUuid, uuid('nfsbase_uuid')]),
      handler: async ([type, target, fsUuid]) => {
        await poolFs.destroy(type, target, fsUuid);
        return null;
      },
    }),
    defineMethod({
      name: 'discover_pool_filesystem',
      result: R.xmlDoc,
      summary: 'XML Discover_Pool_Filesystem_Result: the pool FS of this host',
      access: 'public',
      params: z.tuple([]),
      handler: () => poolFs.discover(),
    }),
    defineMethod({
      name: 'ocfs2_get_meta_data',
      result: R.text,
      summary: 'a file of an OCFS2 device root directory, read with debugfs.ocfs2 (device, filename)',
      access: 'owned',
      params: z.tuple([text, z.string().min(1).max(255)]),
      handler: ([device, filename]) => poolFs.metaData(device, filename),
    }),
    defineMethod({
      name: 'configure_server_for_cluster',
      result: R.nil,
      summary: 'write o2cb and cluster.conf (o2cb_conf, cluster_conf, poolfs_type, poolfs_target, poolfs_uuid, nfsbase_uuid) or (poolfs_uuid)',
      access: 'owned',
      lock: 'pool',
      params: z.union([z.tuple([fsUuid]), z.tuple([struct, struct, z.string().max(16), text, fsUuid]).rest(z.unknown())]),
      handler: async (args) => {
        if (args.length === 1) await cluster.configure(args[0] as string, undefined, undefined);
        else await cluster.configure(args[4] as string, args[0] as Record<string, unknown>, structToClusterConf(args[1] as Record<string, unknown>));
        return null;
      },
    }),
    poolFsOp('deconfigure_server_for_cluster', 'remove cluster.conf and disable o2cb (poolfs_uuid)', (u) => cluster.deconfigure(u)),
    poolFsOp('create_cluster', 'register the cluster, start the global heartbeat, mount the pool FS (poolfs_uuid)', (u) => cluster.bringOnline(u, 'create_cluster')),
    poolFsOp('join_cluster', 'as create_cluster, on a further member (poolfs_uuid)', (u) => cluster.bringOnline(u, 'join_cluster')),
    poolFsOp('leave_cluster', 'unmount the pool FS, stop the heartbeat, unregister (poolfs_uuid)', (u) => cluster.takeOffline(u, 'leave_cluster')),
    poolFsOp('destroy_cluster', 'as leave_cluster (poolfs_uuid)', (u) => cluster.takeOffline(u, 'destroy_cluster')),
    defineMethod({
      name: 'update_clusterConfiguration',
      result: R.nil,
      summary: 'replace cluster.conf from a struct or cluster.conf text; synced into a running cluster',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([z.union([z.string().min(1).max(256 * 1024), struct])]),
      handler: async ([conf]) => {
        await cluster.update(conf);
        return null;
      },
    }),
    defineMethod({
      name: 'is_cluster_online',
      result: z.boolean(),
      summary: 'true when the cluster heartbeats (configfs)',
      access: 'public',
      params: z.tuple([]),
      handler: () => cluster.isOnline(),
    }),
    defineMethod({
      name: 'discover_cluster',
      result: R.xmlDoc,
      summary: 'XML Discover_Cluster_Result: o2cb config, stored cluster.conf, Cluster_State and live nodes',
      access: 'public',
      params: z.tuple([]),
      handler: () => cluster.discover(),
    }),
  ];
}
