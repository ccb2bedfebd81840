// The one root logger: pino to /var/log/hvagent/agent.log (under the sysroot's log dir) and
// stdout for journald, with secrets redacted wherever they appear in structured fields.
import pino, { type Logger, type DestinationStream } from 'pino';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Field paths that may carry secrets; their values never reach a log line. */
export const REDACT_PATHS = [
  'password',
  '*.password',
  'oldpass',
  '*.oldpass',
  'admin_passwd',
  '*.admin_passwd',
  '*.*.admin_passwd',
  'chap',
  '*.chap',
  '*.*.chap',
  'manager_certificate',
  '*.manager_certificate',
  'signed_server_certificate',
  '*.signed_server_certificate',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
];

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
  if (opts.logDir) {
    fs.mkdirSync(opts.logDir, { recursive: true, mode: 0o750 });
    file = pino.destination({ dest: path.join(opts.logDir, 'agent.log'), sync: false, mkdir: true });
    streams.push({ level: 'trace', stream: file });
  }
  if (opts.stdout) streams.push({ level: 'trace', stream: pino.destination({ dest: 1, sync: false }) });
  if (opts.stream) streams.push({ level: 'trace', stream: opts.stream });
  const log = pino(
    {
      level: opts.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '***' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: pino.stdSerializers.err },
    },
    pino.multistream(streams),
  );
  return {
    log,
    close() {
      try {
        file?.flushSync?.();
      } catch {
        /* not ready yet: nothing buffered */
      }
      file?.end?.();
    },
  };
}
