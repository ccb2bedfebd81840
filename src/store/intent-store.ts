// The intents table: one row per multi-step state change in progress (what it will do and what
// is needed to undo it), written before its first effect and deleted after its last.
import type { Db } from './db.js';

export interface IntentRow {
  id: number;
  kind: string;
  /** What the change is about (a repository uuid, a VM, `network`), for logs and events. */
  key: string;
  /** The last step reached (a step name of the operation). */
  step: string;
  payload: unknown;
  createdAt: string;
}

interface RawRow {
  id: number;
  kind: string;
  key: string;
  step: string;
  payload: string;
  created_at: string;
}

export class IntentStore {
  constructor(private readonly db: Db) {}

  insert(kind: string, key: string, payload: unknown): number {
    const r = this.db
      .prepare('INSERT INTO intents (kind, key, step, payload, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(kind, key, 'begin', JSON.stringify(payload ?? null), new Date().toISOString());
    return Number(r.lastInsertRowid);
  }

  /** Record the step reached, and optionally a new payload (what the undo now needs). */
  update(id: number, step: string, payload?: unknown): void {
    if (payload === undefined) this.db.prepare('UPDATE intents SET step = ? WHERE id = ?').run(step, id);
    else this.db.prepare('UPDATE intents SET step = ?, payload = ? WHERE id = ?').run(step, JSON.stringify(payload), id);
  }

  delete(id: number): void {
    this.db.prepare('DELETE FROM intents WHERE id = ?').run(id);
  }

  /** Runs `fn` (database writes only) and deletes the intent in one transaction. */
  deleteWith(id: number, fn: () => void): void {
    this.db.transaction(() => {
      fn();
      this.delete(id);
    })();
  }

  /** Removes a recovered intent; one that recovery finished is remembered for its retry (same transaction). */
  close(row: Pick<IntentRow, 'id' | 'kind' | 'key'>, finished: boolean): void {
    this.db.transaction(() => {
      this.delete(row.id);
      if (finished) this.markFinished(row.kind, row.key);
    })();
  }

  /** A change that recovery completed (rolled forward): its retry answers as done, once. */
  markFinished(kind: string, key: string): void {
    this.db.prepare('INSERT OR REPLACE INTO intent_finished (kind, key, at) VALUES (?, ?, ?)').run(kind, key, new Date().toISOString());
    // Only recent ones matter: a retry follows its crash within minutes.
    this.db.prepare('DELETE FROM intent_finished WHERE rowid NOT IN (SELECT rowid FROM intent_finished ORDER BY at DESC LIMIT 200)').run();
  }

  /** True once if recovery completed this change. */
  takeFinished(kind: string, key: string): boolean {
    return this.db.prepare('DELETE FROM intent_finished WHERE kind = ? AND key = ?').run(kind, key).changes > 0;
  }

  get(id: number): IntentRow | undefined {
    const r = this.db.prepare('SELECT * FROM intents WHERE id = ?').get(id) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  /** Unfinished intents, oldest first. */
  list(kind?: string): IntentRow[] {
    const rows = (kind === undefined
      ? this.db.prepare('SELECT * FROM intents ORDER BY id').all()
      : this.db.prepare('SELECT * FROM intents WHERE kind = ? ORDER BY id').all(kind)) as RawRow[];
    return rows.map(toRow);
  }
}

function toRow(r: RawRow): IntentRow {
  return { id: r.id, kind: r.kind, key: r.key, step: r.step, payload: JSON.parse(r.payload) as unknown, createdAt: r.created_at };
}
