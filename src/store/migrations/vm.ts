// VM tables: one row per VM the agent knows (by UUID) with its HA flag and the last state the
// agent saw, so a restarted agent can tell adopted domains from ones that died while it was away.
import type { Migration } from './index.js';

export const vmMigrations: Migration[] = [
  {
    version: 250,
    name: 'vms',
    up(db) {
      db.exec(`
        CREATE TABLE vms (
          uuid TEXT PRIMARY KEY,
          repo_id TEXT NOT NULL,
          vm_id TEXT NOT NULL,
          ha_enabled INTEGER NOT NULL DEFAULT 0,
          last_state TEXT NOT NULL DEFAULT 'stopped',
          updated_at TEXT NOT NULL
        );
        CREATE UNIQUE INDEX vms_repo_vm ON vms (repo_id, vm_id);
      `);
    },
  },
];
