// Pushes queued events to the manager's event URL: the outbox row is deleted only after the
// manager accepted the call, so an event is never dropped; failures retry with capped
// exponential backoff. Push format (our choice): XML-RPC call `hvagent_event(event)`.
import type { Logger } from 'pino';
import type { Db } from '../../store/db.js';
import { EventStore } from '../../store/event-store.js';
import type { Clock, TimerHandle } from '../../host/clock.js';

export interface PushClient {
  call(method: string, params: unknown[]): Promise<unknown>;
}

export type PushClientFactory = (url: string) => PushClient;

export interface EventPusherDeps {
  db: Db;
  clock: Clock;
  log: Logger;
  clientFor: PushClientFactory;
  /** This host's identity in pushed events. */
  hostId: () => string;
  /** Milliseconds between polls of the outbox when idle. */
  pollMs?: number;
}

export const PUSH_BACKOFF_MIN_MS = 1000;
export const PUSH_BACKOFF_MAX_MS = 5 * 60_000;

export function backoffMs(attempts: number): number {
  return Math.min(PUSH_BACKOFF_MAX_MS, PUSH_BACKOFF_MIN_MS * 2 ** Math.max(0, attempts - 1));
}

export class EventPusher {
  private timer: TimerHandle | undefined;
  private running = false;
  private stopped = true;
  private readonly store: EventStore;

  constructor(private readonly deps: EventPusherDeps) {
    this.store = new EventStore(deps.db);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** Called when an event was queued: push soon instead of waiting for the next poll. */
  kick(): void {
    if (!this.stopped && !this.running) this.schedule(0);
  }

  /** One pass over the due outbox rows, oldest first; returns how many were delivered. */
  async flush(): Promise<number> {
    const { clock } = this.deps;
    const rows = this.store.dueOutbox(clock.now());
    let delivered = 0;
    const failedUrls = new Set<string>();
    for (const r of rows) {
      // Keep per-URL order: once a URL failed in this pass, later events to it wait.
      if (failedUrls.has(r.url)) continue;
      try {
        await this.deps.clientFor(r.url).call('hvagent_event', [
          {
            id: r.event_id,
            host: this.deps.hostId(),
            time: r.time,
            severity: r.severity,
            object: r.object,
            code: r.code,
            message: r.message,
            data: r.data ?? '',
          },
        ]);
        this.store.delivered(r.event_id);
        delivered++;
      } catch (e) {
        failedUrls.add(r.url);
        const attempts = r.attempts + 1;
        this.store.retryLater(r.event_id, attempts, clock.now() + backoffMs(attempts), String((e as Error).message).slice(0, 500));
        this.deps.log.warn({ eventId: r.event_id, attempts, err: (e as Error).message }, 'event push failed, will retry');
      }
    }
    return delivered;
  }

  pending(): number {
    return this.store.pendingCount();
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    this.timer = this.deps.clock.setTimeout(() => void this.tick(), ms);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.running) return;
    this.running = true;
    try {
      await this.flush();
    } catch (e) {
      this.deps.log.error({ err: e }, 'event pusher pass failed');
    } finally {
      this.running = false;
      if (!this.stopped) this.schedule(this.deps.pollMs ?? 1000);
    }
  }
}
