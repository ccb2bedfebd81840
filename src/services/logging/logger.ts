// The one root logger: pino to /var/log/hvagent/agent.log (under the sysroot's log dir) and
// stdout for journald, with secrets redacted wherever they appear in structured fields.
import pino, { type Logger, type DestinationStream } from 'pino';
import * as path from 'node:path';
import { LogFile } from './log-file.js';

/** Keys whose values never reach a log line, at any depth of a logged object. */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'oldpass',
  'admin_passwd',
  'chap',
  'chap_password',
  'secret',
  'manager_certificate',
  'signed_server_certificate',
  'authorization',
  'privateKey',
  'key_pem',
]);

/** Set by createRootLogger on loggers whose START/FINISH lines call-lines.ts may write directly. */
export const DIRECT_LINES: unique symbol = Symbol('hvagent.directLines');

const CENSOR = '***';
const MAX_SCRUB_DEPTH = 6;

/**
 * Returns `v` itself when it holds no secret key (the common case: no copy is made), else a
 * copy with every secret value replaced. Replaces pino's path-based redaction, whose wildcard
 * paths cost several times the rest of a log line.
 */
export function scrubSecrets<T>(v: T, depth = 0): T {
  if (v === null || typeof v !== 'object' || depth > MAX_SCRUB_DEPTH || v instanceof Error || Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const s = scrubSecrets(v[i], depth + 1);
      if (s !== v[i]) (out ??= v.slice())[i] = s;
    }
    return (out ?? v) as T;
  }
  let out: Record<string, unknown> | undefined;
  const obj = v as Record<string, unknown>;
  for (const k in obj) {
    const cur = obj[k];
    const s = SECRET_KEYS.has(k) && cur !== undefined && cur !== null ? CENSOR : scrubSecrets(cur, depth + 1);
    if (s !== cur) (out ??= { ...obj })[k] = s;
  }
  return (out ?? v) as T;
}

/**
 * pino's isoTime, with the text of the current millisecond kept: under load many lines share a
 * millisecond, and formatting the date was a tenth of a line's cost.
 */
let lastMs = -1;
let lastTime = '';
export function isoTimeCached(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

export interface LoggerOptions {
  level: string;
  /** Absolute directory for agent.log; undefined = no file. */
  logDir?: string;
  stdout: boolean;
  /** Extra destination (tests capture output through it). */
  stream?: DestinationStream;
}

export interface RootLogger {
  log: Logger;
  /** Flush and close file destinations. */
  close(): void;
}

export function createRootLogger(opts: LoggerOptions): RootLogger {
  const streams: DestinationStream[] = [];
  // Lines are written in batches, at least every second: one write per line cost more than the
  // rest of an RPC call. A kill -9 loses at most that last second.
  const file = opts.logDir ? new LogFile(path.join(opts.logDir, 'agent.log')) : undefined;
  if (file) streams.push(file);
  if (opts.stdout) streams.push(pino.destination({ dest: 1, sync: false }));
  if (opts.stream) streams.push(opts.stream);
  const log = pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      formatters: { log: (obj) => scrubSecrets(obj) },
      timestamp: isoTimeCached,
      serializers: { err: pino.stdSerializers.err },
    },
    // Every destination takes every line, so a plain fan-out does (pino.multistream filters by
    // level per destination and cost a tenth of a line).
    streams.length === 1 ? streams[0] : { write: (line: string) => streams.forEach((s) => s.write(line)) },
  );
  // Only scrubSecrets formats lines and no destination needs pino's metadata: START/FINISH may
  // be written directly (call-lines.ts). Children inherit the mark.
  (log as unknown as Record<symbol, unknown>)[DIRECT_LINES] = true;
  return {
    log,
    close() {
      file?.end();
    },
  };
}
