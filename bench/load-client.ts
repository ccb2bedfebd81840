// The bench's load client: N concurrent raw TLS connections to 127.0.0.1, each sending one
// pre-built XML-RPC request at a time and reading the answer with a minimal HTTP/1.x parser (so
// the client stays cheaper than any server it measures). A server that closes after each answer
// (HTTP/1.0) gets a new TLS connection per call, its cost counted in that call's latency.
import * as tls from 'node:tls';
import { performance } from 'node:perf_hooks';

export interface LoadOptions {
  port: number;
  path?: string;
  concurrency: number;
  /** Measured window, after the warm-up. */
  durationMs: number;
  warmupMs: number;
  /** Stop early once this many calls were measured. */
  maxCalls: number;
  authorization: string;
  body: string;
  /** A correct answer contains this text and no <fault>. */
  expect: string;
}

export interface LoadResult {
  calls: number;
  errors: number;
  connections: number;
  seconds: number;
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  firstError?: string;
  /** Successful calls including the warm-up (to relate server CPU time to calls). */
  totalCalls: number;
  /** Sorted latencies (ms) of the measured calls, to merge rounds. */
  latencies: Float64Array;
}

interface Parsed {
  status: number;
  close: boolean;
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/** One connection; call() sends the request and resolves with the parsed answer. */
class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private pending: { resolve: (p: Parsed) => void; reject: (e: Error) => void } | undefined;
  closed = false;

  private constructor(readonly socket: tls.TLSSocket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => {
      this.closed = true;
      this.fail(new Error('connection closed by the server'));
    });
  }

  static open(port: number, session: Buffer | undefined, onSession: (s: Buffer) => void): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, session, noDelay: true } as tls.ConnectionOptions, () => {
        socket.off('error', reject);
        resolve(new Conn(socket));
      });
      socket.on('session', onSession);
      socket.once('error', reject);
    });
  }

  call(request: Buffer): Promise<Parsed> {
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject };
      this.buf = Buffer.alloc(0);
      this.socket.write(request);
    });
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    if (!this.pending) return;
    const end = this.buf.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.buf.subarray(0, end).toString('latin1');
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let body: string;
    if (m) {
      const total = end + 4 + Number(m[1]);
      if (this.buf.length < total) return;
      body = this.buf.subarray(end + 4, total).toString('utf8');
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const b = dechunk(this.buf, end + 4);
      if (b === undefined) return;
      body = b;
    } else {
      return this.fail(new Error('answer without Content-Length or chunked encoding'));
    }
    const status = Number(head.slice(9, 12));
    const close = head.startsWith('HTTP/1.0') ? !/\r\nconnection:\s*keep-alive/i.test(head) : /\r\nconnection:\s*close/i.test(head);
    const p = this.pending;
    this.pending = undefined;
    p.resolve({ status, close, body });
  }
}

/** The body of a complete chunked message starting at `at`, or undefined while it is incomplete. */
function dechunk(buf: Buffer, at: number): string | undefined {
  const parts: Buffer[] = [];
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) return buf.length >= eol + 4 ? Buffer.concat(parts).toString('utf8') : undefined;
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

export function percentile(sorted: Float64Array, q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const request = Buffer.from(
    `POST ${o.path ?? '/RPC2'} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: hvagent-bench\r\nAuthorization: ${o.authorization}\r\n` +
      `Content-Type: text/xml\r\nContent-Length: ${Buffer.byteLength(o.body)}\r\n\r\n${o.body}`,
  );
  const lat = new Float64Array(Math.min(o.maxCalls, 4_000_000));
  let n = 0;
  let total = 0;
  let errors = 0;
  let connections = 0;
  let firstError: string | undefined;
  let session: Buffer | undefined;
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const stopAt = measureFrom + o.durationMs;
  const done = () => n >= o.maxCalls || performance.now() >= stopAt;

  const worker = async (): Promise<void> => {
    let conn: Conn | undefined;
    while (!done()) {
      const t0 = performance.now();
      const measured = t0 >= measureFrom;
      try {
        if (!conn || conn.closed) {
          conn = await Conn.open(o.port, session, (s) => (session = s));
          connections++;
        }
        const r = await conn.call(request);
        if (r.close) {
          conn.socket.destroy();
          conn = undefined;
        }
        if (r.status !== 200 || !r.body.includes(o.expect) || r.body.includes('<fault>')) {
          throw new Error(`bad answer: HTTP ${r.status} ${r.body.slice(0, 200)}`);
        }
        total++;
        if (measured && n < o.maxCalls) lat[n++] = performance.now() - t0;
      } catch (e) {
        if (measured) {
          errors++;
          firstError ??= (e as Error).message;
        }
        conn?.socket.destroy();
        conn = undefined;
      }
    }
    conn?.socket.destroy();
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (Math.min(performance.now(), stopAt) - measureFrom) / 1000;
  const sorted = lat.subarray(0, n).sort();
  return {
    calls: n,
    errors,
    connections,
    seconds,
    callsPerSec: n / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    firstError,
    totalCalls: total,
    latencies: sorted,
  };
}
