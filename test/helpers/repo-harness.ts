// Test fixtures for the repository service: a temp sysroot, an in-memory database, real jobs,
// and a fake Exec that records argv, plays mount/umount/mountpoint and runs `tar` for real.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { parseConfig } from '../../src/core/config/schema.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { HostStateRepo } from '../../src/store/host-state.js';
import { systemClock } from '../../src/host/clock.js';
import { HostExec, CommandError, type Exec, type ExecOptions, type ExecResult } from '../../src/host/exec.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import { EventJournal } from '../../src/services/events/event-journal.js';
import { JobRunner } from '../../src/services/jobs/job-runner.js';
import { Intents } from '../../src/services/intents/intents.js';
import { ExecMounter } from '../../src/host/mounter.js';
import { RepositoryService, type RepositoryServiceOptions } from '../../src/services/repo/repository-service.js';
import type { ServiceDeps } from '../../src/services/context.js';
import { LockManager } from '../../src/core/locks.js';

export class FakeExec implements Exec {
  readonly calls: string[][] = [];
  readonly mounted = new Set<string>();
  /** argv[0] → exit code to fail with (e.g. mount: 32). */
  failWith: Record<string, { code: number; stderr: string }> = {};
  private readonly real = new HostExec();

  async run(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.calls.push([...argv]);
    if (argv[0] === 'tar') return this.real.run(argv, opts);
    const f = this.failWith[argv[0]];
    let result: ExecResult = { argv, code: 0, stdout: '', stderr: '' };
    if (f) result = { argv, code: f.code, stdout: '', stderr: f.stderr };
    else if (argv[0] === 'mount') this.mounted.add(argv[argv.length - 1]);
    else if (argv[0] === 'umount') this.mounted.delete(argv[argv.length - 1]);
    else if (argv[0] === 'mountpoint') result = { ...result, code: this.mounted.has(argv[argv.length - 1]) ? 0 : 32 };
    if (result.code !== 0 && !opts.allowFail) throw new CommandError(result);
    return result;
  }

  /** Recorded calls without the `mountpoint -q` probes and `tar` runs. */
  effects(): string[][] {
    return this.calls.filter((c) => c[0] === 'mount' || c[0] === 'umount');
  }
}

export interface Harness {
  root: string;
  db: Db;
  deps: ServiceDeps;
  exec: FakeExec;
  events: EventJournal;
  jobs: JobRunner;
  svc: RepositoryService;
  /** A second service over the same database and sysroot (an agent restart). */
  restart(options?: RepositoryServiceOptions): RepositoryService;
  cleanup(): void;
}

export function makeHarness(options: RepositoryServiceOptions = {}, execOverride?: Exec): Harness {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-repo-'));
  const db = openDatabase({ file: ':memory:' });
  const parsed = parseConfig({ paths: { sysroot: root } });
  if (!parsed.ok) throw new Error('config');
  const log = pino({ level: 'silent' });
  const exec = new FakeExec();
  const events = new EventJournal({ db, clock: systemClock, eventUrl: () => undefined });
  const jobs = new JobRunner({ db, clock: systemClock, log });
  const deps: ServiceDeps = {
    config: parsed.config,
    log,
    db,
    hostState: new HostStateRepo(db),
    clock: systemClock,
    exec: execOverride ?? exec,
    fs: new SysrootFs(root),
    events,
    jobs,
    intents: new Intents({ db, events, log }),
    locks: new LockManager(),
  };
  const build = (o: RepositoryServiceOptions) =>
    new RepositoryService({ ...deps, mounter: new ExecMounter(deps.exec), options: { restoreAtStart: false, ...o } });
  return {
    root,
    db,
    deps,
    exec,
    events,
    jobs,
    svc: build(options),
    restart: (o = {}) => build(o),
    cleanup: () => {
      db.close();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Allocated bytes of a real file. */
export function onDisk(p: string): number {
  return fs.statSync(p).blocks * 512;
}
