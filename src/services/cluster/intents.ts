// Intent records for multi-step cluster and pool FS changes: each step is journaled in the
// agent database before its effect, so a failure (or a crash, found at the next start) undoes
// exactly what was begun, in reverse order. Undoers are data-driven and tolerate a step that
// never happened.
import type { Logger } from 'pino';
import type { HostStateRepo } from '../../store/host-state.js';
import type { EventSink } from '../events/event-journal.js';

export type StepArgs = Record<string, string | number | boolean | null>;

export interface StepRecord {
  kind: string;
  args: StepArgs;
}

export type Undoer = (args: StepArgs) => Promise<void>;

interface Journal {
  operation: string;
  steps: StepRecord[];
}

export type StepFn = (kind: string, args: StepArgs, effect: () => Promise<void>) => Promise<void>;

export class Intents {
  constructor(
    private readonly deps: { hostState: HostStateRepo; events: EventSink; log: Logger },
    private readonly key: string,
    private readonly undoers: Record<string, Undoer>,
  ) {}

  /** Runs `body`; on any failure undoes its journaled steps in reverse and rethrows. */
  async run<T>(operation: string, body: (step: StepFn) => Promise<T>): Promise<T> {
    const journal: Journal = { operation, steps: [] };
    this.deps.hostState.setJson(this.key, journal);
    const step: StepFn = async (kind, args, effect) => {
      if (!this.undoers[kind]) throw new Error(`no undoer for step ${kind}`);
      journal.steps.push({ kind, args });
      this.deps.hostState.setJson(this.key, journal);
      await effect();
    };
    try {
      const out = await body(step);
      this.deps.hostState.delete(this.key);
      return out;
    } catch (e) {
      await this.undo(journal);
      throw e;
    }
  }

  /** At start: an operation that did not finish is rolled back. */
  async recover(): Promise<string | undefined> {
    const j = this.deps.hostState.getJson<Journal>(this.key);
    if (!j) return undefined;
    this.deps.log.warn({ operation: j.operation, steps: j.steps.length }, 'rolling back an unfinished operation');
    await this.undo(j);
    return j.operation;
  }

  private async undo(j: Journal): Promise<void> {
    const failed: string[] = [];
    for (const s of [...j.steps].reverse()) {
      try {
        await this.undoers[s.kind](s.args);
      } catch (e) {
        failed.push(s.kind);
        this.deps.log.error({ err: e, step: s.kind, operation: j.operation }, 'undo step failed');
      }
    }
    this.deps.hostState.delete(this.key);
    if (failed.length > 0) {
      this.deps.events.emit({
        severity: 'error',
        object: 'cluster',
        code: 'CLUSTER_ROLLBACK_INCOMPLETE',
        message: `${j.operation}: could not undo ${failed.join(', ')}; see the agent log`,
      });
    }
  }
}
