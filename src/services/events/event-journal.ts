// The events journal: every event the agent raises is a row in the database (so none is lost
// across restarts) and, when the manager gave an event URL, a row in the push outbox.
import { redactUrlCredentials, truncateText } from '../../core/redact.js';
import type { Db } from '../../store/db.js';
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

interface EventRow {
  id: number;
  time: string;
  severity: Severity;
  object: string;
  code: string;
  message: string;
  data: string | null;
  acknowledged: number;
  acknowledged_at: string | null;
}

function rowToEvent(r: EventRow): AgentEvent {
  const ev: AgentEvent = {
    id: r.id,
    time: r.time,
    severity: r.severity,
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

  constructor(private readonly deps: EventJournalDeps) {}

  emit(input: NewEvent): number {
    const { db, clock } = this.deps;
    const dataJson = input.data ? eventDataJson(input.data) : null;
    const ev: NewEvent = {
      ...input,
      message: truncateText(redactUrlCredentials(input.message), MAX_EVENT_MESSAGE),
      ...(dataJson !== null ? { data: JSON.parse(dataJson) as Record<string, unknown> } : {}),
    };
    const time = new Date(clock.now()).toISOString();
    const url = this.deps.eventUrl();
    const id = db.transaction(() => {
      const info = db
        .prepare('INSERT INTO events (time, severity, object, code, message, data) VALUES (?, ?, ?, ?, ?, ?)')
        .run(time, ev.severity, ev.object, ev.code, ev.message, dataJson);
      const newId = Number(info.lastInsertRowid);
      if (url) {
        db.prepare('INSERT INTO event_outbox (event_id, url, next_attempt_at) VALUES (?, ?, ?)').run(newId, url, clock.now());
      }
      return newId;
    })();
    if (this.listeners.size > 0) {
      const full: AgentEvent = { ...ev, id, time, acknowledged: false };
      if (ev.data === undefined) delete full.data;
      for (const l of this.listeners) l(full);
    }
    return id;
  }

  acknowledge(id: number): void {
    this.deps.db
      .prepare('UPDATE events SET acknowledged = 1, acknowledged_at = ? WHERE id = ? AND acknowledged = 0')
      .run(new Date(this.deps.clock.now()).toISOString(), id);
  }

  get(id: number): AgentEvent | undefined {
    const r = this.deps.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined;
    return r ? rowToEvent(r) : undefined;
  }

  /** Events with id greater than `sinceId`, oldest first. */
  since(sinceId: number, limit = 1000): AgentEvent[] {
    const rows = this.deps.db
      .prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?')
      .all(sinceId, limit) as EventRow[];
    return rows.map(rowToEvent);
  }

  /** Newest events matching a code (for tests and the CLI status). */
  byCode(code: string, limit = 50): AgentEvent[] {
    const rows = this.deps.db
      .prepare('SELECT * FROM events WHERE code = ? ORDER BY id DESC LIMIT ?')
      .all(code, limit) as EventRow[];
    return rows.map(rowToEvent);
  }

  onEvent(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
}
