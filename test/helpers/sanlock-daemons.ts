// Private sanlock daemons for the HA tiers: each with its own SANLOCK_RUN_DIR under a temp dir,
// no watchdog (-w 0), in its own process group (a kill -9 of the group is a host dying), and
// the setrlimit shim only when the daemon cannot raise its memlock limit by itself.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SANLOCK = '/usr/sbin/sanlock';

/** The daemon's arguments here: no watchdog (-w 0), foreground, no priority/memlock changes. */
export function sanlockDaemonArgs(name: string): string[] {
  return ['daemon', '-D', '-w', '0', '-h', '0', '-l', '0', '-U', 'root', '-G', 'root', '-L', '-1', '-S', '-1', '-e', name];
}
const HERE = dirname(fileURLToPath(import.meta.url));
// from the sources (tap, tsx) or from dist/ (the bench): the C file is never compiled by tsc
const SHIM_SRC = [join(HERE, 'setrlimit-shim.c'), join(HERE, '../../../test/helpers/setrlimit-shim.c')].find((p) => existsSync(p)) ?? join(HERE, 'setrlimit-shim.c');

export function sanlockSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (sanlock daemons)';
  for (const b of [SANLOCK, '/usr/bin/gcc']) {
    try {
      accessSync(b, constants.X_OK);
    } catch {
      return `${b} is missing (apt-get install sanlock gcc)`;
    }
  }
  return undefined;
}

export interface SanlockDaemon {
  name: string;
  runDir: string;
  pid: number;
  /** Host death: SIGKILL to the daemon's process group (daemon, helper, holders in the group). */
  kill(): void;
  /** kill() and wait until the daemon process is gone. */
  killAndWait(): Promise<void>;
  stop(): Promise<void>;
}

export interface SanlockLab {
  dir: string;
  daemons: SanlockDaemon[];
  start(name: string): Promise<SanlockDaemon>;
  stop(): Promise<void>;
}

function exited(c: ChildProcess): Promise<void> {
  return c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));
}

function ready(runDir: string): boolean {
  return spawnSync(SANLOCK, ['client', 'status'], { env: { ...process.env, SANLOCK_RUN_DIR: runDir }, timeout: 2000 }).status === 0;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* gone */
  }
}

/** Builds the test-only setrlimit shim (the memlock workaround, lab-storage-ha.md) into `dir`. */
export function buildSetrlimitShim(dir: string): string {
  const out = join(dir, 'setrlimit-shim.so');
  const cc = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', out, SHIM_SRC, '-ldl'], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`cannot build the setrlimit shim: ${cc.stderr}`);
  return out;
}

export async function sanlockLab(prefix = 'hvh'): Promise<SanlockLab> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-sanlock-`));
  let shim: Promise<string> | undefined;
  const daemons: SanlockDaemon[] = [];
  const spawnDaemon = (name: string, runDir: string, preload?: string) =>
    spawn(SANLOCK, sanlockDaemonArgs(name), {
      env: { ...process.env, SANLOCK_RUN_DIR: runDir, ...(preload ? { LD_PRELOAD: preload } : {}) },
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    });
  const lab: SanlockLab = {
    dir,
    daemons,
    async start(name) {
      const runDir = join(dir, `run-${name}`);
      mkdirSync(runDir, { recursive: true });
      for (let attempt = 0; attempt < 2; attempt++) {
        const used = shim ? await shim : undefined;
        const child = spawnDaemon(name, runDir, used);
        let err = '';
        child.stderr?.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
        const end = Date.now() + 10_000;
        while (child.exitCode === null && child.signalCode === null && !ready(runDir)) {
          if (Date.now() > end) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        if (child.exitCode === null && child.signalCode === null && ready(runDir)) {
          const pid = child.pid!;
          const d: SanlockDaemon = {
            name,
            runDir,
            pid,
            kill: () => killGroup(pid, 'SIGKILL'),
            async killAndWait() {
              killGroup(pid, 'SIGKILL');
              await exited(child);
            },
            async stop() {
              spawnSync(SANLOCK, ['client', 'shutdown', '-f', '1', '-w', '1'], { env: { ...process.env, SANLOCK_RUN_DIR: runDir }, timeout: 10_000 });
              const t = setTimeout(() => killGroup(pid, 'SIGKILL'), 5000);
              await exited(child);
              clearTimeout(t);
              killGroup(pid, 'SIGKILL'); // the helper child and any holder left in the group
            },
          };
          daemons.push(d);
          return d;
        }
        killGroup(child.pid!, 'SIGKILL');
        await exited(child);
        if (used || !/memlock/i.test(err)) throw new Error(`sanlock daemon ${name} did not start: ${err.trim().slice(-500)}`);
        // no CAP_SYS_RESOURCE here: build the test-only shim (once) and try again with it
        shim ??= Promise.resolve().then(() => buildSetrlimitShim(dir));
      }
      throw new Error(`sanlock daemon ${name} did not start`);
    },
    async stop() {
      await Promise.all(daemons.map((d) => d.stop().catch(() => {})));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return lab;
}
