// Typed access to the repositories table: the repositories this host remembers.
import type { Db } from './db.js';

export type RepoFsType = 'dir' | 'nfs' | 'block';

export interface RepoRow {
  uuid: string;
  fsLocation: string;
  fsType: RepoFsType;
  mountPoint: string;
  alias: string;
  managerUuid: string;
  version: string;
}

interface Raw {
  uuid: string;
  fs_location: string;
  fs_type: RepoFsType;
  mount_point: string;
  alias: string;
  manager_uuid: string;
  version: string;
}

const toRow = (r: Raw): RepoRow => ({
  uuid: r.uuid,
  fsLocation: r.fs_location,
  fsType: r.fs_type,
  mountPoint: r.mount_point,
  alias: r.alias,
  managerUuid: r.manager_uuid,
  version: r.version,
});

export class RepositoryStore {
  constructor(private readonly db: Db) {}

  list(): RepoRow[] {
    return (this.db.prepare('SELECT * FROM repositories ORDER BY uuid').all() as Raw[]).map(toRow);
  }

  get(uuid: string): RepoRow | undefined {
    const r = this.db.prepare('SELECT * FROM repositories WHERE uuid = ?').get(uuid) as Raw | undefined;
    return r && toRow(r);
  }

  byMountPoint(mountPoint: string): RepoRow | undefined {
    const r = this.db.prepare('SELECT * FROM repositories WHERE mount_point = ?').get(mountPoint) as Raw | undefined;
    return r && toRow(r);
  }

  upsert(row: RepoRow): void {
    const now = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO repositories (uuid, fs_location, fs_type, mount_point, alias, manager_uuid, version, created_at, updated_at)
         VALUES (@uuid, @fsLocation, @fsType, @mountPoint, @alias, @managerUuid, @version, @now, @now)
         ON CONFLICT(uuid) DO UPDATE SET fs_location = excluded.fs_location, fs_type = excluded.fs_type,
           mount_point = excluded.mount_point, alias = excluded.alias, manager_uuid = excluded.manager_uuid,
           version = excluded.version, updated_at = excluded.updated_at`,
      )
      .run({ ...row, now });
  }

  delete(uuid: string): boolean {
    return this.db.prepare('DELETE FROM repositories WHERE uuid = ?').run(uuid).changes > 0;
  }
}
