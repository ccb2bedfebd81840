// agent.log's destination: lines are encoded into one buffer and written with one synchronous
// write when a batch is full, every second, on close and when the process exits (an uncaught
// exception included; only a kill -9 loses the last second). It replaces pino.destination
// (sonic-boom), whose write() measures the UTF-8 length of the whole pending batch on every
// line: with batching that made each line cost in proportion to the batch.
//
// The file is opened with O_APPEND, so after logrotate's copytruncate the next line lands at
// the start of the emptied file. A write that fails (a full disk) never takes the agent down:
// the batch is dropped, counted, and the count is reported on stderr and in the next line
// that can be written.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface LogFileOptions {
  /** Write once this many bytes are pending (default 32 KiB). */
  batchBytes?: number;
  /** Write what is pending at least this often (default 1 s); 0 = only on full batches and close. */
  flushEveryMs?: number;
}

export class LogFile {
  private fd: number | undefined;
  /** Pending lines, already UTF-8: encoding each line into one buffer keeps no strings alive. */
  private readonly buf: Buffer;
  private used = 0;
  private dropped = 0;
  private readonly batchBytes: number;
  private readonly timer: NodeJS.Timeout | undefined;
  /** Writes what is pending when the process exits, even on an uncaught exception. */
  private readonly onExit = (): void => this.flush();

  constructor(
    readonly file: string,
    opts: LogFileOptions = {},
  ) {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o750 });
    this.fd = fs.openSync(file, 'a', 0o640);
    this.batchBytes = opts.batchBytes ?? 32 * 1024;
    this.buf = Buffer.allocUnsafe(this.batchBytes * 2);
    const every = opts.flushEveryMs ?? 1000;
    if (every > 0) {
      this.timer = setInterval(() => this.flush(), every);
      this.timer.unref();
    }
    process.once('exit', this.onExit);
  }

  /** pino's destination interface: one serialized line (with its newline). */
  write(line: string): boolean {
    if (this.fd === undefined) return false;
    // A UTF-16 unit becomes at most 3 UTF-8 bytes: make sure the line fits before encoding it.
    const worst = line.length * 3;
    if (worst > this.buf.length - this.used) {
      this.flush();
      if (worst > this.buf.length) {
        this.writeOut(Buffer.from(line));
        return true;
      }
    }
    this.used += this.buf.write(line, this.used);
    if (this.used >= this.batchBytes) this.flush();
    return true;
  }

  /** Writes what is pending, now. */
  flush(): void {
    if (this.fd === undefined || this.used === 0) return;
    this.writeOut(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  /** Flushes and closes the file; later writes are ignored. */
  end(): void {
    if (this.timer) clearInterval(this.timer);
    process.off('exit', this.onExit);
    this.flush();
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }

  private writeOut(data: Buffer): void {
    try {
      if (this.dropped > 0) {
        const note = { level: 40, time: new Date().toISOString(), pid: process.pid, dropped: this.dropped, msg: 'log lines were lost: agent.log could not be written' };
        this.writeAll(Buffer.from(`${JSON.stringify(note)}\n`));
        this.dropped = 0;
      }
      this.writeAll(data);
    } catch (e) {
      if (this.dropped === 0) process.stderr.write(`hvagent: cannot write ${this.file}: ${(e as Error).message}; dropping log lines\n`);
      // Lines are counted only when they are lost.
      for (let i = data.indexOf(10); i >= 0; i = data.indexOf(10, i + 1)) this.dropped++;
    }
  }

  private writeAll(data: Buffer): void {
    // writeSync may write part of a large buffer: loop until all of it is down.
    let off = 0;
    while (off < data.length) off += fs.writeSync(this.fd!, data, off, data.length - off);
  }
}
