// Typed access to the host_state key/value table: ownership, pool membership, roles and
// other small facts the host must remember without the manager.
import type { Db } from './db.js';

export class HostStateRepo {
  constructor(private readonly db: Db) {}

  get(key: string): string | undefined {
    const r = this.db.prepare('SELECT value FROM host_state WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  getJson<T>(key: string): T | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }

  set(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO host_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(key, value, new Date().toISOString());
  }

  setJson(key: string, value: unknown): void {
    this.set(key, JSON.stringify(value));
  }

  delete(key: string): void {
    this.db.prepare('DELETE FROM host_state WHERE key = ?').run(key);
  }

  /** Runs `fn` (several writes) as one transaction: all of them land, or none across a crash. */
  atomic<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  all(): Record<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM host_state ORDER BY key').all() as Array<{ key: string; value: string }>;
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }
}
