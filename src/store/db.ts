// The agent database: one SQLite file (WAL) under /var/lib/hvagent, with versioned migrations
// recorded one row per applied migration so areas can add theirs independently.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AgentError } from '../core/errors.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** File path, or ':memory:' in tests. */
  file: string;
  migrations?: readonly Migration[];
}

export function openDatabase(opts: OpenOptions): Db {
  if (opts.file !== ':memory:') fs.mkdirSync(path.dirname(opts.file), { recursive: true, mode: 0o700 });
  let db: Db;
  try {
    db = new Database(opts.file);
    db.pragma('journal_mode = WAL');
    // FULL: a committed transaction survives power loss and kill -9 alike.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (e) {
    throw new AgentError('DB_FAILED', `cannot open the agent database ${opts.file}: ${(e as Error).message}`);
  }
  migrate(db, opts.migrations ?? MIGRATIONS);
  return db;
}

export function migrate(db: Db, migrations: readonly Migration[]): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version),
  );
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version)) throw new AgentError('DB_FAILED', `duplicate migration version ${m.version}`);
    seen.add(m.version);
  }
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    db.transaction(() => {
      m.up(db);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      );
    })();
    applied.push(m.version);
  }
  return applied;
}

/** Every user table, for `hvagent db dump`. */
export function listTables(db: Db): string[] {
  return (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{
      name: string;
    }>
  ).map((r) => r.name);
}

export function dumpTable(db: Db, table: string): unknown[] {
  if (!listTables(db).includes(table)) throw new AgentError('NOT_FOUND', `no table ${table}`);
  return db.prepare(`SELECT * FROM "${table}"`).all();
}
