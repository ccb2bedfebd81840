// Test deps for the host services: a copy of a recorded sysroot, an Exec that records argv,
// a manual clock, an in-memory database and an event sink that keeps what it got.
import * as fsp from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { parseConfig, type AgentConfigInput } from '../../src/core/config/schema.js';
import { openDatabase } from '../../src/store/db.js';
import { HostStateRepo } from '../../src/store/host-state.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import { CommandError, type Exec, type ExecOptions, type ExecResult } from '../../src/host/exec.js';
import type { EventSink, NewEvent } from '../../src/services/events/event-journal.js';
import { JobRunner } from '../../src/services/jobs/job-runner.js';
import { Intents } from '../../src/services/intents/intents.js';
import { ManualClock } from './manual-clock.js';
import type { ServiceDeps } from '../../src/services/context.js';
import { LockManager } from '../../src/core/locks.js';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export class RecordingExec implements Exec {
  readonly calls: string[][] = [];
  /** Answer per argv joined by spaces (prefix match); default exit 0, empty output. */
  readonly answers = new Map<string, Partial<ExecResult>>();

  async run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push([...argv]);
    const key = argv.join(' ');
    const hit = [...this.answers].find(([k]) => key.startsWith(k))?.[1] ?? {};
    const result: ExecResult = { argv, code: hit.code ?? 0, stdout: hit.stdout ?? '', stderr: hit.stderr ?? '' };
    if (result.code !== 0 && !opts.allowFail) throw new CommandError(result);
    return result;
  }
}

export { ManualClock };

export class RecordingEvents implements EventSink {
  readonly events: NewEvent[] = [];
  emit(ev: NewEvent): number {
    this.events.push(ev);
    return this.events.length;
  }
  acknowledge(): void {}
}

export interface HostTestDeps extends ServiceDeps {
  exec: RecordingExec;
  clock: ManualClock;
  events: RecordingEvents;
  sysroot: string;
  logDir: string;
  cleanup(): Promise<void>;
}

/** A writable copy of test/fixtures/hostinfo/<fixture> (or '/' itself, read-only use). */
export async function hostDeps(fixture: string | { realRoot: true }, config: AgentConfigInput = {}): Promise<HostTestDeps> {
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'hvagent-host-'));
  let sysroot = '/';
  if (typeof fixture === 'string') {
    sysroot = path.join(tmp, 'root');
    await fsp.cp(path.join(FIXTURES, 'hostinfo', fixture), sysroot, { recursive: true, verbatimSymlinks: true });
  }
  // logDir is a host path under the sysroot; on the real root, a temp dir stands in for it.
  const hostLogDir = sysroot === '/' ? path.join(tmp, 'log') : '/var/log/hvagent';
  const logDir = path.join(sysroot, hostLogDir);
  await fsp.mkdir(logDir, { recursive: true });
  const parsed = parseConfig({ ...config, paths: { sysroot, logDir: hostLogDir, stateDir: path.join(tmp, 'state'), ...config.paths } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const log = pino({ level: 'silent' });
  const db = openDatabase({ file: ':memory:' });
  const clock = new ManualClock(Date.UTC(2026, 10, 22, 12, 0, 0));
  const events = new RecordingEvents();
  return {
    config: parsed.config,
    log,
    db,
    hostState: new HostStateRepo(db),
    clock,
    exec: new RecordingExec(),
    fs: new SysrootFs(sysroot),
    events,
    jobs: new JobRunner({ db, clock, log }),
    intents: new Intents({ db, events, log }),
    locks: new LockManager(),
    sysroot,
    logDir,
    cleanup: async () => {
      db.close();
      await fsp.rm(tmp, { recursive: true, force: true });
    },
  };
}

/** The AgentError code a promise rejects with (undefined when it resolves or throws something else). */
export async function rejectionCode(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
}
