// Runs the SCSI tools (iscsiadm, iscsi-ls/-inq/-readcapacity16, multipath) with a bound on
// every run and with CHAP secrets blanked out of everything that can reach a log or a fault:
// argv, stdout, stderr and error messages.
import { AgentError, type ErrorCode } from '../../core/errors.js';
import { redactSecrets } from '../../core/storage/scsi/iscsi-names.js';
import type { Exec } from '../exec.js';

export const DEFAULT_SCSI_TIMEOUT_MS = 30_000;

export interface ScsiRunOptions {
  timeoutMs: number;
  /** Values to blank out of argv and output (CHAP secrets). */
  secrets?: readonly string[];
  env?: Record<string, string>;
}

export interface ScsiRunResult {
  /** argv with secrets blanked: safe to log. */
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Run once; never throws for a non-zero exit or a timeout (the caller maps those). */
export async function runScsi(exec: Exec, argv: readonly string[], opts: ScsiRunOptions): Promise<ScsiRunResult> {
  const secrets = opts.secrets ?? [];
  const clean = (s: string): string => redactSecrets(s, secrets);
  const safeArgv = argv.map(clean);
  try {
    const r = await exec.run(argv, { timeoutMs: opts.timeoutMs, allowFail: true, ...(opts.env ? { env: opts.env } : {}) });
    return { argv: safeArgv, code: r.code, stdout: clean(r.stdout), stderr: clean(r.stderr), timedOut: false };
  } catch (e) {
    // HostExec rejects only on a timeout when allowFail is set.
    const msg = e instanceof Error ? clean(e.message) : 'failed';
    if (/timed out/.test(msg)) return { argv: safeArgv, code: -1, stdout: '', stderr: `timed out after ${opts.timeoutMs} ms`, timedOut: true };
    throw new AgentError('STORAGE_COMMAND_FAILED', `${safeArgv[0]} could not run: ${msg.slice(0, 300)}`);
  }
}

/** The fault for a failed run: the command (secrets blanked), exit code and the first stderr line(s). */
export function scsiFault(code: ErrorCode, what: string, r: ScsiRunResult): AgentError {
  const err = r.stderr.trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join(' / ').slice(0, 400);
  return new AgentError(code, `${what}: ${r.timedOut ? err : `${r.argv[0]} exit ${r.code}${err ? `: ${err}` : ''}`}`, { argv: r.argv, code: r.code });
}
