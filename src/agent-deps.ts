// Builds the deps every service shares (database, host state, events, jobs, host adapters)
// from a loaded config. Used by the agent and by CLI commands that act without it
// (restore-networks at boot, reset-networking).
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { AgentConfig } from './core/config/schema.js';
import { SysrootFs, resolveUnder } from './host/host-fs.js';
import { HostExec, type Exec } from './host/exec.js';
import { systemClock, type Clock } from './host/clock.js';
import { openDatabase } from './store/db.js';
import { LockManager } from './core/locks.js';
import { HostStateRepo } from './store/host-state.js';
import { EventJournal } from './services/events/event-journal.js';
import { JobRunner } from './services/jobs/job-runner.js';
import { Intents } from './services/intents/intents.js';
import { STATE_KEYS, type ServiceDeps } from './services/context.js';
import { IpNetReader } from './host/net/ip-reader.js';
import { IpLiveApplier } from './host/net/ip-applier.js';
import { NetworkService } from './services/network/network-service.js';

export interface AgentDeps extends ServiceDeps {
  events: EventJournal;
  jobs: JobRunner;
  close(): void;
}

/** Where agent.log goes: paths.logDir under the sysroot, like every other host path. */
export function agentLogDir(config: AgentConfig): string {
  return resolveUnder(config.paths.sysroot, config.paths.logDir);
}

export function openAgentDeps(config: AgentConfig, opts: { log: Logger; exec?: Exec; clock?: Clock }): AgentDeps {
  const fs = new SysrootFs(config.paths.sysroot);
  const clock = opts.clock ?? systemClock;
  const exec = opts.exec ?? new HostExec();
  const db = openDatabase({ file: path.join(fs.resolve(config.paths.stateDir), 'agent.db') });
  const hostState = new HostStateRepo(db);
  const events = new EventJournal({ db, clock, eventUrl: () => hostState.get(STATE_KEYS.managerEventUrl) });
  const jobs = new JobRunner({ db, clock, log: opts.log.child({ component: 'jobs' }) });
  const intents = new Intents({ db, events, log: opts.log });
  const locks = new LockManager();
  return { config, log: opts.log, db, hostState, clock, exec, fs, events, jobs, intents, locks, close: () => void db.close() };
}

/** The network service on the real iproute2/sysfs adapters. */
export function buildNetworkService(deps: ServiceDeps): NetworkService {
  return new NetworkService({
    ...deps,
    reader: new IpNetReader({ exec: deps.exec, fs: deps.fs }),
    applier: new IpLiveApplier({ exec: deps.exec, fs: deps.fs, dhcpClient: 'auto' }),
  });
}
