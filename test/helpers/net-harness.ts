// Builds a NetworkService against a FakeNetHost, a temp sysroot, an in-memory database and a
// manual clock, for service tests and the bench.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Intents } from '../../src/services/intents/intents.js';
import pino from 'pino';
import { parseConfig, type AgentConfigInput } from '../../src/core/config/schema.js';
import type { Exec } from '../../src/host/exec.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';
import type { LiveApplier, NetReader } from '../../src/host/net/live-ops.js';
import { EventJournal } from '../../src/services/events/event-journal.js';
import type { Jobs } from '../../src/services/jobs/job-runner.js';
import type { NetStep } from '../../src/services/network/deps.js';
import { NetworkService } from '../../src/services/network/network-service.js';
import { openDatabase } from '../../src/store/db.js';
import { HostStateRepo } from '../../src/store/host-state.js';
import { FakeNetHost } from './fake-net-host.js';
import { ManualClock as BaseClock } from './manual-clock.js';
import { LockManager } from '../../src/core/locks.js';

/** The network tests' clock: the shared manual clock from a fixed start. */
export class ManualClock extends BaseClock {
  constructor() {
    super(1_700_000_000_000);
  }
  pendingTimers(): number {
    return this.pending();
  }
}

export interface Harness {
  svc: NetworkService;
  host: FakeNetHost;
  fs: SysrootFs;
  clock: ManualClock;
  events: EventJournal;
  sysroot: string;
  failStep: NetStep | undefined;
  writes: string[];
  cleanup(): void;
}

export interface HarnessIo {
  reader: NetReader;
  applier: LiveApplier;
  netns?: string;
}

export function makeHarness(snap: HostNetSnapshot, config: AgentConfigInput = {}, io?: HarnessIo): Harness {
  const sysroot = mkdtempSync(join(tmpdir(), 'hvagent-net-'));
  const parsed = parseConfig({ ...config, paths: { sysroot, ...(config.paths ?? {}) } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const db = openDatabase({ file: ':memory:' });
  const clock = new ManualClock();
  const events = new EventJournal({ db, clock, eventUrl: () => undefined });
  const host = new FakeNetHost(snap);
  const realFs = new SysrootFs(sysroot);
  const writes: string[] = [];
  // count real writes: writeAtomic reports whether it changed anything
  const fs = Object.assign(Object.create(Object.getPrototypeOf(realFs)), realFs) as SysrootFs;
  fs.writeAtomic = async (p, c, mode) => {
    const r = await realFs.writeAtomic(p, c, mode);
    if (r.changed) writes.push(p);
    return r;
  };
  fs.remove = async (p) => {
    const r = await realFs.remove(p);
    if (r) writes.push(`rm ${p}`);
    return r;
  };
  const exec: Exec = { run: async (argv) => ({ argv, code: 0, stdout: '', stderr: '' }) };
  const h: Harness = {
    svc: undefined as unknown as NetworkService,
    host,
    fs,
    clock,
    events,
    sysroot,
    failStep: undefined,
    writes,
    cleanup: () => {
      db.close();
      rmSync(sysroot, { recursive: true, force: true });
    },
  };
  h.svc = new NetworkService({
    config: parsed.config,
    log: pino({ level: 'silent' }),
    db,
    hostState: new HostStateRepo(db),
    clock,
    exec,
    fs,
    events,
    jobs: {} as Jobs,
    intents: new Intents({ db, events, log: pino({ level: 'silent' }) }),
    locks: new LockManager(),
    reader: io?.reader ?? host,
    applier: io?.applier ?? host,
    ...(io?.netns ? { netns: io.netns } : {}),
    beforeStep: (s) => {
      if (h.failStep === s) {
        h.failStep = undefined;
        throw new Error(`injected failure at ${s}`);
      }
    },
  });
  return h;
}
