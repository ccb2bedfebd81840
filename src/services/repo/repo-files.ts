// Files inside repositories: virtual disks created, resized and deleted (file_records back),
// listings for discovery, and copy_file between repository paths (holes kept when sparse).
import { AgentError, fail, isAgentError } from '../../core/errors.js';
import { REPO_SUBDIRS } from '../../core/ids.js';
import { fileFactsToRecord, type FileRecord } from '../../core/repo/file-record.js';
import { checkPathInside, repoFilePath, repoSubdirPath, type RepoSubdir } from '../../core/repo/repo-paths.js';
import type { RepoEntry } from '../../core/repo/repo-xml.js';
import { createSizedFile, fileFacts, listEntries, truncateFile, unlinkPath } from '../../host/file-ops.js';
import { sparseCopy } from '../../host/sparse-copy.js';
import { commitTemp, isTempName, tempPathFor } from '../../host/temp-file.js';
import type { RepoRow } from '../../store/repository-store.js';
import type { ServiceDeps } from '../context.js';
import * as path from 'node:path';

/** What the file and import helpers need from the repository service. */
export interface RepoAccess {
  /** The repository's row; faults REPO_NOT_FOUND / REPO_NOT_MOUNTED. */
  requireRepo(repoUuid: string): Promise<RepoRow>;
  /** Mark the repository busy (delete/unmount refuse) until the returned release is called. */
  hold(repoUuid: string, what?: string): () => void;
  /** hold() then requireRepo(), as one step that a concurrent delete cannot slip between. */
  acquire(repoUuid: string, what?: string): Promise<{ row: RepoRow; release: () => void }>;
  /** Mount points of the known repositories. */
  knownRoots(): string[];
}

export const MAX_DISK_SIZE = Number.MAX_SAFE_INTEGER;

/** Intent kind of create_virtual_disk: payload { tmp } (the hidden temp file to remove). */
export const INTENT_DISK_CREATE = 'disk-create';

/**
 * Registers the recovery of create_virtual_disk: undone whole. The final name never held a
 * partial disk; once linked (step `committing`) the disk is this call's (no-clobber) and goes too,
 * so the caller's retry succeeds.
 */
export function registerDiskRecovery(deps: Pick<ServiceDeps, 'fs' | 'intents'>): void {
  deps.intents.register<{ tmp: string; final?: string }>(INTENT_DISK_CREATE, async ({ tmp, final }, step) => {
    const removed = [tmp, ...(step === 'committing' && final ? [final] : [])];
    const gone = [];
    for (const p of removed) if (await deps.fs.remove(p)) gone.push(p);
    return { outcome: 'rolled-back', detail: gone.length ? `removed ${gone.join(', ')}` : 'nothing was left' };
  });
}

function checkSize(size: number): number {
  if (!Number.isSafeInteger(size) || size <= 0) throw fail('INVALID_ARGUMENT', `size must be a positive whole number of bytes: ${size}`);
  return size;
}

export class RepoFiles {
  constructor(
    private readonly deps: Pick<ServiceDeps, 'fs' | 'jobs' | 'log' | 'clock' | 'intents'>,
    private readonly repos: RepoAccess,
    private readonly copyRoots: readonly string[],
  ) {}

  async createVirtualDisk(repoUuid: string, name: string, size: number, sparse: boolean): Promise<FileRecord> {
    const p = repoFilePath(repoUuid, 'VirtualDisks', name);
    checkSize(size);
    const { release } = await this.repos.acquire(repoUuid, `create_virtual_disk ${name}`);
    try {
      if (await this.deps.fs.exists(p)) throw fail('REPO_FILE_EXISTS', `${name} already exists`);
      await this.deps.fs.mkdirp(repoSubdirPath(repoUuid, 'VirtualDisks'));
      // Written under a hidden temp name and linked into place when whole: a crash never
      // leaves a short disk under the final name, and the temp file is removed at start.
      const tmp = tempPathFor(p);
      await this.deps.intents.run<{ tmp: string; final?: string }, void>(INTENT_DISK_CREATE, `repository:${repoUuid}`, { tmp }, async (intent) => {
        await createSizedFile(this.deps.fs, tmp, size, sparse);
        intent.step('committing', { final: p });
        await commitTemp(this.deps.fs.resolve(tmp), this.deps.fs.resolve(p), { noClobber: true });
      });
      return await this.record(repoUuid, p);
    } finally {
      release();
    }
  }

  async resizeVirtualDisk(repoUuid: string, name: string, size: number): Promise<FileRecord> {
    const p = repoFilePath(repoUuid, 'VirtualDisks', name);
    checkSize(size);
    await this.repos.requireRepo(repoUuid);
    const facts = await fileFacts(this.deps.fs, p);
    if (!facts || facts.isDirectory) throw fail('REPO_FILE_NOT_FOUND', `no virtual disk ${name} in repository ${repoUuid}`);
    // Shrinking would cut off the guest's data: refused rather than silently done.
    if (size < facts.size) throw fail('INVALID_ARGUMENT', `virtual disk ${name} is ${facts.size} bytes: shrinking to ${size} is refused`);
    await truncateFile(this.deps.fs, p, size);
    return this.record(repoUuid, p);
  }

  async deleteVirtualDisk(repoUuid: string, name: string): Promise<void> {
    const p = repoFilePath(repoUuid, 'VirtualDisks', name);
    await this.repos.requireRepo(repoUuid);
    const facts = await fileFacts(this.deps.fs, p);
    if (!facts || facts.isDirectory) throw fail('REPO_FILE_NOT_FOUND', `no virtual disk ${name} in repository ${repoUuid}`);
    await unlinkPath(this.deps.fs, p);
  }

  async listFiles(repoUuid: string, subdir: string): Promise<FileRecord[]> {
    if (!(REPO_SUBDIRS as readonly string[]).includes(subdir)) throw fail('REPO_BAD_PATH', `subdir must be one of ${REPO_SUBDIRS.join(', ')}`);
    await this.repos.requireRepo(repoUuid);
    const dir = repoSubdirPath(repoUuid, subdir as RepoSubdir);
    const out: FileRecord[] = [];
    for (const e of await listEntries(this.deps.fs, dir)) {
      if (isTempName(e.name)) continue;
      out.push(await this.record(repoUuid, `${dir}/${e.name}`));
    }
    return out;
  }

  /** What discover_repositories shows of one repository (temp files of running imports hidden). */
  async scanContents(repoUuid: string): Promise<{ assemblies: RepoEntry[]; templates: RepoEntry[]; virtualMachines: RepoEntry[]; virtualDisks: string[]; isos: string[] }> {
    const folders = async (sub: RepoSubdir): Promise<RepoEntry[]> => {
      const out: RepoEntry[] = [];
      for (const e of await listEntries(this.deps.fs, repoSubdirPath(repoUuid, sub))) {
        if (!e.isDirectory || e.name.startsWith('.')) continue;
        const files = (await listEntries(this.deps.fs, `${repoSubdirPath(repoUuid, sub)}/${e.name}`)).filter((f) => f.isFile && !isTempName(f.name)).map((f) => f.name);
        out.push({ name: e.name, files });
      }
      return out;
    };
    const files = async (sub: RepoSubdir): Promise<string[]> =>
      (await listEntries(this.deps.fs, repoSubdirPath(repoUuid, sub))).filter((e) => e.isFile && !isTempName(e.name)).map((e) => e.name);
    return {
      assemblies: await folders('Assemblies'),
      templates: await folders('Templates'),
      virtualMachines: await folders('VirtualMachines'),
      virtualDisks: await files('VirtualDisks'),
      isos: await files('ISOs'),
    };
  }

  /**
   * copy_file: both paths inside a known repository or an allowed root. Runs as a job (progress
   * and abort through get_job/abort_job) and waits for it; returns the job id.
   */
  async copyFile(src: string, dst: string, sparse: boolean, updatePeriodSecs?: number): Promise<string> {
    const roots = [...this.repos.knownRoots(), ...this.copyRoots];
    const s = checkPathInside('source', src, roots);
    const d = checkPathInside('destination', dst, roots);
    if (s === d) throw fail('INVALID_ARGUMENT', 'source and destination are the same file');
    const st = await this.deps.fs.stat(s);
    if (!st?.isFile()) throw fail('REPO_FILE_NOT_FOUND', `no file ${s}`);
    const dstDir = await this.deps.fs.stat(path.posix.dirname(d));
    if (!dstDir?.isDirectory()) throw fail('REPO_BAD_PATH', `the destination directory ${path.posix.dirname(d)} does not exist`);
    const held: Array<() => void> = [];
    try {
      for (const u of new Set([s, d].map((p) => this.repoOf(p)).filter((x): x is string => !!x))) held.push((await this.repos.acquire(u, `copy_file ${s}`)).release);
    } catch (e) {
      held.forEach((release) => release());
      throw e;
    }
    const periodMs = Math.max(0, (updatePeriodSecs ?? 0) * 1000);
    const job = this.deps.jobs.start('copy_file', `copy ${s} to ${d}${sparse ? ' (sparse)' : ''}`, async (ctl) => {
      let last = -Infinity;
      const r = await sparseCopy(this.deps.fs.resolve(s), this.deps.fs.resolve(d), {
        signal: ctl.signal,
        sparse,
        onProgress: (done, total) => {
          const t = this.deps.clock.now();
          if (t - last < periodMs) return;
          last = t;
          ctl.progress(total > 0 ? done / total : 1, `${done} of ${total} bytes`);
        },
      }).catch((e: unknown) => {
        if (isAgentError(e) || ctl.signal.aborted) throw e;
        const err = e as NodeJS.ErrnoException;
        throw new AgentError(err.code === 'ENOSPC' ? 'STORAGE_NO_SPACE' : 'HOST_IO_FAILED', `copy ${s} to ${d} failed: ${err.code ?? err.message}`);
      });
      return { bytes: r.bytes };
    });
    try {
      await job.done;
    } finally {
      held.forEach((release) => release());
    }
    return job.id;
  }

  private repoOf(p: string): string | undefined {
    return this.repos.knownRoots().find((r) => p.startsWith(r + '/'))?.split('/').pop();
  }

  private async record(repoUuid: string, p: string): Promise<FileRecord> {
    const facts = await fileFacts(this.deps.fs, p);
    if (!facts) throw fail('REPO_FILE_NOT_FOUND', `no file ${p}`);
    return fileFactsToRecord(facts, p, repoUuid);
  }
}
