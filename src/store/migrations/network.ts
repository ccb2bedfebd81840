// Network tables: the running and the safe network config (the model as JSON), the pre-existing
// content of files the agent rewrote (kept until the next safe config) and restore reports.
import type { Migration } from './index.js';

export const networkMigrations: Migration[] = [
  {
    version: 100,
    name: 'network',
    up(db) {
      db.exec(`
        CREATE TABLE net_config (
          kind TEXT PRIMARY KEY CHECK (kind IN ('running','safe')),
          model TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE net_file_backup (
          path TEXT PRIMARY KEY,
          content TEXT,
          saved_at TEXT NOT NULL
        );
        CREATE TABLE net_restore_report (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          time TEXT NOT NULL,
          report TEXT NOT NULL
        );
      `);
    },
  },
];
