// What every service is built from: one deps object handed in by the composition root
// (src/main.ts), never module singletons.
import type { Logger } from 'pino';
import type { AgentConfig } from '../core/config/schema.js';
import type { Db } from '../store/db.js';
import type { HostStateRepo } from '../store/host-state.js';
import type { Clock } from '../host/clock.js';
import type { Exec } from '../host/exec.js';
import type { HostFs } from '../host/host-fs.js';
import type { EventSink } from './events/event-journal.js';
import type { Jobs } from './jobs/job-runner.js';
import type { Intents } from './intents/intents.js';
import type { LockManager } from '../core/locks.js';

export interface ServiceDeps {
  config: AgentConfig;
  log: Logger;
  db: Db;
  hostState: HostStateRepo;
  clock: Clock;
  exec: Exec;
  fs: HostFs;
  events: EventSink;
  jobs: Jobs;
  /** Multi-step changes record their intent here (all-or-nothing across a crash). */
  intents: Intents;
  /** The agent's one lock manager: the registry takes each method's declared holds in it. */
  locks: LockManager;
}

/** Host-state keys shared across services. */
export const STATE_KEYS = {
  managerUuid: 'manager.uuid',
  managerEventUrl: 'manager.event_url',
  managerStatisticUrl: 'manager.statistic_url',
  managerCoreApiUrl: 'manager.core_api_url',
  managerCertificate: 'manager.certificate',
  /** The address the owner manager took ownership from: owner-only methods answer only it. */
  managerAddress: 'manager.address',
  /** Push URL host names → the address they were pinned to at take_ownership ('' = never pushed to). */
  managerPushPins: 'manager.push_pins',
  serverRoles: 'server.roles',
  pool: 'pool',
  statisticInterval: 'statistics.interval',
} as const;
