// Step journals of the cluster and pool FS changes, kept in the agent's one intent journal:
// each step is recorded before its effect, so a failure (or a crash, found at the next start
// before the RPC server listens) undoes exactly what was begun, in reverse order. Undoers are
// data-driven and tolerate a step that never happened, so an undo that failed is tried again
// at the next start.
import type { Logger } from 'pino';
import type { EventSink } from '../events/event-journal.js';
import type { Intents } from '../intents/intents.js';

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

export class StepJournal {
  constructor(
    private readonly deps: { intents: Intents; events: EventSink; log: Logger },
    /** The intent kind of this journal (one per service: `poolfs`, `cluster`, `pool-cluster`). */
    private readonly kind: string,
    private readonly undoers: Record<string, Undoer>,
  ) {
    deps.intents.register<Journal>(kind, async (j) => {
      await this.undo(j);
      return { outcome: 'rolled-back', detail: `${j.operation}: ${j.steps.length} step(s) undone` };
    });
  }

  /** Runs `body`; on any failure its journaled steps are undone in reverse and the error rethrown. */
  run<T>(operation: string, body: (step: StepFn) => Promise<T>): Promise<T> {
    return this.deps.intents.run<Journal, T>(this.kind, `cluster:${operation}`, { operation, steps: [] }, (intent) => {
      const steps: StepRecord[] = [];
      const step: StepFn = async (kind, args, effect) => {
        if (!this.undoers[kind]) throw new Error(`no undoer for step ${kind}`);
        steps.push({ kind, args });
        intent.step(kind, { steps: [...steps] });
        await effect();
      };
      return body(step);
    });
  }

  /**
   * At start: an operation that did not finish is rolled back. The agent's start-up recovery has
   * normally done it already; this covers a service started on its own (tools, tests).
   */
  async recover(): Promise<string | undefined> {
    const r = await this.deps.intents.recoverAll({ kinds: [this.kind] });
    return r.length ? r[0].key.replace(/^cluster:/, '') : undefined;
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
    if (failed.length > 0) {
      this.deps.events.emit({
        severity: 'error',
        object: 'cluster',
        code: 'CLUSTER_ROLLBACK_INCOMPLETE',
        message: `${j.operation}: could not undo ${failed.join(', ')}; tried again at the next start`,
      });
      throw new Error(`${j.operation}: could not undo ${failed.join(', ')}`);
    }
  }
}
