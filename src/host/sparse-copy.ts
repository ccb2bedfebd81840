// Copies one disk image, optionally keeping it sparse: all-zero blocks are skipped (left as
// holes) and the file is truncated to the source size. Shared candidate for copy_file.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AgentError } from '../core/errors.js';

export interface SparseCopyOptions {
  /** Skip all-zero blocks (holes stay holes; zero-filled blocks become holes). */
  sparse: boolean;
  signal?: AbortSignal;
  onProgress?: (copied: number, total: number) => void;
  blockSize?: number;
}

export interface SparseCopyResult {
  size: number;
  /** Bytes actually written (the rest are holes). */
  written: number;
}

function isZero(buf: Buffer, n: number): boolean {
  // Compare 8 bytes at a time; the tail byte by byte.
  let i = 0;
  for (; i + 8 <= n; i += 8) if (buf.readBigUInt64LE(i) !== 0n) return false;
  for (; i < n; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Copies `src` to `dst` (real paths). The copy goes to a temporary name in the destination
 * directory and is renamed at the end, so a failed or aborted copy never leaves `dst` behind.
 */
export async function copyFileSparse(src: string, dst: string, opts: SparseCopyOptions): Promise<SparseCopyResult> {
  const bs = opts.blockSize ?? 1 << 20;
  const tmp = path.join(path.dirname(dst), `.${path.basename(dst)}.${randomBytes(6).toString('hex')}.partial`);
  let inF: fs.FileHandle | undefined;
  let outF: fs.FileHandle | undefined;
  try {
    inF = await fs.open(src, 'r');
    const size = (await inF.stat()).size;
    outF = await fs.open(tmp, 'wx', 0o644);
    const buf = Buffer.alloc(bs);
    let pos = 0;
    let written = 0;
    while (pos < size) {
      if (opts.signal?.aborted) throw new AgentError('JOB_ABORTED', `copy of ${path.basename(src)} aborted`);
      const { bytesRead } = await inF.read(buf, 0, Math.min(bs, size - pos), pos);
      if (bytesRead === 0) break;
      if (!(opts.sparse && isZero(buf, bytesRead))) {
        await outF.write(buf, 0, bytesRead, pos);
        written += bytesRead;
      }
      pos += bytesRead;
      opts.onProgress?.(pos, size);
    }
    await outF.truncate(size);
    await outF.sync();
    await outF.close();
    outF = undefined;
    await fs.rename(tmp, dst);
    return { size, written };
  } catch (e) {
    await outF?.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    if (e instanceof AgentError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new AgentError('HOST_IO_FAILED', `copy ${src} -> ${dst}: ${err.code ?? err.message}`, { errno: err.code });
  } finally {
    await inF?.close().catch(() => {});
  }
}
