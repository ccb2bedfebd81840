// File operations of file-system plugins on a mounted file system: create (sparse files,
// directories), info, resize, clone (sparse copy), destroy and list. Every path is confined to
// the mount root, symlinks that lead out included; each change is all-or-nothing.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { AgentError } from '../../../core/errors.js';
import { confinedPath } from '../../../core/storage/mount-paths.js';
import type { FileInfo, FileRecordIn } from '../../../core/storage/records.js';
import type { PluginContext } from '../../../core/storage/plugin.js';
import type { HostFs } from '../../../host/host-fs.js';
import { cloneSparseFile } from '../../../host/storage/sparse-clone.js';
import { commitTemp, tempPathFor } from '../../../host/temp-file.js';
import type { Intents } from '../../intents/intents.js';
import { fileKey, INTENT_STORAGE_DESTROY, INTENT_STORAGE_FILE, registerFileRecoveries, type FileCreateIntent, type FileDestroyIntent } from './file-intents.js';

interface Located {
  /** Real path to operate on. */
  real: string;
  /** Host path reported back (as the caller named it when absolute). */
  shown: string;
}

function ioFault(e: unknown, what: string): AgentError {
  if (e instanceof AgentError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new AgentError('STORAGE_FILE_NOT_FOUND', `${what}: no such file or directory`);
  if (code === 'EEXIST') return new AgentError('STORAGE_FILE_EXISTS', `${what}: already exists`);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new AgentError('STORAGE_NO_SPACE', `${what}: no space left on the file system`);
  if (code === 'ENOTEMPTY') return new AgentError('STORAGE_INVALID', `${what}: directory not empty`);
  if (code === 'ENOTDIR') return new AgentError('STORAGE_BAD_PATH', `${what}: a component of the path is not a directory`);
  return new AgentError('HOST_IO_FAILED', `${what}: ${code ?? (e as Error).message}`, { errno: code });
}

function within(child: string, parent: string): boolean {
  return child === parent || child.startsWith(parent.endsWith('/') ? parent : parent + '/');
}

/** commitTemp's "exists" in this area's words. */
function existsFault(e: unknown, shown: string): AgentError {
  if (e instanceof AgentError && e.code === 'REPO_FILE_EXISTS') return new AgentError('STORAGE_FILE_EXISTS', `${shown}: already exists`);
  return ioFault(e, shown);
}

export class MountedFiles {
  constructor(
    private readonly fs: HostFs,
    private readonly intents: Intents,
  ) {
    registerFileRecoveries(intents);
  }

  /** The real path of a file named by the caller, refused unless it lies inside the mount root. */
  async locate(root: string, raw: string, what = 'file_path'): Promise<Located> {
    const realRoot = await fsp.realpath(this.fs.resolve(root));
    let shown: string;
    let candidate: string;
    try {
      const c = confinedPath(root, raw, what);
      shown = c.full;
      candidate = this.fs.resolve(c.full);
    } catch (e) {
      // An absolute path elsewhere (e.g. /OVS/Repositories/<id>/...) is accepted only when
      // it really leads into this file system (a repository link or bind mount).
      if (!raw.startsWith('/') || !(e instanceof AgentError) || /'\.'|'\.\.'|control character/.test(e.message)) throw e;
      shown = '/' + raw.split('/').filter(Boolean).join('/');
      candidate = this.fs.resolve(shown);
    }
    // Resolve symlinks in the deepest existing ancestor: the file itself may not exist yet.
    let existing = path.dirname(candidate);
    const tail = [path.basename(candidate)];
    for (;;) {
      try {
        existing = await fsp.realpath(existing);
        break;
      } catch {
        tail.unshift(path.basename(existing));
        existing = path.dirname(existing);
      }
    }
    const real = path.join(existing, ...tail);
    if (!within(real, realRoot) || real === realRoot) throw new AgentError('STORAGE_BAD_PATH', `${what} ${raw} is outside the file system mounted at ${root}`);
    return { real, shown };
  }

  private async infoAt(loc: Located, fsUuid: string): Promise<FileInfo> {
    const st = await fsp.lstat(loc.real).catch((e: unknown) => {
      throw ioFault(e, loc.shown);
    });
    if (!st.isFile() && !st.isDirectory()) throw new AgentError('STORAGE_INVALID', `${loc.shown} is neither a file nor a directory`);
    return { fr_type: st.isDirectory() ? 'Directory' : 'File', file_path: loc.shown, file_sz: st.size, ondisk_sz: st.blocks * 512, fs_uuid: fsUuid };
  }

  async info(root: string, fsUuid: string, rec: FileRecordIn): Promise<FileInfo> {
    return this.infoAt(await this.locate(root, rec.file_path), fsUuid);
  }

  async create(root: string, fsUuid: string, rawPath: string, type: 'File' | 'Directory', size: number | undefined): Promise<FileInfo> {
    const loc = await this.locate(root, rawPath);
    if (type === 'Directory') {
      await fsp.mkdir(loc.real, { mode: 0o755 }).catch((e: unknown) => {
        throw ioFault(e, loc.shown);
      });
      return this.infoAt(loc, fsUuid);
    }
    await this.refuseExisting(loc);
    // Made under a temp name and linked into place whole: the final name never holds a file
    // of the wrong size, and a crash is undone by the intent's recovery (so is a failure here).
    const start: FileCreateIntent = { tmp: tempPathFor(loc.real), final: loc.real };
    return this.intents.run(INTENT_STORAGE_FILE, fileKey(loc.shown), start, async (intent) => {
      intent.step('writing');
      try {
        const fh = await fsp.open(start.tmp, 'wx', 0o644);
        try {
          // A sparse file: the size is set, no block is written.
          await fh.truncate(size ?? 0);
        } finally {
          await fh.close();
        }
        intent.step('committing', { ino: (await fsp.lstat(start.tmp)).ino });
        await commitTemp(start.tmp, loc.real, { noClobber: true });
      } catch (e) {
        throw existsFault(e, loc.shown);
      }
      return this.infoAt(loc, fsUuid);
    });
  }

  private async refuseExisting(loc: Located): Promise<void> {
    if (await fsp.lstat(loc.real).then(() => true, () => false)) throw new AgentError('STORAGE_FILE_EXISTS', `${loc.shown}: already exists`);
  }

  async resize(root: string, fsUuid: string, rec: FileRecordIn, size: number): Promise<FileInfo> {
    const loc = await this.locate(root, rec.file_path);
    const cur = await this.infoAt(loc, fsUuid);
    if (cur.fr_type !== 'File') throw new AgentError('STORAGE_INVALID', `${loc.shown} is a directory: only files can be resized`);
    if (size < cur.file_sz) throw new AgentError('STORAGE_INVALID', `new_size ${size} is smaller than the file (${cur.file_sz} bytes): shrinking would discard data`);
    if (size === cur.file_sz) return cur;
    await fsp.truncate(loc.real, size).catch((e: unknown) => {
      throw ioFault(e, loc.shown);
    });
    return this.infoAt(loc, fsUuid);
  }

  async clone(root: string, fsUuid: string, src: FileRecordIn, dest: string | FileRecordIn, ctx: PluginContext): Promise<FileInfo> {
    const from = await this.locate(root, src.file_path);
    const to = await this.locate(root, typeof dest === 'string' ? dest : dest.file_path, 'dest_path');
    const st = await this.infoAt(from, fsUuid);
    if (st.fr_type !== 'File') throw new AgentError('STORAGE_INVALID', `${from.shown} is a directory: only files can be cloned`);
    await this.refuseExisting(to);
    const start: FileCreateIntent = { tmp: tempPathFor(to.real), final: to.real };
    return this.intents.run(INTENT_STORAGE_FILE, fileKey(to.shown), start, async (intent) => {
      intent.step('copying');
      await cloneSparseFile(from.real, to.real, {
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress(total > 0 ? done / total : 1, `${done} of ${total} bytes`),
        tempPath: start.tmp,
        beforeCommit: async (tmp) => intent.step('committing', { ino: (await fsp.lstat(tmp)).ino }),
      }).catch((e: unknown) => {
        throw existsFault(e, to.shown);
      });
      return this.infoAt(to, fsUuid);
    });
  }

  async destroy(root: string, rec: FileRecordIn): Promise<void> {
    const loc = await this.locate(root, rec.file_path);
    const st = await fsp.lstat(loc.real).catch((e: unknown) => {
      const f = ioFault(e, loc.shown);
      // The caller's retry of a destroy that crash recovery finished answers as done, once.
      if (f.code === 'STORAGE_FILE_NOT_FOUND') return this.intents.retriedDelete(INTENT_STORAGE_DESTROY, fileKey(loc.shown), f);
      throw f;
    });
    if (!st) return;
    const isDir = st.isDirectory();
    if (rec.fr_type && (rec.fr_type === 'Directory') !== isDir) {
      throw new AgentError('STORAGE_INVALID', `file_record.fr_type is ${rec.fr_type} but ${loc.shown} is ${isDir ? 'a directory' : 'a file'}`);
    }
    // A removal cut short by a crash is finished at start. One that fails here cannot be
    // undone (what is gone is gone): the fault says so and the intent is closed.
    const intent = this.intents.begin<FileDestroyIntent>(INTENT_STORAGE_DESTROY, fileKey(loc.shown), { real: loc.real });
    try {
      intent.step('removing');
      await (isDir ? fsp.rm(loc.real, { recursive: true }) : fsp.unlink(loc.real)).catch((e: unknown) => {
        throw ioFault(e, loc.shown);
      });
    } finally {
      intent.end();
    }
  }

  async list(root: string, fsUuid: string, dir: string | undefined): Promise<FileInfo[]> {
    const base = dir ? await this.locate(root, dir, 'path') : { real: await fsp.realpath(this.fs.resolve(root)), shown: root };
    const names = await fsp.readdir(base.real).catch((e: unknown) => {
      throw ioFault(e, base.shown);
    });
    const out: FileInfo[] = [];
    for (const n of names.sort()) {
      if (n.startsWith('.')) continue; // the stamp and other bookkeeping files
      try {
        out.push(await this.infoAt({ real: path.join(base.real, n), shown: `${base.shown}/${n}` }, fsUuid));
      } catch {
        // vanished or special file: not listed
      }
    }
    return out;
  }
}
