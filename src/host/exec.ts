// Runs host commands as argv (never a shell string), optionally inside a network namespace,
// and turns a failure into an AgentError that carries argv, exit code and stderr.
import { spawn } from 'node:child_process';
import { AgentError, isAgentError } from '../core/errors.js';

export interface ExecOptions {
  /** Run inside `ip netns exec <netns>`. */
  netns?: string;
  /** Text written to the command's stdin. */
  input?: string;
  timeoutMs?: number;
  /** Do not throw on a non-zero exit; the caller reads `code`. */
  allowFail?: boolean;
  env?: Record<string, string>;
}

export interface ExecResult {
  argv: readonly string[];
  code: number;
  stdout: string;
  stderr: string;
}

export interface Exec {
  run(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
}

export function withNetns(argv: readonly string[], netns?: string): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, ...argv] : [...argv];
}

export class CommandError extends AgentError {
  constructor(readonly result: ExecResult, reason?: string) {
    super(
      'HOST_COMMAND_FAILED',
      `${result.argv.join(' ')} failed (exit ${result.code})${result.stderr ? `: ${result.stderr.trim().slice(0, 500)}` : ''}${reason ? ` (${reason})` : ''}`,
      { argv: result.argv, code: result.code, stderr: result.stderr.slice(0, 2000) },
    );
  }
}

/** What a failed command said (its stderr, shortened), else the error's message: for faults. */
export function failureText(e: unknown): string {
  if (isAgentError(e) && typeof e.detail?.stderr === 'string' && e.detail.stderr.trim()) return e.detail.stderr.trim().slice(0, 300);
  return (e as Error).message;
}

/** The real executor. */
export class HostExec implements Exec {
  run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const full = withNetns(argv, opts.netns);
    return new Promise((resolve, reject) => {
      const child = spawn(full[0], full.slice(1), {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: opts.env ? { ...process.env, ...opts.env } : process.env,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = opts.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, opts.timeoutMs)
        : undefined;
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (timer) clearTimeout(timer);
        const result = { argv: full, code: e.code === 'ENOENT' ? 127 : 126, stdout: '', stderr: e.message };
        if (opts.allowFail) resolve(result);
        else reject(new CommandError(result));
      });
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        const result = {
          argv: full,
          code: code ?? 128,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        };
        if (timedOut) reject(new CommandError(result, `timed out after ${opts.timeoutMs} ms`));
        else if (result.code !== 0 && !opts.allowFail) reject(new CommandError(result));
        else resolve(result);
      });
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input ?? '');
    });
  }
}
