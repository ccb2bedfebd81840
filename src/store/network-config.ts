// Typed access to the network tables: running/safe config, file backups, restore reports,
// and row checkpoints so a failed network change can put the rows back exactly.
import type { Db } from './db.js';
import { netModelSchema, type NetModel } from '../core/net/model.js';

export type ConfigKind = 'running' | 'safe';

export interface NetRowsCheckpoint {
  config: Array<{ kind: string; model: string; updated_at: string }>;
  backups: Array<{ path: string; content: string | null; saved_at: string }>;
}

export class NetworkConfigRepo {
  constructor(private readonly db: Db) {}

  get(kind: ConfigKind): NetModel | undefined {
    const r = this.db.prepare('SELECT model FROM net_config WHERE kind = ?').get(kind) as { model: string } | undefined;
    return r ? netModelSchema.parse(JSON.parse(r.model)) : undefined;
  }

  getRaw(kind: ConfigKind): string | undefined {
    return (this.db.prepare('SELECT model FROM net_config WHERE kind = ?').get(kind) as { model: string } | undefined)?.model;
  }

  set(kind: ConfigKind, model: NetModel): void {
    this.db
      .prepare('INSERT INTO net_config (kind, model, updated_at) VALUES (?, ?, ?) ON CONFLICT(kind) DO UPDATE SET model = excluded.model, updated_at = excluded.updated_at')
      .run(kind, JSON.stringify(model), new Date().toISOString());
  }

  delete(kind: ConfigKind): void {
    this.db.prepare('DELETE FROM net_config WHERE kind = ?').run(kind);
  }

  /** Keeps the first pre-existing content of a file the agent rewrites (null: it did not exist). */
  keepBackup(path: string, content: string | null): void {
    this.db.prepare('INSERT OR IGNORE INTO net_file_backup (path, content, saved_at) VALUES (?, ?, ?)').run(path, content, new Date().toISOString());
  }

  backups(): Array<{ path: string; content: string | null }> {
    return this.db.prepare('SELECT path, content FROM net_file_backup ORDER BY path').all() as Array<{ path: string; content: string | null }>;
  }

  clearBackups(): void {
    this.db.prepare('DELETE FROM net_file_backup').run();
  }

  /** One committed change, all or nothing: backups of the files it rewrote, the new running config, and optionally safe := running. */
  commitChange(backups: ReadonlyArray<{ path: string; content: string | null }>, running: NetModel, makeSafe: boolean): void {
    this.db.transaction(() => {
      for (const b of backups) this.keepBackup(b.path, b.content);
      this.set('running', running);
      if (makeSafe) this.promoteSafe();
    })();
  }

  /** running -> safe; the kept file contents are no longer needed once a config is safe. */
  promoteSafe(): void {
    this.db.transaction(() => {
      this.db
        .prepare("INSERT INTO net_config (kind, model, updated_at) SELECT 'safe', model, ? FROM net_config WHERE kind = 'running' ON CONFLICT(kind) DO UPDATE SET model = excluded.model, updated_at = excluded.updated_at")
        .run(new Date().toISOString());
      this.clearBackups();
    })();
  }

  checkpoint(): NetRowsCheckpoint {
    return {
      config: this.db.prepare('SELECT kind, model, updated_at FROM net_config').all() as NetRowsCheckpoint['config'],
      backups: this.db.prepare('SELECT path, content, saved_at FROM net_file_backup').all() as NetRowsCheckpoint['backups'],
    };
  }

  restore(cp: NetRowsCheckpoint): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM net_config').run();
      this.db.prepare('DELETE FROM net_file_backup').run();
      for (const r of cp.config) this.db.prepare('INSERT INTO net_config (kind, model, updated_at) VALUES (?, ?, ?)').run(r.kind, r.model, r.updated_at);
      for (const r of cp.backups) this.db.prepare('INSERT INTO net_file_backup (path, content, saved_at) VALUES (?, ?, ?)').run(r.path, r.content, r.saved_at);
    })();
  }

  saveRestoreReport(report: unknown): void {
    this.db.prepare('INSERT INTO net_restore_report (time, report) VALUES (?, ?)').run(new Date().toISOString(), JSON.stringify(report));
  }

  lastRestoreReport(): unknown {
    const r = this.db.prepare('SELECT report FROM net_restore_report ORDER BY id DESC LIMIT 1').get() as { report: string } | undefined;
    return r ? JSON.parse(r.report) : undefined;
  }
}
