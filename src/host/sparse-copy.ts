// Writing files that keep their holes: a SparseWriter skips all-zero blocks and sets the size
// at the end, and sparseCopy() copies one file through a temp name in the target's directory,
// renamed into place only when complete.
import * as fsp from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { AgentError } from '../core/errors.js';
import { commitTemp, tempPathFor } from './temp-file.js';

/** Granularity of hole detection; file systems allocate at least this much per block. */
export const SPARSE_BLOCK = 4096;
const ZERO = Buffer.alloc(SPARSE_BLOCK);
/** Larger than any file a file system keeps inline in its inode (ext4 inline_data, btrfs inline extents). */
const INLINE_DATA_MAX = 1024 * 1024;

export interface SparseWriterOptions {
  /** Skip all-zero blocks (default true); false writes every byte. */
  sparse?: boolean;
  mode?: number;
}

export class SparseWriter {
  private pos = 0;
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes actually written (the rest are holes). */
  written = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly sparse: boolean,
  ) {}

  /** Create a new file (fails if it exists). */
  static async create(path: string, opts: SparseWriterOptions = {}): Promise<SparseWriter> {
    const fh = await fsp.open(path, 'wx', opts.mode ?? 0o644);
    return new SparseWriter(path, fh, opts.sparse ?? true);
  }

  /** Bytes accepted so far (the apparent size once finished). */
  get size(): number {
    return this.pos + this.pending.length;
  }

  /** Advance over `n` bytes known to be zero (a hole in the source); block-aligned position only. */
  skipHole(n: number): void {
    if (this.pending.length > 0) throw new Error('skipHole after an unaligned write');
    this.pos += n;
  }

  async write(chunk: Buffer): Promise<void> {
    if (!this.sparse) {
      await this.writeAt(chunk, this.pos);
      this.pos += chunk.length;
      return;
    }
    // Holes only help when aligned to file offsets: keep the unaligned tail for the next chunk.
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const whole = buf.length - (buf.length % SPARSE_BLOCK);
    await this.flushBlocks(buf.subarray(0, whole));
    this.pending = Buffer.from(buf.subarray(whole));
  }

  /** Flush, set the final size (trailing holes), fsync and close. */
  async finish(): Promise<number> {
    if (this.pending.length > 0) {
      const tail = this.pending;
      this.pending = Buffer.alloc(0);
      if (!tail.equals(ZERO.subarray(0, tail.length))) await this.writeAt(tail, this.pos);
      this.pos += tail.length;
    }
    await this.fh.truncate(this.pos);
    await this.fh.sync();
    await this.close();
    return this.pos;
  }

  /** Close and delete the file (failure or abort). */
  async discard(): Promise<void> {
    await this.close().catch(() => {});
    await fsp.rm(this.path, { force: true });
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.fh.close();
  }

  private async flushBlocks(buf: Buffer): Promise<void> {
    let runStart = -1;
    for (let off = 0; off <= buf.length; off += SPARSE_BLOCK) {
      const zero = off === buf.length || buf.subarray(off, off + SPARSE_BLOCK).equals(ZERO);
      if (!zero && runStart < 0) runStart = off;
      if (zero && runStart >= 0) {
        await this.writeAt(buf.subarray(runStart, off), this.pos + runStart);
        runStart = -1;
      }
    }
    this.pos += buf.length;
  }

  private async writeAt(buf: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, done, buf.length - done, position + done);
      done += bytesWritten;
      this.written += bytesWritten;
    }
  }
}

export interface SparseCopyOptions {
  signal?: AbortSignal;
  /** Called after each block of reads with bytes copied and the source size. */
  onProgress?: (copied: number, total: number) => void;
  /** Keep holes (default true). */
  sparse?: boolean;
  /** Refuse to replace an existing target (default false: replace it). */
  noClobber?: boolean;
  bufferSize?: number;
}

/**
 * Copy `src` to `dst` (real paths). The copy is written to a temp name beside `dst` and renamed
 * only when complete; on failure or abort the temp file is removed and `dst` is untouched.
 */
export async function sparseCopy(src: string, dst: string, opts: SparseCopyOptions = {}): Promise<{ bytes: number; written: number }> {
  const st = await fsp.stat(src);
  if (!st.isFile()) throw new Error(`${src} is not a regular file`);
  const tmp = tempPathFor(dst);
  const input = await fsp.open(src, 'r');
  let writer: SparseWriter | undefined;
  try {
    writer = await SparseWriter.create(tmp, { sparse: opts.sparse ?? true, mode: st.mode & 0o777 });
    const buf = Buffer.alloc(opts.bufferSize ?? 1024 * 1024);
    let pos = 0;
    // Node has no SEEK_DATA: holes are read as zeros. A source with no block allocated at all
    // (a fresh sparse disk) is all hole, so skip the read. Tiny files may keep their data
    // inline in the inode with no blocks counted, hence the size floor.
    if ((opts.sparse ?? true) && st.blocks === 0 && st.size > INLINE_DATA_MAX) {
      writer.skipHole(st.size);
      pos = st.size;
      opts.onProgress?.(pos, st.size);
    }
    while (pos < st.size) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await input.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      await writer.write(buf.subarray(0, bytesRead));
      pos += bytesRead;
      opts.onProgress?.(pos, st.size);
    }
    opts.signal?.throwIfAborted();
    const bytes = await writer.finish();
    await commitTemp(tmp, dst, { noClobber: opts.noClobber ?? false });
    return { bytes, written: writer.written };
  } catch (e) {
    if (writer) await writer.discard();
    else await fsp.rm(tmp, { force: true });
    throw e;
  } finally {
    await input.close();
  }
}

/**
 * The VM area's entry point (clones of template disks), kept as a thin wrapper so both areas
 * share one copy: failures become AgentErrors (HOST_IO_FAILED, JOB_ABORTED).
 */
export async function copyFileSparse(
  src: string,
  dst: string,
  opts: { sparse: boolean; signal?: AbortSignal; onProgress?: (copied: number, total: number) => void; blockSize?: number },
): Promise<{ size: number; written: number }> {
  try {
    const r = await sparseCopy(src, dst, { sparse: opts.sparse, signal: opts.signal, onProgress: opts.onProgress, bufferSize: opts.blockSize });
    return { size: r.bytes, written: r.written };
  } catch (e) {
    if (e instanceof AgentError) throw e;
    if (opts.signal?.aborted) throw new AgentError('JOB_ABORTED', `copy of ${path.basename(src)} aborted`);
    const err = e as NodeJS.ErrnoException;
    throw new AgentError('HOST_IO_FAILED', `copy ${src} -> ${dst}: ${err.code ?? err.message}`, { errno: err.code });
  }
}
