// Imports into repositories as jobs: virtual disks and ISOs downloaded over HTTP(S), and
// templates from `.tgz` archives or plain files (vm.cfg into Templates/<id>/, images into
// VirtualDisks/). Nothing is left under a final name unless the whole import succeeded.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { AgentError, fail } from '../../core/errors.js';
import { fileFactsToRecord, type FileRecord } from '../../core/repo/file-record.js';
import { checkComponent, repoFilePath, repoRoot, repoSubdirPath } from '../../core/repo/repo-paths.js';
import { checkArchiveMembers, checkArchiveTypes, isArchiveName, isImageName, planTemplateFiles, type TemplateFile } from '../../core/repo/template-archive.js';
import { fileFacts, lstatPath, unlinkPath } from '../../host/file-ops.js';
import { sparseCopy } from '../../host/sparse-copy.js';
import { commitTemp, tempPathFor } from '../../host/temp-file.js';
import { downloadToFile, parseDownloadUrl, urlForLog } from '../../host/http-download.js';
import type { ServiceDeps } from '../context.js';
import type { RepoAccess } from './repo-files.js';

export interface ImportOptions {
  maxRedirects?: number;
  idleTimeoutMs?: number;
  /** Bound on `tar` runs (listing and extraction). */
  tarTimeoutMs?: number;
  /** Extra trusted CA certificates (PEM) for https URLs. */
  ca?: string | Buffer;
}

type ImportDeps = Pick<ServiceDeps, 'fs' | 'jobs' | 'log' | 'exec' | 'intents'>;

/** The file name a URL names (last path segment, decoded), checked as one path component. */
export function urlFileName(raw: string): string {
  const url = parseDownloadUrl(raw);
  let last: string;
  try {
    last = decodeURIComponent(url.pathname.split('/').pop() ?? '');
  } catch {
    throw fail('REPO_BAD_PATH', `the file name in ${urlForLog(url)} is not valid percent-encoding`);
  }
  return checkComponent(`file name of ${urlForLog(url)}`, last);
}

/** Intent of import_template: the staging folder, and the template folder once placing began. */
export const INTENT_TEMPLATE_IMPORT = 'template-import';
interface TemplateImportIntent {
  staging: string;
  tdir: string;
  placing: boolean;
  /** Files placed outside the template folder (disks in VirtualDisks/), each recorded before it is placed. */
  files?: string[];
}

/** Crash recovery of import_template: nothing of an unfinished import is left (its retry then succeeds). */
export function registerTemplateImportRecovery(deps: Pick<ServiceDeps, 'fs' | 'intents'>): void {
  deps.intents.register<TemplateImportIntent>(INTENT_TEMPLATE_IMPORT, async (p) => {
    await deps.fs.removeTree(p.staging);
    for (const f of p.files ?? []) await deps.fs.remove(f);
    if (p.placing) await deps.fs.removeTree(p.tdir);
    return { outcome: 'rolled-back', detail: p.placing ? `removed the half-placed template ${p.tdir}` : 'removed the staging folder' };
  });
}

/**
 * Intent of import_virtual_disk and import_ISO: the temp file the body goes to, the final name,
 * and (from `committing`) the inode of the whole download, which the final name then holds.
 */
export const INTENT_FILE_IMPORT = 'file-import';
interface FileImportIntent {
  tmp: string;
  final: string;
  ino?: number;
}

/**
 * Crash recovery of a file import: undone whole, like every create. The temp file goes; the
 * final name goes only when it holds this import's own download (same inode: the commit is a
 * link or a rename), never a file someone else put there.
 */
export function registerFileImportRecovery(deps: Pick<ServiceDeps, 'fs' | 'intents'>): void {
  deps.intents.register<FileImportIntent>(INTENT_FILE_IMPORT, async (p) => {
    const gone: string[] = [];
    if (p.ino !== undefined && (await lstatPath(deps.fs, p.final))?.ino === p.ino && (await deps.fs.remove(p.final))) gone.push(p.final);
    if (await deps.fs.remove(p.tmp)) gone.push(p.tmp);
    return { outcome: 'rolled-back', detail: gone.length ? `removed ${gone.join(', ')}` : 'nothing was left' };
  });
}

export class RepoImports {
  /** Final paths with a download in flight: a second import to the same name is refused. */
  private readonly pending = new Set<string>();

  constructor(
    private readonly deps: ImportDeps,
    private readonly repos: RepoAccess,
    private readonly opts: ImportOptions,
  ) {}

  /** import_virtual_disk / import_ISO: starts the job; its result is the file_record. */
  async importFile(sub: 'VirtualDisks' | 'ISOs', url: string, id: string, repoUuid: string): Promise<{ id: string; done: Promise<unknown> }> {
    const target = repoFilePath(repoUuid, sub, id);
    parseDownloadUrl(url);
    const release = await this.claim(repoUuid, target);
    const job = this.deps.jobs.start(`import_${sub === 'ISOs' ? 'iso' : 'virtual_disk'}`, `import ${urlForLog(url)} into ${target}`, async (ctl) => {
      try {
        const start: FileImportIntent = { tmp: tempPathFor(target), final: target };
        await this.deps.intents.run(INTENT_FILE_IMPORT, `repository:${repoUuid}`, start, async (intent) => {
          await this.deps.fs.mkdirp(repoSubdirPath(repoUuid, sub));
          intent.step('downloading');
          let received = false;
          await downloadToFile(url, this.deps.fs.resolve(target), {
            ...this.httpOpts(),
            signal: ctl.signal,
            tempPath: this.deps.fs.resolve(start.tmp),
            onProgress: (got, total) => {
              // Once: the temp file now holds part of the body (a crash here leaves a short file).
              if (!received) intent.step('received');
              received = true;
              ctl.progress(total ? got / total : 0, `${got}${total ? ` of ${total}` : ''} bytes`);
            },
            beforeCommit: async () => intent.step('committing', { ino: (await lstatPath(this.deps.fs, start.tmp))?.ino }),
          });
        });
        return await this.record(repoUuid, target);
      } finally {
        release();
      }
    });
    return job;
  }

  /** import_template: every URL is a `.tgz` archive or one template file. Returns the job id. */
  async importTemplate(repoUuid: string, templateId: string, urls: readonly string[]): Promise<string> {
    const tdir = `${repoSubdirPath(repoUuid, 'Templates')}/${checkComponent('template id', templateId)}`;
    if (urls.length === 0) throw fail('INVALID_ARGUMENT', 'url_list is empty');
    const names = urls.map((u) => urlFileName(u));
    const release = await this.claim(repoUuid, tdir);
    const job = this.deps.jobs.start('import_template', `import template ${templateId} into repository ${repoUuid}`, async (ctl) => {
      const staging = `${repoRoot(repoUuid)}/Templates/.import-${randomBytes(6).toString('hex')}`;
      const placed: string[] = [];
      // After a crash, recovery removes the staging folder and a half-placed template folder.
      const intent = this.deps.intents.begin<TemplateImportIntent>(INTENT_TEMPLATE_IMPORT, `template:${repoUuid}/${templateId}`, { staging, tdir, placing: false });
      try {
        await this.deps.fs.mkdirp(`${staging}/files`);
        const files: TemplateFile[] = [];
        const extracted = new Set<string>();
        for (let i = 0; i < urls.length; i++) {
          const base = i / urls.length;
          const progress = (got: number, total: number | undefined) =>
            ctl.progress(base + (total ? got / total : 0) / urls.length, `${names[i]}: ${got}${total ? ` of ${total}` : ''} bytes`);
          if (isArchiveName(names[i])) {
            const archive = `${staging}/archive-${i}.tgz`;
            await downloadToFile(urls[i], this.deps.fs.resolve(archive), { ...this.httpOpts(), signal: ctl.signal, onProgress: progress });
            const unpacked = await this.unpack(archive, `${staging}/x${i}`);
            unpacked.forEach((f) => extracted.add(f.from));
            files.push(...unpacked);
            await unlinkPath(this.deps.fs, archive);
          } else {
            const dest = `${staging}/files/${names[i]}`;
            await downloadToFile(urls[i], this.deps.fs.resolve(dest), { ...this.httpOpts(), signal: ctl.signal, onProgress: progress });
            files.push({ from: dest, name: names[i] });
          }
        }
        ctl.signal.throwIfAborted();
        const plan = planTemplateFiles(templateId, files);
        for (const p of plan) await this.refuseExisting(`${repoRoot(repoUuid)}/${p.to}`);
        intent.step('placing', { placing: true });
        await this.deps.fs.mkdirp(tdir);
        placed.push(tdir);
        for (const p of plan) {
          const to = `${repoRoot(repoUuid)}/${p.to}`;
          // checked absent above (never clobbered): recorded first, it is this import's to remove
          intent.step('placing-file', { files: [...(intent.current.files ?? []), to] });
          await this.deps.fs.mkdirp(path.posix.dirname(to));
          if (extracted.has(p.from) && isImageName(p.to)) {
            // tar writes an image's zeros out in full: copy it sparse so the holes come back.
            await sparseCopy(this.deps.fs.resolve(p.from), this.deps.fs.resolve(to), { signal: ctl.signal, noClobber: true });
          } else {
            await commitTemp(this.deps.fs.resolve(p.from), this.deps.fs.resolve(to), { noClobber: true });
          }
          placed.push(to);
        }
        intent.step('placed');
        await this.deps.fs.removeTree(staging).catch(() => {});
        intent.end();
        return { template: tdir, files: plan.map((p) => `${repoRoot(repoUuid)}/${p.to}`) };
      } catch (e) {
        // Roll back what was put in place (newest first), so a failed import leaves nothing.
        for (const p of placed.reverse()) {
          if (p === tdir) await this.deps.fs.removeTree(p).catch(() => {});
          else await unlinkPath(this.deps.fs, p).catch(() => {});
        }
        await this.deps.fs.removeTree(staging).catch(() => {});
        intent.end();
        throw e;
      } finally {
        release();
      }
    });
    return job.id;
  }

  /** List (names and types checked), extract into `dir`, then walk it: regular files only. */
  private async unpack(archive: string, dir: string): Promise<TemplateFile[]> {
    const real = this.deps.fs.resolve(archive);
    const timeoutMs = this.opts.tarTimeoutMs ?? 30 * 60_000;
    const tarFail = (what: string) => (e: unknown) => {
      throw new AgentError('REPO_BAD_ARCHIVE', `cannot ${what} the template archive: ${(e as Error).message.slice(0, 300)}`);
    };
    const names = await this.deps.exec.run(['tar', '-tzf', real], { timeoutMs }).catch(tarFail('list'));
    checkArchiveMembers(names.stdout.split('\n').filter((l) => l !== ''));
    const verbose = await this.deps.exec.run(['tar', '-tvzf', real], { timeoutMs }).catch(tarFail('list'));
    checkArchiveTypes(verbose.stdout.split('\n'));
    await this.deps.fs.mkdirp(dir);
    await this.deps.exec
      .run(['tar', '-xzf', real, '-C', this.deps.fs.resolve(dir), '--no-same-owner', '--no-same-permissions'], { timeoutMs })
      .catch(tarFail('extract'));
    const out: TemplateFile[] = [];
    const walk = async (d: string): Promise<void> => {
      for (const name of await this.deps.fs.list(d)) {
        const p = `${d}/${name}`;
        const st = await lstatPath(this.deps.fs, p);
        if (st?.isDirectory()) await walk(p);
        else if (st?.isFile()) out.push({ from: p, name });
        else throw fail('REPO_BAD_ARCHIVE', `the template archive holds ${name}, which is not a plain file`);
      }
    };
    await walk(dir);
    return out;
  }

  private httpOpts() {
    return { maxRedirects: this.opts.maxRedirects, idleTimeoutMs: this.opts.idleTimeoutMs, ca: this.opts.ca };
  }

  private async refuseExisting(p: string): Promise<void> {
    if (this.pending.has(p) || (await lstatPath(this.deps.fs, p))) throw fail('REPO_FILE_EXISTS', `${p} already exists`);
  }

  /** Reserve `target` (refused when it exists or is being imported) and hold the repository. */
  private async claim(repoUuid: string, target: string): Promise<() => void> {
    // Reserve before the first await, so two calls for one target cannot both pass the check.
    if (this.pending.has(target)) throw fail('REPO_FILE_EXISTS', `${target} is being imported already`);
    this.pending.add(target);
    let release: (() => void) | undefined;
    try {
      release = (await this.repos.acquire(repoUuid, `import of ${target}`)).release;
      if (await lstatPath(this.deps.fs, target)) throw fail('REPO_FILE_EXISTS', `${target} already exists`);
    } catch (e) {
      this.pending.delete(target);
      release?.();
      throw e;
    }
    const held = release;
    return () => {
      this.pending.delete(target);
      held();
    };
  }

  private async record(repoUuid: string, p: string): Promise<FileRecord> {
    const f = await fileFacts(this.deps.fs, p);
    if (!f) throw fail('REPO_FILE_NOT_FOUND', `no file ${p}`);
    return fileFactsToRecord(f, p, repoUuid);
  }
}

