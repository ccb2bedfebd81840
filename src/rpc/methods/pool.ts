// Server pool methods (wire-api 3.4): membership, member list, virtual IP and alias as the
// host remembers them.
import { z } from 'zod';
import { isIPv4 } from 'node:net';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';
import { wireInt, wireUuid } from '../wire-types.js';
import { poolToXml } from '../../core/discovery/pool-xml.js';
import type { PoolService } from '../../services/ownership/pool-service.js';
import type { PoolSequence } from '../../services/cluster/pool-sequence.js';

const ipv4 = z.string().refine((s) => isIPv4(s), { message: 'expected an IPv4 address' });
const alias = z.string().min(1).max(256);
const hostname = z.string().min(1).max(253).regex(/^[A-Za-z0-9._-]+$/, 'expected a host name');
const roles = z.union([z.string().max(200), z.array(z.string().max(50)).max(10)]).transform((r) => (Array.isArray(r) ? r.join(',') : r));
/** Kept as sent (lowercased): CloudStack sends its storage pool uuid dashed and reads it back so. */
const poolUuid = wireUuid('pool_uuid', 'lower');
const nodeNumber = wireInt({ strings: true, min: 0, max: 254, what: 'node number' });

const poolArgs = z.tuple([alias, poolUuid, ipv4, nodeNumber, hostname, ipv4]).rest(roles);

/** With `sequence`, a pool whose pool FS exists here is set up (and undone) as a clustered pool. */
export function poolMethods(pool: PoolService, sequence?: PoolSequence): MethodDef[] {
  const enter = (create: boolean) =>
    defineMethod({
      name: create ? 'create_server_pool' : 'join_server_pool',
      result: R.nil,
      summary: `${create ? 'create' : 'join'} a server pool (alias, uuid, virtual ip, node number, hostname, ip[, roles])`,
      access: 'owned',
      lock: 'pool',
      params: poolArgs,
      handler: ([poolAlias, uuid, vip, node, host, ip, r]) => {
        const spec = { alias: poolAlias, uuid, virtualIp: vip, nodeNumber: node, hostname: host, ip, roles: r as string | undefined };
        if (sequence) return sequence.enter(spec, create).then(() => null);
        if (create) pool.create(spec);
        else pool.join(spec);
        return null;
      },
    });
  return [
    enter(true),
    enter(false),
    defineMethod({
      name: 'leave_server_pool',
      result: R.nil,
      summary: 'leave the server pool (pool uuid)',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([poolUuid]),
      handler: ([uuid]) => {
        if (sequence) return sequence.leave(uuid, false).then(() => null);
        pool.leave(uuid);
        return null;
      },
    }),
    defineMethod({
      name: 'destroy_server_pool',
      result: R.nil,
      summary: 'destroy the server pool on this host (pool uuid)',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([poolUuid]),
      handler: ([uuid]) => {
        if (sequence) return sequence.leave(uuid, true).then(() => null);
        pool.destroy(uuid);
        return null;
      },
    }),
    defineMethod({
      name: 'discover_server_pool',
      result: R.xmlDoc,
      summary: 'the pool this host belongs to, as an XML document',
      access: 'public',
      params: z.tuple([]),
      handler: () => poolToXml(pool.get()),
    }),
    defineMethod({
      name: 'set_pool_member_ip_list',
      result: R.nil,
      summary: 'replace the pool member list (IPv4 addresses)',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([z.array(ipv4).max(128)]),
      handler: ([ips]) => {
        pool.setMemberIps(ips);
        return null;
      },
    }),
    defineMethod({
      name: 'update_pool_virtual_ip',
      result: R.nil,
      summary: 'set the pool virtual IP',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([ipv4]),
      handler: ([vip]) => {
        pool.setVirtualIp(vip);
        return null;
      },
    }),
    defineMethod({
      name: 'set_server_pool_alias',
      result: R.nil,
      summary: 'rename the server pool',
      access: 'owned',
      lock: 'pool',
      params: z.tuple([alias]),
      handler: ([a]) => {
        pool.setAlias(a);
        return null;
      },
    }),
  ];
}
