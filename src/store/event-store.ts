// Typed access to the `events` and `event_outbox` tables (their one owner): the journal writes
// an event and its outbox row in one transaction; the pusher reads due rows and settles them.
import type { Db } from './db.js';

/** The columns an event is written with (the outbox rows carry the same). */
export interface NewEventRow {
  time: string;
  severity: string;
  object: string;
  code: string;
  message: string;
  data: string | null;
}

export interface EventRow extends NewEventRow {
  id: number;
  acknowledged: number;
  acknowledged_at: string | null;
}

export interface OutboxRow extends NewEventRow {
  event_id: number;
  url: string;
  attempts: number;
}

export class EventStore {
  constructor(private readonly db: Db) {}

  /** The event, and its outbox row when there is a URL to push to, together; returns the id. */
  insert(ev: NewEventRow, outbox: { url: string; at: number } | undefined): number {
    return this.db.transaction(() => {
      const info = this.db
        .prepare('INSERT INTO events (time, severity, object, code, message, data) VALUES (?, ?, ?, ?, ?, ?)')
        .run(ev.time, ev.severity, ev.object, ev.code, ev.message, ev.data);
      const id = Number(info.lastInsertRowid);
      if (outbox) this.db.prepare('INSERT INTO event_outbox (event_id, url, next_attempt_at) VALUES (?, ?, ?)').run(id, outbox.url, outbox.at);
      return id;
    })();
  }

  acknowledge(id: number, at: string): void {
    this.db.prepare('UPDATE events SET acknowledged = 1, acknowledged_at = ? WHERE id = ? AND acknowledged = 0').run(at, id);
  }

  get(id: number): EventRow | undefined {
    return this.db.prepare('SELECT * FROM events WHERE id = ?').get(id) as EventRow | undefined;
  }

  since(sinceId: number, limit: number): EventRow[] {
    return this.db.prepare('SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?').all(sinceId, limit) as EventRow[];
  }

  byCode(code: string, limit: number): EventRow[] {
    return this.db.prepare('SELECT * FROM events WHERE code = ? ORDER BY id DESC LIMIT ?').all(code, limit) as EventRow[];
  }

  /** Outbox rows due at `now`, oldest event first, with their events. */
  dueOutbox(now: number, limit = 100): OutboxRow[] {
    return this.db
      .prepare(
        `SELECT o.event_id, o.url, o.attempts, e.time, e.severity, e.object, e.code, e.message, e.data
         FROM event_outbox o JOIN events e ON e.id = o.event_id
         WHERE o.next_attempt_at <= ? ORDER BY o.event_id LIMIT ?`,
      )
      .all(now, limit) as OutboxRow[];
  }

  delivered(eventId: number): void {
    this.db.prepare('DELETE FROM event_outbox WHERE event_id = ?').run(eventId);
  }

  retryLater(eventId: number, attempts: number, nextAttemptAt: number, lastError: string): void {
    this.db.prepare('UPDATE event_outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE event_id = ?').run(attempts, nextAttemptAt, lastError, eventId);
  }

  pendingCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM event_outbox').get() as { n: number }).n;
  }
}
