// Typed access to the `vms` table: HA flags and the last state the agent saw per VM.
import type { Db } from './db.js';

export type KnownState = 'running' | 'stopped';

export interface VmRow {
  uuid: string;
  repoId: string;
  vmId: string;
  ha: boolean;
  lastState: KnownState;
}

interface RawRow {
  uuid: string;
  repo_id: string;
  vm_id: string;
  ha_enabled: number;
  last_state: string;
}

const toRow = (r: RawRow): VmRow => ({
  uuid: r.uuid,
  repoId: r.repo_id,
  vmId: r.vm_id,
  ha: r.ha_enabled === 1,
  lastState: r.last_state === 'running' ? 'running' : 'stopped',
});

export class VmStore {
  constructor(private readonly db: Db, private readonly now: () => number) {}

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Records a VM under its (normalized) UUID, replacing any row for the same repo/vm. */
  upsert(uuid: string, repoId: string, vmId: string, ha: boolean): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM vms WHERE repo_id = ? AND vm_id = ? AND uuid <> ?').run(repoId, vmId, uuid);
      this.db
        .prepare(
          `INSERT INTO vms (uuid, repo_id, vm_id, ha_enabled, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(uuid) DO UPDATE SET repo_id = excluded.repo_id, vm_id = excluded.vm_id,
             ha_enabled = excluded.ha_enabled, updated_at = excluded.updated_at`,
        )
        .run(uuid, repoId, vmId, ha ? 1 : 0, this.iso());
    })();
  }

  setHa(uuid: string, ha: boolean): void {
    this.db.prepare('UPDATE vms SET ha_enabled = ?, updated_at = ? WHERE uuid = ?').run(ha ? 1 : 0, this.iso(), uuid);
  }

  setState(uuid: string, state: KnownState): void {
    this.db.prepare('UPDATE vms SET last_state = ?, updated_at = ? WHERE uuid = ? AND last_state <> ?').run(state, this.iso(), uuid, state);
  }

  get(uuid: string): VmRow | undefined {
    const r = this.db.prepare('SELECT * FROM vms WHERE uuid = ?').get(uuid) as RawRow | undefined;
    return r ? toRow(r) : undefined;
  }

  all(): VmRow[] {
    return (this.db.prepare('SELECT * FROM vms ORDER BY repo_id, vm_id').all() as RawRow[]).map(toRow);
  }

  remove(uuid: string): void {
    this.db.prepare('DELETE FROM vms WHERE uuid = ?').run(uuid);
  }
}
