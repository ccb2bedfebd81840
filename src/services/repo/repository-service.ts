// Repositories on this host: create, adopt, delete, mount and discover them, remember them in
// the database (so they come back at start without the manager), and hand their files to the
// file and import helpers. A repository is only ever changed under its own path.
import type { Logger } from 'pino';
import { fail, isAgentError } from '../../core/errors.js';
import { REPOSITORIES_ROOT, REPO_SUBDIRS } from '../../core/ids.js';
import { fsLocationToText, parseFsLocation, parseMountPoint, type FsLocation } from '../../core/repo/fs-location.js';
import { isMetaValue, REPO_META_FILE, REPO_VERSION, repoMetaToText, textToRepoMeta, type RepoMeta } from '../../core/repo/repo-meta.js';
import { checkComponent, repoMetaPath, repoRoot } from '../../core/repo/repo-paths.js';
import { repoDbToDiscoverXml, reposToDiscoverXml, type RepoContents, type RepoDbEntry } from '../../core/repo/repo-xml.js';
import type { FileRecord } from '../../core/repo/file-record.js';
import type { Mounter } from '../../host/mounter.js';
import { lstatPath } from '../../host/file-ops.js';
import { RepositoryStore, type RepoRow } from '../../store/repository-store.js';
import { STATE_KEYS, type ServiceDeps } from '../context.js';
import { shared } from '../../core/locks.js';
import { RepoLocations } from './repo-location.js';
import { RepoFiles, registerDiskRecovery, type RepoAccess } from './repo-files.js';
import { sweepRepoTemps } from './repo-sweep.js';
import { INTENT_REPO_ADD, INTENT_REPO_CREATE, INTENT_REPO_DELETE, INTENT_REPO_MOUNT, INTENT_REPO_UNMOUNT, registerRepoRecoveries } from './repo-recovery.js';
import type { AddIntent, CreateIntent, DeleteIntent, MountIntent } from './repo-recovery.js';
import { RepoImports, registerFileImportRecovery, registerTemplateImportRecovery, type ImportOptions } from './repo-imports.js';

export interface RepositoryServiceOptions {
  /** Roots besides the known repositories that copy_file may read and write (default none). */
  copyRoots?: readonly string[];
  http?: ImportOptions;
  /** Mount/link the remembered repositories again at start (default true). */
  restoreAtStart?: boolean;
}

export interface RepositoryServiceDeps extends ServiceDeps {
  mounter: Mounter;
  options?: RepositoryServiceOptions;
  /** VMs running from a repository (their folder or a disk in it), as `repo/vm` names. */
  vmsUsing?: (repoUuid: string) => Promise<string[]>;
}

/** The lock resource of one repository: files and jobs hold it shared, delete/unmount exclusive. */
export const repoResource = (repoUuid: string): string => `repository:${repoUuid}`;

export class RepositoryService implements RepoAccess {
  private readonly store: RepositoryStore;
  private readonly locations: RepoLocations;
  private readonly log: Logger;
  private holdSeq = 0;
  /** Repositories being deleted or unmounted: new work on them is refused. */
  private readonly closing = new Set<string>();
  private readonly files: RepoFiles;
  private readonly imports: RepoImports;
  private restoring: Promise<void> = Promise.resolve();

  constructor(private readonly deps: RepositoryServiceDeps) {
    this.store = new RepositoryStore(deps.db);
    this.locations = new RepoLocations(deps.fs, deps.mounter);
    this.log = deps.log.child({ component: 'repository' });
    this.files = new RepoFiles(deps, this, deps.options?.copyRoots ?? []);
    this.imports = new RepoImports(deps, this, deps.options?.http ?? {});
    registerRepoRecoveries({ fs: deps.fs, intents: deps.intents, store: this.store, locations: this.locations });
    registerDiskRecovery(deps);
    registerTemplateImportRecovery(deps);
    registerFileImportRecovery(deps);
  }

  /** Bring remembered repositories back (in the background: an NFS server may be slow). */
  start(): void {
    if (this.deps.options?.restoreAtStart === false) return;
    this.restoring = this.restoreAll();
  }

  /** Resolves when the start-up restore has finished (tests, readiness). */
  whenRestored(): Promise<void> {
    return this.restoring;
  }

  async stop(): Promise<void> {
    await this.restoring;
  }

  // ---- life cycle -------------------------------------------------------------------------

  async createRepository(fsLocation: string, mountPoint: string, repoUuid: string, alias: string): Promise<void> {
    checkComponent('repository uuid', repoUuid);
    if (!isMetaValue(alias)) throw fail('REPO_INVALID', 'the repository alias must be one line');
    const loc = parseFsLocation(fsLocation, this.deps.config.storage.repositoryRoots);
    const mp = this.repoMountPoint(mountPoint, repoUuid);
    if (this.store.get(repoUuid)) throw fail('REPO_EXISTS', `Repository already exists: ${repoUuid}`);
    const start: CreateIntent = {
      uuid: repoUuid,
      fsLocation: fsLocationToText(loc),
      mountPoint: mp,
      present: await this.locations.present(loc, mp),
      locationMade: loc.kind === 'dir' && !(await this.deps.fs.exists(loc.path)),
      metaIsOurs: false,
    };
    // The intent's recovery is the undo, after a crash and after a failure here alike.
    await this.deps.intents.run(INTENT_REPO_CREATE, `repository:${repoUuid}`, start, async (intent) => {
      await this.locations.attach(loc, mp);
      intent.step('attached');
      const metaPath = repoMetaPath(repoUuid);
      if (await this.deps.fs.exists(metaPath)) throw fail('REPO_EXISTS', `Repository already exists at ${fsLocationToText(loc)}`);
      const meta: RepoMeta = {
        uuid: repoUuid,
        alias,
        managerUuid: this.deps.hostState.get(STATE_KEYS.managerUuid) ?? '',
        version: REPO_VERSION,
      };
      intent.step('write-meta', { metaIsOurs: true });
      await this.deps.fs.writeAtomic(metaPath, repoMetaToText(meta));
      intent.step('meta-written');
      for (const sub of REPO_SUBDIRS) await this.deps.fs.mkdirp(`${repoRoot(repoUuid)}/${sub}`);
      intent.step('subdirs-made');
      this.store.upsert(this.row(loc, mp, meta));
    });
    this.log.info({ repoUuid, fsLocation: fsLocationToText(loc), mountPoint: mp }, 'repository created');
  }

  async addRepository(fsLocation: string, mountPoint: string): Promise<void> {
    const loc = parseFsLocation(fsLocation, this.deps.config.storage.repositoryRoots);
    const mp = this.repoMountPoint(mountPoint);
    const start: AddIntent = {
      fsLocation: fsLocationToText(loc),
      mountPoint: mp,
      present: await this.locations.present(loc, mp),
      locationMade: loc.kind === 'dir' && !(await this.deps.fs.exists(loc.path)),
      rowExisted: this.store.list().some((r) => r.mountPoint === mp),
    };
    await this.deps.intents.run(INTENT_REPO_ADD, `repository:${mp}`, start, async (intent) => {
      await this.locations.attach(loc, mp);
      intent.step('attached');
      await this.adopt(loc, mp);
    });
  }

  private async adopt(loc: FsLocation, mp: string): Promise<void> {
    const text = await this.deps.fs.readTextIfExists(`${mp}/${REPO_META_FILE}`);
    if (text === undefined) throw fail('REPO_NOT_FOUND', `no repository at ${fsLocationToText(loc)} (no metadata file)`);
    const meta = textToRepoMeta(text, `${fsLocationToText(loc)}/${REPO_META_FILE}`);
    if (`${REPOSITORIES_ROOT}/${meta.uuid}` !== mp) {
      throw fail('REPO_INVALID', `the repository at ${fsLocationToText(loc)} is ${meta.uuid}, the mount point names ${mp}`);
    }
    const other = this.store.get(meta.uuid);
    if (other && other.fsLocation !== fsLocationToText(loc)) {
      throw fail('REPO_EXISTS', `Repository already exists: ${meta.uuid} at ${other.fsLocation}`);
    }
    this.store.upsert(this.row(loc, mp, meta));
    this.log.info({ repoUuid: meta.uuid, fsLocation: fsLocationToText(loc) }, 'repository added');
  }

  async deleteRepository(repoUuid: string, erase: boolean): Promise<void> {
    checkComponent('repository uuid', repoUuid);
    const row = this.store.get(repoUuid);
    if (!row) return this.deps.intents.retriedDelete(INTENT_REPO_DELETE, `repository:${repoUuid}`, fail('REPO_NOT_FOUND', `no repository ${repoUuid}`));
    await this.closingWhile(repoUuid, async () => {
      if (erase && !(await this.locations.isReachable(row.fsType, row.mountPoint))) {
        throw fail('REPO_NOT_MOUNTED', `repository ${repoUuid} is not mounted: cannot erase it`);
      }
      // Nothing done yet is rolled back; once files are being removed the delete is finished.
      await this.deps.intents.run<DeleteIntent, void>(INTENT_REPO_DELETE, `repository:${repoUuid}`, { uuid: repoUuid, erase }, (intent) =>
        this.eraseAndForget(row, erase, (s) => intent.step(s)),
      );
    });
    this.log.info({ repoUuid, erase }, 'repository deleted');
  }

  private async eraseAndForget(row: RepoRow, erase: boolean, step: (name: string) => void = () => {}): Promise<void> {
    const repoUuid = row.uuid;
    if (erase) {
      step('erasing');
      const root = repoRoot(repoUuid);
      for (const sub of REPO_SUBDIRS) await this.deps.fs.removeTree(`${root}/${sub}`);
      await this.deps.fs.remove(repoMetaPath(repoUuid));
      step('erased');
    }
    step('detaching');
    await this.locations.detach(row.mountPoint);
    step('detached');
    this.store.delete(repoUuid);
  }

  async mountRepositoryFs(fsLocation: string, mountPoint: string): Promise<void> {
    const loc = parseFsLocation(fsLocation, this.deps.config.storage.repositoryRoots);
    const mp = parseMountPoint(mountPoint).path;
    const start: MountIntent = {
      fsLocation: fsLocationToText(loc),
      mountPoint: mp,
      occupied: (await lstatPath(this.deps.fs, mp)) !== undefined,
      locationMade: loc.kind === 'dir' && !(await this.deps.fs.exists(loc.path)),
    };
    await this.deps.intents.run(INTENT_REPO_MOUNT, `mount:${mp}`, start, async (intent) => {
      intent.step('attaching');
      await this.locations.attach(loc, mp);
    });
  }

  async unmountRepositoryFs(mountPoint: string): Promise<void> {
    const mp = parseMountPoint(mountPoint);
    const detach = () =>
      this.deps.intents.run(INTENT_REPO_UNMOUNT, `mount:${mp.path}`, { mountPoint: mp.path }, async (intent) => {
        intent.step('detaching');
        await this.locations.detach(mp.path);
      });
    if (mp.root !== REPOSITORIES_ROOT) return detach();
    await this.closingWhile(mp.name, detach);
  }

  // ---- discovery --------------------------------------------------------------------------

  async discoverRepositories(repoUuid?: string): Promise<string> {
    const rows = repoUuid ? [this.store.get(checkComponent('repository uuid', repoUuid))].filter((r): r is RepoRow => !!r) : this.store.list();
    const out: RepoContents[] = [];
    for (const row of rows) {
      if (!(await this.locations.isReachable(row.fsType, row.mountPoint))) continue;
      const meta = await this.readMeta(row);
      if (meta) out.push({ meta, ...(await this.files.scanContents(row.uuid)) });
    }
    return reposToDiscoverXml(out);
  }

  async discoverRepositoryDb(): Promise<string> {
    const out: RepoDbEntry[] = [];
    for (const row of this.store.list()) {
      const mounted = await this.locations.isReachable(row.fsType, row.mountPoint);
      const meta = mounted ? await this.readMeta(row) : undefined;
      out.push({
        uuid: row.uuid,
        fsLocation: row.fsLocation,
        mountPoint: row.mountPoint,
        filesystemType: row.fsType,
        version: meta?.version ?? row.version,
        alias: meta?.alias ?? row.alias,
        managerUuid: meta?.managerUuid ?? row.managerUuid,
        mounted,
      });
    }
    return repoDbToDiscoverXml(out);
  }

  /** The remembered repositories (CLI, other services). */
  list(): RepoRow[] {
    return this.store.list();
  }

  // ---- files and imports (delegated) ------------------------------------------------------

  createVirtualDisk(repoUuid: string, name: string, size: number, sparse: boolean): Promise<FileRecord> {
    return this.files.createVirtualDisk(repoUuid, name, size, sparse);
  }
  resizeVirtualDisk(repoUuid: string, name: string, size: number): Promise<FileRecord> {
    return this.files.resizeVirtualDisk(repoUuid, name, size);
  }
  deleteVirtualDisk(repoUuid: string, name: string): Promise<void> {
    return this.files.deleteVirtualDisk(repoUuid, name);
  }
  listFiles(repoUuid: string, subdir: string): Promise<FileRecord[]> {
    return this.files.listFiles(repoUuid, subdir);
  }
  copyFile(src: string, dst: string, sparse: boolean, updatePeriod?: number): Promise<string> {
    return this.files.copyFile(src, dst, sparse, updatePeriod);
  }
  /**
   * import_virtual_disk as the stock agent does it: returns once the disk is there (a failed
   * download faults). The download still runs as a job, so get_job shows its progress, and
   * aborting the call (agent stop, or ovs_async_proc_stop of the job wrapping it) aborts it.
   */
  async importVirtualDisk(url: string, id: string, repoUuid: string, signal?: AbortSignal): Promise<null> {
    const job = await this.imports.importFile('VirtualDisks', url, id, repoUuid);
    const stop = () => {
      try {
        this.deps.jobs.abort(job.id);
      } catch {
        /* already finished */
      }
    };
    signal?.addEventListener('abort', stop, { once: true });
    try {
      await job.done;
      return null;
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }
  /** The download as a job only: returns its id at once (the job's result is the file_record). */
  async startVirtualDiskImport(url: string, id: string, repoUuid: string): Promise<string> {
    return (await this.imports.importFile('VirtualDisks', url, id, repoUuid)).id;
  }
  async importIso(url: string, id: string, repoUuid: string): Promise<string> {
    return (await this.imports.importFile('ISOs', url, id, repoUuid)).id;
  }
  importTemplate(repoUuid: string, templateId: string, urls: readonly string[]): Promise<string> {
    return this.imports.importTemplate(repoUuid, templateId, urls);
  }

  // ---- RepoAccess -------------------------------------------------------------------------

  async requireRepo(repoUuid: string): Promise<RepoRow> {
    checkComponent('repository uuid', repoUuid);
    if (this.closing.has(repoUuid)) throw fail('REPO_IN_USE', `repository ${repoUuid} is being deleted or unmounted`);
    const row = this.store.get(repoUuid);
    if (!row) throw fail('REPO_NOT_FOUND', `no repository ${repoUuid}`);
    if (!(await this.locations.isReachable(row.fsType, row.mountPoint))) throw fail('REPO_NOT_MOUNTED', `repository ${repoUuid} is not mounted`);
    return row;
  }

  async acquire(repoUuid: string, what?: string): Promise<{ row: RepoRow; release: () => void }> {
    // Hold first, then check: a delete that starts in between either sees the hold or is seen.
    const release = this.hold(repoUuid, what);
    try {
      return { row: await this.requireRepo(repoUuid), release };
    } catch (e) {
      release();
      throw e;
    }
  }

  hold(repoUuid: string, what = 'a file operation'): () => void {
    if (this.closing.has(repoUuid)) throw fail('REPO_IN_USE', `repository ${repoUuid} is being deleted or unmounted`);
    const owner = { id: `hold:${++this.holdSeq}`, what };
    return this.deps.locks.acquire(owner, [shared(repoResource(repoUuid), 'REPO_IN_USE')]).release;
  }

  knownRoots(): string[] {
    return this.store.list().map((r) => r.mountPoint);
  }

  // ---- internals --------------------------------------------------------------------------

  /**
   * Run a delete/unmount with new work on the repository refused, unless work is running now
   * (a shared hold: a job, a copy, a VM call) or VMs run from it. Through the registry the
   * method's exclusive hold already excludes new holds; this also covers direct callers.
   */
  private async closingWhile(repoUuid: string, fn: () => Promise<void>): Promise<void> {
    if (this.closing.has(repoUuid)) throw fail('REPO_IN_USE', `repository ${repoUuid} is already being deleted or unmounted`);
    this.closing.add(repoUuid);
    try {
      const busy = this.deps.locks.holds(repoResource(repoUuid)).filter((h) => h.mode === 'shared');
      if (busy.length) {
        throw fail('REPO_IN_USE', `repository ${repoUuid} is in use by ${busy.map((h) => h.owner.what).join(', ')}`, { holders: busy.map((h) => h.owner.id) });
      }
      const vms = (await this.deps.vmsUsing?.(repoUuid)) ?? [];
      if (vms.length) throw fail('REPO_IN_USE', `repository ${repoUuid} is in use by running VMs: ${vms.join(', ')}`, { vms });
      await fn();
    } finally {
      this.closing.delete(repoUuid);
    }
  }

  private repoMountPoint(raw: string, expectUuid?: string): string {
    const mp = parseMountPoint(raw, [REPOSITORIES_ROOT]);
    if (expectUuid !== undefined && mp.name !== expectUuid) {
      throw fail('REPO_BAD_PATH', `the mount point of repository ${expectUuid} must be ${REPOSITORIES_ROOT}/${expectUuid}, not ${mp.path}`);
    }
    return mp.path;
  }

  private row(loc: FsLocation, mountPoint: string, meta: RepoMeta): RepoRow {
    return {
      uuid: meta.uuid,
      fsLocation: fsLocationToText(loc),
      fsType: loc.kind,
      mountPoint,
      alias: meta.alias,
      managerUuid: meta.managerUuid,
      version: meta.version,
    };
  }

  private async readMeta(row: RepoRow): Promise<RepoMeta | undefined> {
    try {
      const text = await this.deps.fs.readTextIfExists(`${row.mountPoint}/${REPO_META_FILE}`);
      return text === undefined ? undefined : textToRepoMeta(text, `${row.mountPoint}/${REPO_META_FILE}`);
    } catch (e) {
      this.log.warn({ err: e, repoUuid: row.uuid }, 'unreadable repository metadata');
      return undefined;
    }
  }

  private async restoreAll(): Promise<void> {
    const startedAt = this.deps.clock.now();
    for (const row of this.store.list()) {
      try {
        await this.locations.attach(parseFsLocation(row.fsLocation), row.mountPoint, false);
        const swept = await sweepRepoTemps(this.deps.fs, row.mountPoint, startedAt);
        if (swept.length) this.log.info({ repoUuid: row.uuid, swept }, `removed ${swept.length} temp file(s) an interrupted write left`);
      } catch (e) {
        const message = `repository ${row.uuid} (${row.fsLocation}) could not be restored: ${isAgentError(e) ? e.message : String(e)}`;
        this.log.warn({ err: e, repoUuid: row.uuid }, message);
        this.deps.events.emit({ severity: 'warning', object: `repository:${row.uuid}`, code: 'REPOSITORY_RESTORE_FAILED', message });
      }
    }
  }
}
