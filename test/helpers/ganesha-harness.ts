// An NFS server for tests: rpcbind and nfs-ganesha (NFSv3 + NFSv4, FSAL VFS) inside a network
// namespace the test creates, with a veth address (ganesha will not bind in a namespace that
// has only loopback). Started and stopped by PID; namespace and run files removed in cleanup.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HostExec } from '../../src/host/exec.js';
import { uniqueNetnsName } from './netns-harness.js';
import { tempDir } from './service-kit.js';

/** Last-resort cleanups run at process exit (a test killed by its timeout skips teardown). */
const atExit = new Set<() => void>();
process.on('exit', () => {
  for (const fn of atExit) {
    try {
      fn();
    } catch {
      /* best effort */
    }
  }
});
/** Register a synchronous cleanup for process exit; returns its remover. */
export function onExitSync(fn: () => void): () => void {
  atExit.add(fn);
  return () => atExit.delete(fn);
}

/** What rpcbind and ganesha leave in /run (shared by every namespace). */
const RUN_FILES = ['/run/rpcbind.sock', '/run/rpcbind.lock', '/run/rpcbind', '/run/ganesha'];

export const NFS_ADDR = '192.0.2.10';
/** An address of the namespace's subnet nobody answers: probes to it can only time out. */
export const NFS_DEAD_ADDR = '192.0.2.99';
export const NFS_PSEUDO = '/export';

function which(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * One test NFS server at a time on the machine (tap runs files in parallel, and rpcbind's /run
 * files are shared by every namespace): a directory holding its owner's pid, made whole by a
 * rename, taken over when its owner is gone.
 */
const SERVER_LOCK = '/run/hvagent-test-nfs.lock';

async function acquireServerLock(timeoutMs = 60_000): Promise<() => void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const tmp = `${SERVER_LOCK}.${process.pid}`;
    fs.mkdirSync(tmp, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'pid'), String(process.pid));
    try {
      fs.renameSync(tmp, SERVER_LOCK); // fails while SERVER_LOCK (never empty) exists
      return () => fs.rmSync(SERVER_LOCK, { recursive: true, force: true });
    } catch {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    let owner = NaN;
    try {
      owner = Number(fs.readFileSync(path.join(SERVER_LOCK, 'pid'), 'utf8'));
      process.kill(owner, 0);
    } catch (e) {
      // The owner died without its cleanup (SIGKILL): the lock is stale.
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') fs.rmSync(SERVER_LOCK, { recursive: true, force: true });
    }
    if (Date.now() > until) throw new Error(`another test NFS server (pid ${owner}) is still running after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Why this host cannot run the server, or false when it can. */
export function ganeshaUnavailable(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const missing = ['ganesha.nfsd', 'rpcbind', 'showmount', 'nfs-ls', 'rpcinfo'].filter((b) => !which(b));
  if (missing.length) return `missing ${missing.join(', ')} (apt: nfs-ganesha nfs-ganesha-vfs rpcbind nfs-common libnfs-utils)`;
  // rpcbind keeps its socket and lock in /run whatever the namespace: a system rpcbind would clash
  // (another test's server holds SERVER_LOCK: startGanesha waits for it instead).
  if (!fs.existsSync(SERVER_LOCK) && (fs.existsSync('/run/rpcbind.lock') || fs.existsSync('/run/rpcbind.sock'))) return 'a system rpcbind is running (its /run/rpcbind.* would clash with the test server\'s)';
  return false;
}

export interface GaneshaServer {
  netns: string;
  addr: string;
  /** The exported directory (its real path is also the NFSv3 export path). */
  exportDir: string;
  /** Stop the daemons (the server goes dead); the namespace stays. */
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

async function waitExit(p: ChildProcess, ms: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const t = setTimeout(() => {
      p.kill('SIGKILL');
      resolve();
    }, ms);
    p.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** `v4only`: no rpcbind and `Protocols = 4` (a server with no MOUNT service). */
export async function startGanesha(opts: { v4only?: boolean } = {}): Promise<GaneshaServer> {
  const release = await acquireServerLock();
  const exec = new HostExec();
  const netns = uniqueNetnsName('hvs-nfs');
  const work = tempDir('hvs-nfs-');
  const exportDir = path.join(work, 'export');
  fs.mkdirSync(exportDir, { mode: 0o755 });
  const procs: ChildProcess[] = [];
  let stopped = false;
  const ip = (args: string[]) => exec.run(['ip', ...args]);
  await ip(['netns', 'add', netns]).catch((e: unknown) => {
    release();
    throw e;
  });
  const forget = onExitSync(() => {
    for (const p of procs) if (p.pid && p.exitCode === null) process.kill(p.pid, 'SIGKILL');
    execFileSync('ip', ['netns', 'del', netns], { stdio: 'ignore' });
    for (const f of RUN_FILES) fs.rmSync(f, { recursive: true, force: true });
    release();
  });
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    // ganesha first (it unregisters from rpcbind), then rpcbind.
    for (const p of [...procs].reverse()) {
      p.kill('SIGTERM');
      await waitExit(p, 5000);
    }
  };
  const cleanup = async () => {
    await stop();
    await ip(['netns', 'del', netns]).catch(() => {});
    for (const f of RUN_FILES) fs.rmSync(f, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
    release();
    forget();
  };
  try {
    await ip(['-n', netns, 'link', 'set', 'lo', 'up']);
    await ip(['-n', netns, 'link', 'add', 'hvsa', 'type', 'veth', 'peer', 'name', 'hvsb']);
    await ip(['-n', netns, 'addr', 'add', `${NFS_ADDR}/24`, 'dev', 'hvsa']);
    await ip(['-n', netns, 'link', 'set', 'hvsa', 'up']);
    await ip(['-n', netns, 'link', 'set', 'hvsb', 'up']);
    const conf = path.join(work, 'ganesha.conf');
    fs.writeFileSync(
      conf,
      `NFS_CORE_PARAM { Protocols = ${opts.v4only ? '4' : '3, 4'}; Bind_addr = ${NFS_ADDR}; Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; }
EXPORT { Export_Id = 1; Path = ${exportDir}; Pseudo = ${NFS_PSEUDO}; Access_Type = RW; Squash = No_Root_Squash; Protocols = ${opts.v4only ? '4' : '3, 4'}; FSAL { Name = VFS; } }
`,
    );
    const start = (argv: string[]) => {
      const p = spawn('ip', ['netns', 'exec', netns, ...argv], { stdio: 'ignore' });
      procs.push(p);
      return p;
    };
    if (!opts.v4only) start(['rpcbind', '-f']);
    start(['ganesha.nfsd', '-F', '-f', conf, '-L', path.join(work, 'ganesha.log'), '-p', path.join(work, 'ganesha.pid'), '-N', 'NIV_EVENT']);
    // Ready when the MOUNT service lists the export (bounded: a server that never comes up fails setup).
    for (let i = 0; ; i++) {
      const probe = opts.v4only ? ['nfs-ls', `nfs://${NFS_ADDR}/?version=4`] : ['showmount', '--no-headers', '-e', NFS_ADDR];
      const r = await exec.run(probe, { netns, allowFail: true, timeoutMs: 3000 }).catch(() => undefined);
      if (r && r.code === 0 && r.stdout.includes(opts.v4only ? NFS_PSEUDO.slice(1) : exportDir)) break;
      if (i >= 100) throw new Error(`nfs-ganesha did not come up: ${fs.existsSync(path.join(work, 'ganesha.log')) ? fs.readFileSync(path.join(work, 'ganesha.log'), 'utf8').slice(-800) : 'no log'}`);
      await new Promise((r2) => setTimeout(r2, 150));
    }
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { netns, addr: NFS_ADDR, exportDir, stop, cleanup };
}
