// Our answers to the storage and pool FS calls whose real answers CloudStack's StoragePluginTest
// and PoolOCFS2Test captured, for the golden test: the storage service with its built-in plugins
// (the NFS plugin over a mount table the test keeps, a recording mounter, fixed sizes), called
// with CloudStack's own argument shapes; the pool FS answer from the pool FS record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hostDeps } from './host-deps.js';
import { buildStorageService } from '../../src/services/storage/storage-feature.js';
import { NFS_PLUGIN_NAME } from '../../src/services/storage/plugins/nfs/nfs-plugin.js';
import { poolFsToXml } from '../../src/core/cluster/cluster-xml.js';
import type { MountEntry } from '../../src/core/discovery/host-info.js';
import type { Mounter } from '../../src/host/mounter.js';
import type { NfsProbe } from '../../src/host/storage/nfs-probe.js';

const PRIMARY = 'f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8';
const REPO = PRIMARY.replace(/-/g, '');
const MANAGER = 'd1a749d4295041fb99854f52ea4dea97';
const HOST = 'cs-mgmt';
const EXPORT = '/volumes/cs-data/primary/ovm';
const SS = { status: '', admin_user: '', admin_host: '', uuid: REPO, total_sz: 0, admin_passwd: '', storage_desc: '', free_sz: 0, access_host: HOST, storage_type: 'FileSys', alloc_sz: 0, access_grps: [], used_sz: 0, name: REPO };
const SD = { status: '', uuid: PRIMARY, ss_uuid: REPO, size: '', free_sz: 0, state: 0, access_grp_names: [], access_path: `${HOST}:${EXPORT}/VirtualMachines`, name: '', mount_options: [] };
const VOL = `/OVS/Repositories/${REPO}/VirtualDisks/a.file`;

export const STORAGE_ANSWERS = ['discover_storage_plugins', 'storage_plugin_mount', 'storage_plugin_getFileSystemInfo', 'storage_plugin_create', 'storage_plugin_getFileInfo', 'discover_pool_filesystem'];

export async function cloudstackStorageAnswers(method: string): Promise<unknown> {
  if (method === 'discover_pool_filesystem') {
    return poolFsToXml({ type: 'nfs', target: `${HOST}:${EXPORT}/VirtualMachines`, uuid: PRIMARY, nfsbaseUuid: REPO, managerUuid: MANAGER, version: '3.0', poolUuid: PRIMARY });
  }
  const d = await hostDeps('rhel-server');
  try {
    // The kernel's table after the mounts: the repository (host:/export) and the plugin's FS.
    const table: MountEntry[] = [{ device: `${HOST}:${EXPORT}`, dir: `/OVS/Repositories/${REPO}`, type: 'nfs', options: 'rw,vers=3' }];
    const mounter: Mounter = {
      mount: async (loc, dir) => void table.push({ device: loc.kind === 'nfs' ? loc.source : loc.device, dir: dir.slice(d.sysroot.length), type: 'nfs', options: 'rw,vers=3' }),
      unmount: async () => {},
      isMounted: async (dir) => table.some((m) => m.dir === dir.slice(d.sysroot.length)),
    };
    const probe: NfsProbe = { exportsV3: async () => [{ path: EXPORT, clients: '*' }], pseudoRootV4: async () => [] };
    fs.mkdirSync(path.join(d.sysroot, `OVS/Repositories/${REPO}/VirtualDisks`), { recursive: true });
    const svc = buildStorageService(d, { mounter, mounts: async () => [...table], nfsProbe: probe, statvfs: async () => ({ size: 263166853120, free: 259377299456 }) });
    const ctx = { callId: 'golden', signal: new AbortController().signal };
    const call = (op: string, ...args: unknown[]) => svc.call(NFS_PLUGIN_NAME, op, args, ctx);
    if (method === 'discover_storage_plugins') return svc.discoverStoragePlugins();
    const mounted = await call('mount', SS, SD, `/nfsmnt/${PRIMARY}`, '', true, []);
    if (method === 'storage_plugin_mount') return mounted;
    if (method === 'storage_plugin_getFileSystemInfo') return call('getFileSystemInfo', SS, { ...SD, access_path: `${HOST}:${EXPORT}` });
    const created = await call('create', SS, { ...SD, access_path: '', state: 2 }, VOL, 'File', 2096898048n);
    if (method === 'storage_plugin_create') return created;
    if (method === 'storage_plugin_getFileInfo') return call('getFileInfo', SS, { ...SD, access_path: '', state: 1 }, { fr_type: '', ondisk_sz: '', fs_uuid: '', file_path: VOL, file_sz: '' });
    throw new Error(`no producer for ${method}`);
  } finally {
    await d.cleanup();
  }
}
