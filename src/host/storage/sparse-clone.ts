// Clones a file keeping its holes with `cp --sparse=always --reflink=auto`: coreutils finds the
// data with SEEK_DATA/SEEK_HOLE (or shares extents on reflink file systems) where Node can only
// read the holes as zeros. Written to a temp name and put in place only when complete.
import { spawn } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { AgentError } from '../../core/errors.js';
import { commitTemp, tempPathFor } from '../temp-file.js';

export interface SparseCloneOptions {
  signal?: AbortSignal;
  /** Bytes of the copy so far and the source size (polled from the temp file). */
  onProgress?: (done: number, total: number) => void;
  pollMs?: number;
  /** Where the copy is written before it is put in place (default a fresh temp name beside it). */
  tempPath?: string;
  /** Called with the whole copy just before it is put under its final name (an intent's step). */
  beforeCommit?: (tmp: string) => Promise<void> | void;
}

/** Copy src to dst (real paths); dst must not exist. On failure or abort nothing is left behind. */
export async function cloneSparseFile(src: string, dst: string, opts: SparseCloneOptions = {}): Promise<void> {
  const total = (await fsp.stat(src)).size;
  const tmp = opts.tempPath ?? tempPathFor(dst);
  opts.signal?.throwIfAborted();
  const child = spawn('cp', ['--sparse=always', '--reflink=auto', '--', src, tmp], { stdio: ['ignore', 'ignore', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const onAbort = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const poll = setInterval(() => {
    fsp.stat(tmp).then((s) => opts.onProgress?.(Math.min(s.size, total), total), () => {});
  }, opts.pollMs ?? 500);
  poll.unref();
  try {
    const code = await new Promise<number>((resolve) => {
      child.on('error', () => resolve(127));
      child.on('close', (c) => resolve(c ?? 128));
    });
    if (opts.signal?.aborted) throw new AgentError('JOB_ABORTED', `clone of ${src} aborted`);
    if (code !== 0) {
      const stderr = Buffer.concat(err).toString('utf8').trim();
      if (/No space left|quota/i.test(stderr)) throw new AgentError('STORAGE_NO_SPACE', `clone to ${dst}: no space left on the file system`);
      throw new AgentError('STORAGE_COMMAND_FAILED', `cp --sparse=always failed (exit ${code}): ${stderr.slice(0, 300)}`);
    }
    await opts.beforeCommit?.(tmp);
    await commitTemp(tmp, dst, { noClobber: true }).catch((e: unknown) => {
      if (e instanceof AgentError && e.code === 'REPO_FILE_EXISTS') throw new AgentError('STORAGE_FILE_EXISTS', `${dst}: already exists`);
      throw e;
    });
    opts.onProgress?.(total, total);
  } catch (e) {
    await fsp.rm(tmp, { force: true }).catch(() => {});
    throw e;
  } finally {
    clearInterval(poll);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
