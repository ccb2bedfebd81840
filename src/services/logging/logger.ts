// The one root logger: pino to /var/log/hvagent/agent.log (under the sysroot's log dir) and
// stdout for journald, with secrets redacted wherever they appear in structured fields.
import pino, { type Logger, type DestinationStream } from 'pino';
import * as fs from 'node:fs';
import * as path from 'node:path';

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
  const streams: pino.StreamEntry[] = [];
  let file: pino.DestinationStream & { end?: () => void; flushSync?: () => void } | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  if (opts.logDir) {
    fs.mkdirSync(opts.logDir, { recursive: true, mode: 0o750 });
    // Lines are written in 4 KiB batches, flushed at least every second: one write per line
    // cost more than the rest of an RPC call. A kill -9 loses at most that last second.
    file = pino.destination({ dest: path.join(opts.logDir, 'agent.log'), sync: true, mkdir: true, minLength: 4096 });
    const f = file;
    const timer = setInterval(() => {
      try {
        (f as unknown as { flush: () => void }).flush();
      } catch {
        /* not open yet, or already writing: the next tick flushes */
      }
    }, 1000);
    timer.unref();
    flushTimer = timer;
    streams.push({ level: 'trace', stream: file });
  }
  if (opts.stdout) streams.push({ level: 'trace', stream: pino.destination({ dest: 1, sync: false }) });
  if (opts.stream) streams.push({ level: 'trace', stream: opts.stream });
  const log = pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      formatters: { log: (obj) => scrubSecrets(obj) },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
    },
    pino.multistream(streams),
  );
  return {
    log,
    close() {
      if (flushTimer) clearInterval(flushTimer);
      try {
        file?.flushSync?.();
      } catch {
        /* not ready yet: nothing buffered */
      }
      file?.end?.();
    },
  };
}
