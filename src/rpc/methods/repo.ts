// Repository methods (wire-api 3.6, copy_file of 3.2, import_template of 3.8) and the virtual
// disk extensions: thin declarations over RepositoryService.
import { z } from 'zod';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';
import { pathUnder, wireBoolean, wireId, wireInt, wireText } from '../wire-types.js';
import { repoResource, type RepositoryService } from '../../services/repo/repository-service.js';
import { REPOSITORIES_ROOT } from '../../core/ids.js';
import { exclusive, shared, type LockRequest } from '../../core/locks.js';

/** Creating, adopting, mounting and forgetting repositories: one at a time, agent-wide. */
const LOCK = 'repository';

/** Delete, erase, unmount: nothing may be running on the repository (REPO_IN_USE names what is). */
const closing = (uuid: string): LockRequest[] => [exclusive(repoResource(uuid), 'REPO_IN_USE')];
/** Work on a repository's files: keeps it from being deleted or unmounted meanwhile. */
const using = (uuid: string): LockRequest[] => [shared(repoResource(uuid), 'REPO_IN_USE')];
/** One virtual disk is changed by one call at a time. */
const disk = (uuid: string, name: string): LockRequest[] => [...using(uuid), exclusive(`file:${uuid}/VirtualDisks/${name}`)];

function repoOfMountPoint(mountPoint: string): string | undefined {
  const prefix = `${REPOSITORIES_ROOT}/`;
  const rest = mountPoint.startsWith(prefix) ? mountPoint.slice(prefix.length).replace(/\/+$/, '') : '';
  return rest && !rest.includes('/') ? rest : undefined;
}

/** Byte sizes arrive as <int> or <i8> (bigint); whole, positive and within 2^53. */
const byteSize = wireInt({ min: 1, what: 'size' });
/** Repository uuids and file names name folders and files: one path component each, kept as sent. */
const repoUuid = wireId('repo_uuid');
const diskName = wireId('disk_name');
const fsLocation = wireText('fs_location');
const mountPoint = wireText('mount_point');

const str = z.string().max(4096);
/** The stock agent's `option` argument: accepted and ignored (our reading: proxy/flags we do not need). */
const option = z.unknown().optional();
/** Checked at the door so a bad URL is refused naming its argument (never quoting credentials). */
const httpUrl = str.refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'expected an http or https URL' },
);
const urlList = z.union([httpUrl, z.array(httpUrl).min(1).max(256)]).transform((v) => (typeof v === 'string' ? [v] : v));

export function repoMethods(repo: RepositoryService): MethodDef[] {
  return [
    defineMethod({
      name: 'create_repository',
      result: R.nil,
      params: z.tuple([fsLocation, mountPoint, repoUuid, wireText('alias')]),
      access: 'owned',
      lock: LOCK,
      summary: 'create a repository (fs_location, mount_point, repo_uuid, alias)',
      handler: async ([fsLocation, mountPoint, uuid, alias]) => void (await repo.createRepository(fsLocation, mountPoint, uuid, alias)),
    }),
    defineMethod({
      name: 'add_repository',
      result: R.nil,
      params: z.tuple([fsLocation, mountPoint]),
      access: 'owned',
      lock: LOCK,
      summary: 'adopt an existing repository (fs_location, mount_point)',
      handler: async ([fsLocation, mountPoint]) => void (await repo.addRepository(fsLocation, mountPoint)),
    }),
    defineMethod({
      name: 'delete_repository',
      result: R.nil,
      params: z.tuple([repoUuid, wireBoolean('erase')]),
      access: 'owned',
      lock: LOCK,
      locks: ([uuid]) => closing(uuid),
      summary: 'forget a repository; erase=true also removes its contents',
      handler: async ([uuid, erase]) => void (await repo.deleteRepository(uuid, erase)),
    }),
    defineMethod({
      name: 'mount_repository_fs',
      result: R.nil,
      params: z.tuple([fsLocation, mountPoint]),
      access: 'owned',
      lock: LOCK,
      summary: 'mount (or link) a repository file system (fs_location, mount_point)',
      handler: async ([fsLocation, mountPoint]) => void (await repo.mountRepositoryFs(fsLocation, mountPoint)),
    }),
    defineMethod({
      name: 'unmount_repository_fs',
      result: R.nil,
      params: z.tuple([mountPoint]),
      access: 'owned',
      lock: LOCK,
      locks: ([mountPoint]) => {
        const uuid = repoOfMountPoint(mountPoint);
        return uuid ? closing(uuid) : [];
      },
      summary: 'unmount (or unlink) a repository file system',
      handler: async ([mountPoint]) => void (await repo.unmountRepositoryFs(mountPoint)),
    }),
    defineMethod({
      name: 'discover_repositories',
      result: R.xmlDoc,
      params: z.tuple([z.union([repoUuid, z.literal('')]).optional()]),
      access: 'public',
      summary: 'XML Discover_Repositories_Result (one repository, or all when the uuid is empty)',
      handler: ([uuid]) => repo.discoverRepositories(uuid || undefined),
    }),
    defineMethod({
      name: 'discover_repository_db',
      result: R.xmlDoc,
      params: z.tuple([]),
      access: 'public',
      summary: 'XML Discover_Repository_Db_Result: the repositories this host remembers',
      handler: () => repo.discoverRepositoryDb(),
    }),
    defineMethod({
      name: 'import_virtual_disk',
      result: R.jobId,
      locks: ([, , uuid]) => using(uuid),
      params: z.tuple([httpUrl, wireId('virtual_disk_id'), repoUuid, option]),
      access: 'owned',
      summary: 'download url into VirtualDisks/<id>; returns nil once the disk is there (as a job: ovs_async_proc)',
      handler: ([url, id, uuid], ctx) => repo.importVirtualDisk(url, id, uuid, ctx.signal),
    }),
    defineMethod({
      name: 'import_ISO',
      result: R.jobId,
      locks: ([, , uuid]) => using(uuid),
      params: z.tuple([httpUrl, wireId('iso_id'), repoUuid, option]),
      access: 'owned',
      summary: 'download url into ISOs/<id> as a job; returns the job id',
      handler: ([url, id, uuid]) => repo.importIso(url, id, uuid),
    }),
    defineMethod({
      name: 'import_template',
      result: R.jobId,
      locks: ([uuid]) => using(uuid),
      params: z.tuple([repoUuid, wireId('template_id'), urlList, option]),
      access: 'owned',
      summary: 'import a template (repo_uuid, template_id, url_list, option) as a job; returns the job id',
      handler: ([uuid, templateId, urls]) => repo.importTemplate(uuid, templateId, urls),
    }),
    defineMethod({
      name: 'copy_file',
      result: R.nil,
      params: z.tuple([pathUnder(['/'], 'src'), pathUnder(['/'], 'dst'), wireBoolean('sparse'), wireInt({ min: 0, max: 86_400, what: 'update_period' }).optional()]),
      access: 'owned',
      summary: 'copy a file inside repositories (src, dst, sparse[, update_period seconds])',
      handler: async ([src, dst, sparse, period]) => void (await repo.copyFile(src, dst, sparse, period)),
    }),
    defineMethod({
      name: 'create_virtual_disk',
      result: R.fileRecord,
      locks: ([uuid, name]) => disk(uuid, name),
      params: z.tuple([repoUuid, diskName, byteSize, wireBoolean('sparse')]),
      access: 'owned',
      summary: '(ext) create VirtualDisks/<name> of size bytes (repo_uuid, name, size, sparse); returns a file_record',
      handler: ([uuid, name, size, sparse]) => repo.createVirtualDisk(uuid, name, size, sparse),
    }),
    defineMethod({
      name: 'resize_virtual_disk',
      result: R.fileRecord,
      locks: ([uuid, name]) => disk(uuid, name),
      params: z.tuple([repoUuid, diskName, byteSize]),
      access: 'owned',
      summary: '(ext) grow a virtual disk to size bytes; returns a file_record',
      handler: ([uuid, name, size]) => repo.resizeVirtualDisk(uuid, name, size),
    }),
    defineMethod({
      name: 'delete_virtual_disk',
      result: R.nil,
      locks: ([uuid, name]) => disk(uuid, name),
      params: z.tuple([repoUuid, diskName]),
      access: 'owned',
      summary: '(ext) delete a virtual disk',
      handler: async ([uuid, name]) => void (await repo.deleteVirtualDisk(uuid, name)),
    }),
    defineMethod({
      name: 'list_repository_files',
      result: z.array(R.fileRecord),
      params: z.tuple([repoUuid, wireText('subdir')]),
      access: 'public',
      summary: '(ext) file_records of one repository folder (repo_uuid, VirtualDisks|ISOs|Templates|...)',
      handler: ([uuid, subdir]) => repo.listFiles(uuid, subdir),
    }),
  ];
}
