// Bounded tails of log files for get_log: at most maxBytes read from the end, then at most
// maxLines lines, so a huge log never lands in one RPC answer.
import * as fsp from 'node:fs/promises';

export interface TailLimits {
  maxBytes: number;
  maxLines: number;
}

export const DEFAULT_TAIL: TailLimits = { maxBytes: 256 * 1024, maxLines: 2000 };

/** '' when the file does not exist. `realPath` is an absolute path on this machine. */
export async function tailFile(realPath: string, limits: TailLimits = DEFAULT_TAIL): Promise<string> {
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(realPath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
  try {
    const { size } = await fh.stat();
    const start = Math.max(0, size - limits.maxBytes);
    const buf = Buffer.alloc(size - start);
    const { bytesRead } = await fh.read(buf, 0, buf.length, start);
    let text = buf.subarray(0, bytesRead).toString('utf8');
    // A cut in the middle of a line (or a UTF-8 sequence) is dropped rather than shown half.
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    const lines = text.split('\n');
    const hasFinalNewline = lines[lines.length - 1] === '';
    if (hasFinalNewline) lines.pop();
    return lines.slice(-limits.maxLines).join('\n') + (hasFinalNewline && lines.length ? '\n' : '');
  } finally {
    await fh.close();
  }
}
