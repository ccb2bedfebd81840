// The repositories this host knows (200-249): where each lives and how it is reached, so the
// host can mount them again and answer discover_repository_db without the manager.
import type { Migration } from './index.js';

export const repositoryMigrations: Migration[] = [
  {
    version: 200,
    name: 'repositories',
    up(db) {
      db.exec(`
        CREATE TABLE repositories (
          uuid TEXT PRIMARY KEY,
          fs_location TEXT NOT NULL,
          fs_type TEXT NOT NULL CHECK (fs_type IN ('dir','nfs','block')),
          mount_point TEXT NOT NULL UNIQUE,
          alias TEXT NOT NULL DEFAULT '',
          manager_uuid TEXT NOT NULL DEFAULT '',
          version TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
      `);
    },
  },
];
