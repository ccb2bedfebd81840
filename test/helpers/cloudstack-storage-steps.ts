// The CloudStack order tier's storage and pool steps, as Ovm3StoragePool (ModifyStoragePool,
// setupPool, setupNfsStorage, prepareSecondaryStorageStore) and Ovm3StorageProcessor
// (createVolume, deleteVolume) send them through StoragePlugin / PoolOCFS2 / Pool / Cluster,
// with the records those build (HashMaps of '' and 0), each answer read as CloudStack reads it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Test } from 'tap';
import { attrList, select, textOf, typeAt, xmlToMap, type CsCall } from './cloudstack-wire.js';

export const NFS_PLUGIN = 'oracle.generic.NFSPlugin.GenericNFSPlugin';

export interface StorageCtx {
  /** The primary storage pool: host and path as CloudStack's StorageFilerTO has them. */
  host: string;
  path: string;
  /** Its uuid (dashed) and CloudStack's deDash of it (the repository and ss uuid). */
  primary: string;
  repo: string;
  manager: string;
  hostname: string;
  ip: string;
  vip: string;
  /** Where the NFS server keeps the export (to check what landed there). */
  exportDir: string;
}

/** StoragePlugin.StorageServer's map as CloudStack builds it, with the given fields set. */
const ss = (o: Record<string, unknown>) => ({
  status: '', admin_user: '', admin_host: '', uuid: '', total_sz: 0, admin_passwd: '', storage_desc: '', free_sz: 0,
  access_host: '', storage_type: '', alloc_sz: 0, access_grps: [], used_sz: 0, name: '', ...o,
});
/** StoragePlugin.StorageDetails' map. */
const sd = (o: Record<string, unknown>) => ({
  status: '', uuid: '', ss_uuid: '', size: '', free_sz: 0, state: 0, access_grp_names: [], access_path: '', name: '', mount_options: [], ...o,
});
/** StoragePlugin.FileProperties' map. */
const fp = (o: Record<string, unknown>) => ({ fr_type: '', ondisk_sz: '', fs_uuid: '', file_path: '', file_sz: '', ...o });

/** Long.parseLong / Long.valueOf of a String member: a String of digits, else CloudStack throws. */
function long(t: Test, v: unknown, what: string): number {
  t.type(v, 'string', `${what} is a String`);
  t.match(String(v), /^\d+$/, `Long.parseLong(${what})`);
  return Number(v);
}

/** Linux.discoverMountedFs: per Mount/@Dir its details, keyed by the Dir's last component (its "uuid"). */
async function fileSystemMap(call: CsCall, type: string): Promise<Map<string, Record<string, string>>> {
  const doc = (await call('discover_mounted_file_systems', type)).value as string;
  const base = 'Discover_Mounted_File_Systems_Result/Filesystem';
  const out = new Map<string, Record<string, string>>();
  for (const dir of attrList(doc, `${base}/Mount`, 'Dir')) out.set(dir.split('/').at(-1) ?? '', xmlToMap(doc, `${base}/Mount[@Dir='${dir}']`));
  return out;
}

/** setupNfsStorage, prepareSecondaryStorageStore, ModifyStoragePool's sizes, createVolume, deleteVolume. */
export async function storageSteps(t: Test, call: CsCall, c: StorageCtx): Promise<void> {
  // StoragePlugin.setNFS / checkStoragePluginProperties / checkStoragePluginAbility
  const plugins = (await call('discover_storage_plugins')).value as string;
  const info = 'Discover_Storage_Plugins_Result/storage_plugin_info_list/storage_plugin_info';
  t.ok(attrList(plugins, info, 'plugin_impl_name').includes(NFS_PLUGIN), 'discoverStoragePlugins lists the NFS plugin');
  t.ok(xmlToMap(plugins, `${info}[@plugin_impl_name='${NFS_PLUGIN}']`).plugin_version, 'checkStoragePluginProperties(plugin_version)');
  t.ok(xmlToMap(plugins, `${info}[@plugin_impl_name='${NFS_PLUGIN}']/abilities`).snapshot, 'checkStoragePluginAbility(snapshot)');

  // Export discovery against the real server (showmount in the agent's namespace). The
  // Storage Connect API answers a list of fs records; CloudStack's storagePluginListFs (not in
  // its flow, only in its unit test) would cast the answer to a Map.
  const list = (await call('storage_plugin_listFileSystems', NFS_PLUGIN, ss({ access_host: c.host, storage_type: 'FileSys' }))).value as Array<Record<string, unknown>>;
  t.ok(list.some((f) => f.access_path === `${c.host}:${c.path}`), 'the export, as the server lists it');

  // setupNfsStorage: not in getFileSystemMap("nfs") yet, so storagePluginMountNFS
  const before = await fileSystemMap(call, 'nfs');
  t.equal(before.get(c.repo)?.Device, `${c.host}:${c.path}`, 'the repository is an NFS mount');
  t.notOk(before.has(c.primary), 'the plugin\'s file system is not mounted yet');
  const nfsDir = `${c.path}/VirtualMachines`;
  const mnt = `/nfsmnt/${c.primary}`;
  const mountArgs = [NFS_PLUGIN, ss({ uuid: c.repo, name: c.repo, access_host: c.host }), sd({ ss_uuid: c.repo, uuid: c.primary, access_path: `${c.host}:${nfsDir}` }), mnt, '', true, []];
  const m = (await call('storage_plugin_mount', ...mountArgs)).value as Record<string, unknown>;
  t.not(m, null, 'a struct: CloudStack takes null as "already mounted"');
  long(t, m.size, 'size');
  long(t, m.free_sz, 'free_sz');
  t.equal(m.uuid, c.primary, 'StorageDetails uuid: dashed');
  t.equal(m.ss_uuid, c.repo, 'ss_uuid: no dashes');
  t.equal(m.name, `nfs:${nfsDir}`);
  const again = (await call('storage_plugin_mount', ...mountArgs)).value as Record<string, unknown>;
  const same = (r: Record<string, unknown>) => [r.uuid, r.ss_uuid, r.name, r.access_path, r.state]; // free space moves
  t.same(same(again), same(m), 'twice = once (a restarted management server mounts again)');
  t.ok(fs.existsSync(path.join(c.exportDir, 'VirtualMachines/.generic_fs_stamp')), 'the stamp is on the export');

  // prepareSecondaryStorageStore: getFileInfo of the system VM ISO; absent, CloudStack copies it over ssh
  const iso = `/OVS/Repositories/${c.repo}/ISOs/`;
  const server = ss({ uuid: c.repo, access_host: c.host });
  const details = sd({ uuid: c.primary, ss_uuid: c.repo, state: 1 });
  await t.rejects(call('storage_plugin_getFileInfo', NFS_PLUGIN, server, details, fp({ file_path: `${iso}/systemvm.iso` })), /STORAGE_FILE_NOT_FOUND/, 'absent: CloudStack scp-s it');
  fs.writeFileSync(path.join(c.exportDir, 'ISOs/systemvm.iso'), Buffer.alloc(8192, 1)); // what the scp does
  const isoInfo = (await call('storage_plugin_getFileInfo', NFS_PLUGIN, server, details, fp({ file_path: `${iso}/systemvm.iso` }))).value as Record<string, unknown>;
  t.equal(long(t, isoInfo.file_sz, 'file_sz'), 8192, 'FileProperties.getSize');

  // ModifyStoragePool's answer: storagePluginGetFileSystemInfo(propUuid, mntUuid, host, path)
  const fsi = (await call('storage_plugin_getFileSystemInfo', NFS_PLUGIN, ss({ uuid: c.repo, access_host: c.host, storage_type: 'FileSys' }), sd({ ss_uuid: c.repo, uuid: c.primary, access_path: `${c.host}:${c.path}` }))).value as Record<string, unknown>;
  t.ok(long(t, fsi.size, 'size') >= long(t, fsi.free_sz, 'free_sz'), 'total and used from one file system');

  // GetStorageStatsCommand: getFileSystemByUuid(storageId, "nfs"), then getFileSystemInfo with
  // the host and device it shows
  const mounted = (await fileSystemMap(call, 'nfs')).get(c.primary);
  t.equal(mounted?.Device, `${c.host}:${nfsDir}`, 'getFileSystemByUuid finds the mount by its uuid');
  const [fsHost] = (mounted?.Device ?? '').split(':');
  const stats = (await call('storage_plugin_getFileSystemInfo', NFS_PLUGIN, ss({ uuid: c.repo, access_host: fsHost, storage_type: 'FileSys' }), sd({ ss_uuid: c.repo, uuid: c.primary, access_path: mounted?.Device }))).value as Record<string, unknown>;
  t.ok(long(t, stats.size, 'size') > 0, 'GetStorageStatsAnswer total');

  // createVolume: a file in the repository, named as CloudStack names it, through the plugin
  const vol = `/OVS/Repositories/${c.repo}/VirtualDisks/0e7c8d4b-7b55-4a8f-9c57-25e7e1e3b3a1.raw`;
  const size = 64n * 1024n * 1024n; // volume.getSize(): a Long, <i8> on the wire
  const created = await call('storage_plugin_create', NFS_PLUGIN, ss({ uuid: c.repo, storage_type: 'FileSys', access_host: c.host }), sd({ uuid: c.primary, ss_uuid: c.repo, state: 2 }), vol, 'File', size);
  const f = created.value as Record<string, unknown>;
  t.equal(f.file_path, vol, 'fp.getName().equals(file), or CloudStack answers "Filename mismatch"');
  t.equal(long(t, f.file_sz, 'file_sz'), Number(size));
  t.equal(typeAt(created, '$.fr_type'), 'string');
  t.equal(fs.statSync(path.join(c.exportDir, 'VirtualDisks', path.basename(vol))).size, Number(size), 'on the export');
  const got = (await call('storage_plugin_getFileInfo', NFS_PLUGIN, server, details, fp({ file_path: vol }))).value as Record<string, unknown>;
  t.equal(got.file_path, vol);
  // deleteVolume: storagePluginDestroy(poolUuid, path), nullIsTrue
  const destroyArgs = [NFS_PLUGIN, ss({ uuid: c.repo }), sd({ ss_uuid: c.repo, uuid: c.primary }), fp({ fr_type: 'file', fs_uuid: c.primary, file_path: vol })];
  t.equal((await call('storage_plugin_destroy', ...destroyArgs)).value, null);
  t.notOk(fs.existsSync(path.join(c.exportDir, 'VirtualDisks', path.basename(vol))), 'gone from the export');
}

/** setupPool (PoolOCFS2.createPoolFs, Pool.createServerPool) and addMembers; the Cluster calls. */
export async function poolSteps(t: Test, call: CsCall, c: StorageCtx): Promise<void> {
  const pfs = 'Discover_Pool_Filesystem_Result/Pool_Filesystem';
  t.same(xmlToMap((await call('discover_pool_filesystem')).value as string, pfs), {}, 'hasAPoolFs: none yet');
  const target = `${c.host}:${c.path}/VirtualMachines`;
  const cluster = c.manager.substring(0, 15);
  t.equal((await call('create_pool_filesystem', 'nfs', target, cluster, c.primary, c.repo, c.manager, c.primary)).value, null);
  const p = xmlToMap((await call('discover_pool_filesystem')).value as string, pfs);
  t.same(
    [p.Pool_Filesystem_Uuid, p.Pool_Filesystem_Type, p.Pool_Filesystem_Target, p.Pool_Filesystem_Nfsbase_Uuid, p.Pool_Filesystem_Manager_Uuid, p.Pool_Filesystem_Pool_Uuid],
    [c.primary, 'nfs', target, c.repo, c.manager, c.primary],
    'hasPoolFs(fsid) compares with what it sent',
  );
  t.ok(p.Pool_Filesystem_Version, 'getPoolFsVersion');
  // createServerPool: only when isInAPool() is false (discover_server_pool first)
  t.equal(xmlToMap((await call('discover_server_pool')).value as string, 'Discover_Server_Pool_Result/Server_Pool').Unique_Id, undefined, 'isInAPool: not yet');
  t.equal((await call('create_server_pool', `${c.host}:${c.path}`, c.primary, c.vip, 1, c.hostname, c.ip, 'xen,utility')).value, null);
  const pool = (await call('discover_server_pool')).value as string;
  const sp = xmlToMap(pool, 'Discover_Server_Pool_Result/Server_Pool');
  t.equal(sp.Unique_Id, c.primary, 'Pool.isInPool compares with the dashed id it sent');
  t.equal(sp.Master_Virtual_Ip, c.vip, 'getPoolMasterVip');
  // addMembers: the member list from the master, set on every member
  t.equal((await call('set_pool_member_ip_list', [c.ip])).value, null);
  const members = select((await call('discover_server_pool')).value as string, 'Discover_Server_Pool_Result/Server_Pool/Member_List/Member/Registered_IP');
  t.same(members.map(textOf), [c.ip], 'getPoolMemberList (//Registered_IP)');
  // Cluster (stack none: the pool runs on the shared directory, no OCFS2 cluster)
  t.equal(String((await call('is_cluster_online')).value), 'false', 'Boolean.valueOf(x.toString())');
  t.ok(String((await call('discover_cluster')).value).includes('Discover_Cluster_Result'), 'discoverCluster answers');
  await t.rejects(call('configure_server_for_cluster', c.primary), /NOT_SUPPORTED/, 'no o2cb cluster with cluster.stack none (CloudStack leaves it out too)');
}

/** DeleteStoragePool (leave_server_pool), then what the pool FS and the NFS mount leave behind. */
export async function releaseStorage(t: Test, call: CsCall, c: StorageCtx): Promise<void> {
  t.equal((await call('leave_server_pool', c.primary)).value, null);
  t.equal((await call('destroy_pool_filesystem', 'nfs', `${c.host}:${c.path}/VirtualMachines`, c.primary, c.repo)).value, null, 'PoolOCFS2.destroyPoolFs');
  const unmountArgs = [NFS_PLUGIN, ss({ uuid: c.repo, access_host: c.host, storage_type: 'FileSys' }), sd({ uuid: c.primary, ss_uuid: c.repo, access_path: `${c.host}:${c.path}/VirtualMachines`, state: 1 }), `/nfsmnt/${c.primary}`, true];
  t.equal((await call('storage_plugin_unmount', ...unmountArgs)).value, null, 'storagePluginUnmountNFS: nullIsTrue');
}
