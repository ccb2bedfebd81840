// Long operations run as jobs: a row in the database with progress, a result or an error,
// and an AbortController so `abort_job` can stop them. Jobs still running when the agent
// died are marked interrupted at start.
import { boundedJson, redactUrlCredentials, truncateText } from '../../core/redact.js';
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { JobStore, type JobState } from '../../store/job-store.js';
import type { Clock } from '../../host/clock.js';
import { AgentError, isAgentError } from '../../core/errors.js';
import type { Logger } from 'pino';

/** A job's stored result (JSON) is at most this big; larger ones become {truncated, bytes}. */
export const MAX_JOB_RESULT_BYTES = 64 * 1024;
/** Job description, progress message and error texts are cut (with a marker) at this length. */
export const MAX_JOB_TEXT = 2048;

export type { JobState };

export interface JobInfo {
  id: string;
  kind: string;
  description: string;
  state: JobState;
  progress: number;
  message?: string;
  result?: unknown;
  error?: string;
  createdAt: string;
  updatedAt: string;
}

export interface JobControl {
  signal: AbortSignal;
  /** Progress in 0..1 with an optional message. */
  progress(fraction: number, message?: string): void;
}

export type JobFn<T> = (ctl: JobControl) => Promise<T>;

export interface Jobs {
  start<T>(kind: string, description: string, fn: JobFn<T>): { id: string; done: Promise<T> };
  get(id: string): JobInfo;
  abort(id: string): void;
}

export interface JobRunnerDeps {
  db: Db;
  clock: Clock;
  log: Logger;
}

export class JobRunner implements Jobs {
  private running = new Map<string, AbortController>();
  private readonly store: JobStore;

  constructor(private readonly deps: JobRunnerDeps) {
    this.store = new JobStore(deps.db);
  }

  /** Jobs left 'running' by a previous process can never finish: mark them. */
  markInterrupted(): void {
    this.store.markInterrupted(this.iso());
  }

  start<T>(kind: string, description: string, fn: JobFn<T>): { id: string; done: Promise<T> } {
    const id = randomUUID();
    const ac = new AbortController();
    const now = this.iso();
    this.store.insert(id, kind, truncateText(redactUrlCredentials(description), MAX_JOB_TEXT), now);
    this.running.set(id, ac);
    let lastWrite = 0;
    const ctl: JobControl = {
      signal: ac.signal,
      progress: (fraction, message) => {
        const t = this.deps.clock.now();
        // Progress is advisory: bound the database writes to a few per second.
        if (t - lastWrite < 200 && fraction < 1) return;
        lastWrite = t;
        this.store.progress(id, Math.max(0, Math.min(1, fraction)), message === undefined ? null : truncateText(redactUrlCredentials(message), MAX_JOB_TEXT), this.iso());
      },
    };
    const done = (async () => {
      try {
        const result = await fn(ctl);
        this.finish(id, ac.signal.aborted ? 'aborted' : 'done', result, undefined);
        return result;
      } catch (e) {
        const aborted = ac.signal.aborted;
        this.finish(id, aborted ? 'aborted' : 'failed', undefined, isAgentError(e) ? `${e.code}: ${e.message}` : String((e as Error).message ?? e));
        if (!aborted && !(isAgentError(e) && e.expected)) this.deps.log.error({ err: e, jobId: id, kind }, 'job failed');
        throw e;
      } finally {
        this.running.delete(id);
      }
    })();
    done.catch(() => {});
    return { id, done };
  }

  get(id: string): JobInfo {
    const r = this.store.get(id);
    if (!r) throw new AgentError('JOB_NOT_FOUND', `no job ${id}`);
    const info: JobInfo = {
      id: r.id,
      kind: r.kind,
      description: r.description,
      state: r.state,
      progress: r.progress,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
    if (r.message !== null) info.message = r.message;
    if (r.result !== null) info.result = JSON.parse(r.result);
    if (r.error !== null) info.error = r.error;
    return info;
  }

  abort(id: string): void {
    const ac = this.running.get(id);
    if (!ac) {
      this.get(id); // faults JOB_NOT_FOUND for unknown ids
      throw new AgentError('BAD_REQUEST', `job ${id} is not running`);
    }
    ac.abort(new AgentError('JOB_ABORTED', `job ${id} aborted`));
  }

  /** Abort everything (agent shutdown). */
  abortAll(): void {
    for (const ac of this.running.values()) ac.abort(new AgentError('SHUTTING_DOWN', 'agent is shutting down'));
  }

  private finish(id: string, state: JobState, result: unknown, error: string | undefined): void {
    this.store.finish(id, state, result === undefined ? null : boundedJson(result, MAX_JOB_RESULT_BYTES), error === undefined ? null : truncateText(redactUrlCredentials(error), MAX_JOB_TEXT), this.iso());
  }

  private iso(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }
}
