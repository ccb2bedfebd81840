// Intents: every multi-step state change records what it will do and what undoing it needs
// before its first effect, the step it reached after each, and is removed after its last. An
// intent left behind (crash, failed undo) is rolled forward or back by its area's recovery:
// at start before the RPC server listens, and at once when the operation fails in process.
import type { Logger } from 'pino';
import { isAgentError } from '../../core/errors.js';
import { crashPoint } from '../../host/crash-point.js';
import type { Db } from '../../store/db.js';
import { IntentStore, type IntentRow } from '../../store/intent-store.js';
import type { EventSink } from '../events/event-journal.js';

export type RecoveryOutcome = 'rolled-back' | 'rolled-forward' | 'nothing-to-do';

export interface RecoveryResult {
  outcome: RecoveryOutcome;
  /** One line for the event and the log: what was put right. */
  detail?: string;
}

/** Puts the host in a consistent state for an unfinished intent; must be idempotent. */
export type RecoverFn<P> = (payload: P, step: string, log: Logger) => Promise<RecoveryResult>;

export interface RecoveryReport {
  id: number;
  kind: string;
  key: string;
  step: string;
  outcome: RecoveryOutcome | 'failed';
  detail?: string;
}

/** One change in progress. */
export class Intent<P> {
  private ended = false;

  constructor(
    private readonly store: IntentStore,
    readonly id: number,
    readonly kind: string,
    private payload: P,
  ) {}

  get current(): P {
    return this.payload;
  }

  /** The step reached; `patch` adds what the undo now needs. Written before the next effect. */
  step(name: string, patch?: Partial<P>): void {
    if (patch) this.payload = { ...this.payload, ...patch };
    this.store.update(this.id, name, patch ? this.payload : undefined);
    crashPoint(`${this.kind}:${name}`);
  }

  /** The last effect is done. */
  end(): void {
    this.endWith(() => {});
  }

  /** The last effect is the database write `fn`: it and the intent's removal commit together. */
  endWith(fn: () => void): void {
    if (this.ended) return;
    crashPoint(`${this.kind}:end`);
    this.store.deleteWith(this.id, fn);
    this.ended = true;
  }
}

export interface IntentsDeps {
  db: Db;
  events: EventSink;
  log: Logger;
}

export class Intents {
  private readonly store: IntentStore;
  private readonly recoveries = new Map<string, RecoverFn<never>>();
  private readonly log: Logger;

  constructor(private readonly deps: IntentsDeps) {
    this.store = new IntentStore(deps.db);
    this.log = deps.log.child({ component: 'intents' });
  }

  /** Each area registers how to put right each kind of change it records (a service built again replaces its own). */
  register<P>(kind: string, recover: RecoverFn<P>): void {
    this.recoveries.set(kind, recover as RecoverFn<never>);
  }

  begin<P>(kind: string, key: string, payload: P): Intent<P> {
    if (!this.recoveries.has(kind)) throw new Error(`intent kind ${kind} has no recovery`);
    const id = this.store.insert(kind, key, payload);
    crashPoint(`${kind}:begin`);
    return new Intent(this.store, id, kind, payload);
  }

  /**
   * Runs `fn` under an intent. On success the intent is removed. On failure the area's recovery
   * runs at once (the same code that runs after a crash); if that fails too, the intent stays
   * for the next start and the original error is thrown.
   */
  async run<P, R>(kind: string, key: string, payload: P, fn: (intent: Intent<P>) => Promise<R>): Promise<R> {
    const intent = this.begin(kind, key, payload);
    let result: R;
    try {
      result = await fn(intent);
    } catch (e) {
      const row = this.store.get(intent.id);
      if (row) await this.recoverOne(row, 'failed-call');
      throw e;
    }
    intent.end();
    return result;
  }

  /**
   * The one check of a delete whose target is not there: when crash recovery finished this
   * delete (`kind`, `key`) for a caller that never got its answer, the retry answers as done,
   * once (returns); otherwise `notFound` is thrown.
   */
  retriedDelete(kind: string, key: string, notFound: unknown): void {
    if (!this.store.takeFinished(kind, key)) throw notFound;
  }

  /** Unfinished intents (status, tests). */
  pending(): IntentRow[] {
    return this.store.list();
  }

  /** At start: every intent left behind (or those of `kinds`), oldest first. Kinds without a recovery are kept and reported. */
  async recoverAll(opts: { kinds?: readonly string[] } = {}): Promise<RecoveryReport[]> {
    const out: RecoveryReport[] = [];
    for (const row of this.store.list()) {
      if (opts.kinds && !opts.kinds.includes(row.kind)) continue;
      out.push(await this.recoverOne(row, 'start'));
    }
    return out;
  }

  private async recoverOne(row: IntentRow, when: 'start' | 'failed-call'): Promise<RecoveryReport> {
    const base = { id: row.id, kind: row.kind, key: row.key, step: row.step };
    const recover = this.recoveries.get(row.kind);
    const what = `${row.kind} of ${row.key} (stopped at step ${row.step})`;
    if (!recover) {
      const detail = `no recovery for intent kind ${row.kind}: kept for an agent that knows it`;
      this.log.error({ intent: base }, detail);
      this.deps.events.emit({ severity: 'error', object: row.key, code: 'INTENT_RECOVERY_FAILED', message: `${what}: ${detail}`, data: base });
      return { ...base, outcome: 'failed', detail };
    }
    try {
      const r = await recover(row.payload as never, row.step, this.log);
      this.store.close(row, r.outcome === 'rolled-forward');
      const message = `${what}: ${r.outcome}${r.detail ? `: ${r.detail}` : ''}`;
      this.log.info({ intent: base, outcome: r.outcome, when }, message);
      // A failed call reports its own fault; an event is for what a crash left behind.
      if (when === 'start') this.deps.events.emit({ severity: 'warning', object: row.key, code: 'INTENT_RECOVERED', message, data: { ...base, outcome: r.outcome } });
      return { ...base, outcome: r.outcome, detail: r.detail };
    } catch (e) {
      const detail = isAgentError(e) ? `${e.code}: ${e.message}` : (e as Error).message;
      this.log.error({ err: e, intent: base, when }, `${what}: recovery failed; kept for the next start`);
      this.deps.events.emit({ severity: 'error', object: row.key, code: 'INTENT_RECOVERY_FAILED', message: `${what}: recovery failed: ${detail.slice(0, 300)}`, data: base });
      return { ...base, outcome: 'failed', detail };
    }
  }
}
