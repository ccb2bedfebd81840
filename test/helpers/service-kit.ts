// Test kit for services: an in-memory database, a temp sysroot, a manual clock, a recording
// Exec and a captured logger.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { openDatabase, type Db } from '../../src/store/db.js';
import { HostStateRepo } from '../../src/store/host-state.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import { ManualClock } from './manual-clock.js';
import type { Exec, ExecOptions, ExecResult } from '../../src/host/exec.js';
import { CommandError } from '../../src/host/exec.js';
import { EventJournal } from '../../src/services/events/event-journal.js';
import { JobRunner } from '../../src/services/jobs/job-runner.js';
import { Intents } from '../../src/services/intents/intents.js';
import { parseConfig, type AgentConfig } from '../../src/core/config/schema.js';
import { LockManager } from '../../src/core/locks.js';

export { ManualClock };

export type ExecRule = (argv: readonly string[], opts: ExecOptions) => Partial<ExecResult> | undefined;

export class RecordingExec implements Exec {
  calls: Array<{ argv: string[]; opts: ExecOptions }> = [];
  rules: ExecRule[] = [];
  async run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push({ argv: [...argv], opts });
    let r: Partial<ExecResult> | undefined;
    for (const rule of this.rules) {
      r = rule(argv, opts);
      if (r) break;
    }
    const result: ExecResult = { argv, code: r?.code ?? 0, stdout: r?.stdout ?? '', stderr: r?.stderr ?? '' };
    if (result.code !== 0 && !opts.allowFail) throw new CommandError(result);
    return result;
  }
}

export function tempDir(prefix = 'hvagent-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function captureLogger(level = 'debug'): { log: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = pino({ level }, stream);
  const text = () => chunks.join('');
  return {
    log,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface Kit {
  db: Db;
  hostState: HostStateRepo;
  clock: ManualClock;
  exec: RecordingExec;
  fs: SysrootFs;
  sysroot: string;
  events: EventJournal;
  jobs: JobRunner;
  intents: Intents;
  locks: LockManager;
  log: Logger;
  logs: ReturnType<typeof captureLogger>;
  config: AgentConfig;
  cleanup(): void;
}

export function makeKit(configInput: Record<string, unknown> = {}): Kit {
  const sysroot = tempDir();
  const db = openDatabase({ file: ':memory:' });
  const clock = new ManualClock();
  const logs = captureLogger();
  const hostState = new HostStateRepo(db);
  const parsed = parseConfig({ ...configInput, paths: { sysroot, ...(configInput.paths as object | undefined) } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const events = new EventJournal({ db, clock, eventUrl: () => hostState.get('manager.event_url') });
  return {
    db,
    hostState,
    clock,
    exec: new RecordingExec(),
    fs: new SysrootFs(sysroot),
    sysroot,
    events,
    jobs: new JobRunner({ db, clock, log: logs.log }),
    intents: new Intents({ db, events, log: logs.log }),
    locks: new LockManager(),
    log: logs.log,
    logs,
    config: parsed.config,
    cleanup() {
      db.close();
      fs.rmSync(sysroot, { recursive: true, force: true });
    },
  };
}
