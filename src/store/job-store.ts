// Typed access to the `jobs` table (its one owner): a job's row from start to its end state.
import type { Db } from './db.js';

export type JobState = 'running' | 'done' | 'failed' | 'aborted' | 'interrupted';

export interface JobRow {
  id: string;
  kind: string;
  description: string;
  state: JobState;
  progress: number;
  message: string | null;
  result: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

export class JobStore {
  constructor(private readonly db: Db) {}

  /** Jobs left 'running' by a previous process can never finish. */
  markInterrupted(now: string): void {
    this.db.prepare("UPDATE jobs SET state = 'interrupted', message = 'agent restarted', updated_at = ? WHERE state = 'running'").run(now);
  }

  insert(id: string, kind: string, description: string, now: string): void {
    this.db.prepare("INSERT INTO jobs (id, kind, description, state, created_at, updated_at) VALUES (?, ?, ?, 'running', ?, ?)").run(id, kind, description, now, now);
  }

  progress(id: string, fraction: number, message: string | null, now: string): void {
    this.db
      .prepare("UPDATE jobs SET progress = ?, message = COALESCE(?, message), updated_at = ? WHERE id = ? AND state = 'running'")
      .run(fraction, message, now, id);
  }

  finish(id: string, state: JobState, result: string | null, error: string | null, now: string): void {
    this.db
      .prepare("UPDATE jobs SET state = ?, progress = CASE WHEN ? = 'done' THEN 1 ELSE progress END, result = ?, error = ?, updated_at = ? WHERE id = ?")
      .run(state, state, result, error, now, id);
  }

  get(id: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  }
}
