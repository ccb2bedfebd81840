// The events journal: every event the agent raises is a row in the database (so none is lost
// across restarts) and, when the manager gave an event URL, a row in the push outbox.
import { redactUrlCredentials, truncateText } from '../../core/redact.js';
import type { Db } from '../../store/db.js';
import { EventStore, type EventRow } from '../../store/event-store.js';
import type { Clock } from '../../host/clock.js';

export type Severity = 'info' | 'warning' | 'error' | 'critical';

export interface NewEvent {
  severity: Severity;
  /** What the event is about, e.g. `network:bond0`, `vm:<uuid>`, `host`. */
  object: string;
  /** Stable code, e.g. NETWORK_OPERATION_FAILED. */
  code: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface AgentEvent extends NewEvent {
  id: number;
  time: string;
  acknowledged: boolean;
  acknowledgedAt?: string;
}

export interface EventSink {
  /** Record an event; returns its id. */
  emit(ev: NewEvent): number;
  acknowledge(id: number): void;
}

type Listener = (ev: AgentEvent) => void;

function rowToEvent(r: EventRow): AgentEvent {
  const ev: AgentEvent = {
    id: r.id,
    time: r.time,
    severity: r.severity as Severity,
    object: r.object,
    code: r.code,
    message: r.message,
    acknowledged: r.acknowledged === 1,
  };
  if (r.data) ev.data = JSON.parse(r.data) as Record<string, unknown>;
  if (r.acknowledged_at) ev.acknowledgedAt = r.acknowledged_at;
  return ev;
}

export interface EventJournalDeps {
  db: Db;
  clock: Clock;
  /** Where events are pushed, when a manager gave one (read at emit time). */
  eventUrl: () => string | undefined;
}

/** Longest event message kept; longer ones are cut with a marker. */
export const MAX_EVENT_MESSAGE = 1024;
/** Largest event data (as JSON) kept; larger data is replaced by a marker saying its size. */
export const MAX_EVENT_DATA_BYTES = 16 * 1024;

/** JSON.stringify, with big integers written as text instead of throwing. */
export function jsonWithBigints(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null';
}

/** JSON of event data: big integers as text (JSON has none), over the bound a marker. */
export function eventDataJson(data: Record<string, unknown>): string {
  const json = jsonWithBigints(data);
  if (Buffer.byteLength(json) <= MAX_EVENT_DATA_BYTES) return json;
  return JSON.stringify({ truncated: true, bytes: Buffer.byteLength(json) });
}

export class EventJournal implements EventSink {
  private listeners = new Set<Listener>();
  private readonly store: EventStore;

  constructor(private readonly deps: EventJournalDeps) {
    this.store = new EventStore(deps.db);
  }

  emit(input: NewEvent): number {
    const { clock } = this.deps;
    const dataJson = input.data ? eventDataJson(input.data) : null;
    const ev: NewEvent = {
      ...input,
      message: truncateText(redactUrlCredentials(input.message), MAX_EVENT_MESSAGE),
      ...(dataJson !== null ? { data: JSON.parse(dataJson) as Record<string, unknown> } : {}),
    };
    const time = new Date(clock.now()).toISOString();
    const url = this.deps.eventUrl();
    const row = { time, severity: ev.severity, object: ev.object, code: ev.code, message: ev.message, data: dataJson };
    const id = this.store.insert(row, url ? { url, at: clock.now() } : undefined);
    if (this.listeners.size > 0) {
      const full: AgentEvent = { ...ev, id, time, acknowledged: false };
      if (ev.data === undefined) delete full.data;
      for (const l of this.listeners) l(full);
    }
    return id;
  }

  acknowledge(id: number): void {
    this.store.acknowledge(id, new Date(this.deps.clock.now()).toISOString());
  }

  get(id: number): AgentEvent | undefined {
    const r = this.store.get(id);
    return r ? rowToEvent(r) : undefined;
  }

  /** Events with id greater than `sinceId`, oldest first. */
  since(sinceId: number, limit = 1000): AgentEvent[] {
    return this.store.since(sinceId, limit).map(rowToEvent);
  }

  /** Newest events matching a code (for tests and the CLI status). */
  byCode(code: string, limit = 50): AgentEvent[] {
    return this.store.byCode(code, limit).map(rowToEvent);
  }

  onEvent(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
