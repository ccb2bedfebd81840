// Core tables: key/value host state (ownership, pool, roles), the events journal and its push
// outbox, jobs, and the intents of multi-step changes in progress.
import type { Migration } from './index.js';

export const coreMigrations: Migration[] = [
  {
    version: 1,
    name: 'core',
    up(db) {
      db.exec(`
        CREATE TABLE host_state (
          key TEXT PRIMARY KEY,
          value TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE events (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          time TEXT NOT NULL,
          severity TEXT NOT NULL CHECK (severity IN ('info','warning','error','critical')),
          object TEXT NOT NULL,
          code TEXT NOT NULL,
          message TEXT NOT NULL,
          data TEXT,
          acknowledged INTEGER NOT NULL DEFAULT 0,
          acknowledged_at TEXT
        );
        CREATE TABLE event_outbox (
          event_id INTEGER PRIMARY KEY REFERENCES events(id) ON DELETE CASCADE,
          url TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          next_attempt_at INTEGER NOT NULL,
          last_error TEXT
        );
        CREATE TABLE jobs (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          description TEXT NOT NULL,
          state TEXT NOT NULL CHECK (state IN ('running','done','failed','aborted','interrupted')),
          progress REAL NOT NULL DEFAULT 0,
          message TEXT,
          result TEXT,
          error TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 2,
    name: 'intents',
    up(db) {
      // Multi-step changes in progress: written before the first effect, removed after the
      // last; what is left at start was cut short by a crash and is rolled forward or back.
      // intent_finished: changes a recovery completed, so the caller's retry answers as done.
      db.exec(`
        CREATE TABLE intents (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          kind TEXT NOT NULL,
          key TEXT NOT NULL,
          step TEXT NOT NULL,
          payload TEXT NOT NULL,
          created_at TEXT NOT NULL
        );
        CREATE TABLE intent_finished (
          kind TEXT NOT NULL,
          key TEXT NOT NULL,
          at TEXT NOT NULL,
          PRIMARY KEY (kind, key)
        );
      `);
    },
  },
];
