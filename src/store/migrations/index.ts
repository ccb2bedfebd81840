// All schema migrations, in one list. Version ranges: 1-99 core, 100-199 network,
// 200-249 repositories, 250-299 VMs, 300-399 storage, 400-499 cluster and pool.
import type { Db } from '../db.js';
import { coreMigrations } from './core.js';
import { networkMigrations } from './network.js';
import { repositoryMigrations } from './repositories.js';
import { vmMigrations } from './vm.js';

export interface Migration {
  version: number;
  name: string;
  up(db: Db): void;
}

export const MIGRATIONS: readonly Migration[] = [...coreMigrations, ...networkMigrations, ...repositoryMigrations, ...vmMigrations];
