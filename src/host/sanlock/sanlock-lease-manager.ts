// The sanlock backend of LeaseManager, through the sanlock 3.8 CLI (no npm binding exists).
// A resource lease is held by a holder process started as `sanlock client command -r RES -c
// <holder>`: sanlock registers it, acquires, then execs the holder; the lease lives exactly as
// long as that process. See docs/ha.md for why there are two kinds of holder.
import { spawn, type ChildProcess } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import type { Exec } from '../exec.js';
import type { Clock } from '../clock.js';
import { AgentError } from '../../core/errors.js';
import type { AcquireResult, HeldLease, HolderKind, HostState, LeaseManager, LockspaceSpec, ResourceSpec } from '../../core/ha/lease-manager.js';
import { hostDeadSeconds } from '../../core/ha/lease-manager.js';
import { LEASE_HELD_CODES, acquireResultCode, getsToLockspaces, lockspaceArg, resourceArg, statusToHeld } from '../../core/ha/sanlock-text.js';

export interface SanlockOptions {
  exec: Exec;
  clock: Clock;
  /** The daemon's run directory when it is not the default /run/sanlock (tests, sandbox). */
  runDir?: string;
  sanlockBin?: string;
  /** Reads EOF when the agent exits: the master lease dies with the agent. */
  agentHolder?: readonly string[];
  /** Outlives the agent: a running VM's lease. */
  detachedHolder?: readonly string[];
  /** How often to look whether a holder got its lease (ms). */
  pollMs?: number;
  /** Longest wait for an acquire before giving up (ms); default the dead time at io_timeout 10. */
  acquireTimeoutMs?: number;
}

const LEASE_BYTES = 1024 * 1024;
const EBUSY = -16;

export class SanlockLeaseManager implements LeaseManager {
  private readonly bin: string;
  private readonly env: Record<string, string> | undefined;
  /** Agent-kind holders we started, by lease name; an exit we did not ask for is a lost lease. */
  private readonly agentHolders = new Map<string, { child: ChildProcess; lease: HeldLease; releasing: boolean }>();
  private readonly lostCbs: Array<(l: HeldLease) => void> = [];

  constructor(private readonly o: SanlockOptions) {
    this.bin = o.sanlockBin ?? 'sanlock';
    this.env = o.runDir ? { SANLOCK_RUN_DIR: o.runDir } : undefined;
  }

  private run(args: string[], timeoutMs = 30_000) {
    return this.o.exec.run([this.bin, ...args], { env: this.env, timeoutMs });
  }

  /** Creates the 1 MiB lease file once; false when it already existed (never re-formatted). */
  private async createFile(path: string): Promise<boolean> {
    try {
      const fh = await open(path, 'wx', 0o660);
      await fh.truncate(LEASE_BYTES);
      await fh.close();
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new AgentError('HOST_IO_FAILED', `cannot create lease file ${path}: ${(e as Error).message}`);
    }
  }

  async initLockspace(ls: LockspaceSpec): Promise<void> {
    const arg = lockspaceArg(ls, 0);
    if (await this.createFile(ls.path)) await this.run(['direct', 'init', '-o', String(ls.ioTimeout), '-s', arg]);
  }

  async initResource(res: ResourceSpec): Promise<void> {
    const arg = resourceArg(res);
    if (await this.createFile(res.path)) await this.run(['direct', 'init', '-r', arg]);
  }

  async joinLockspace(ls: LockspaceSpec): Promise<void> {
    const cur = getsToLockspaces((await this.run(['client', 'gets'])).stdout).find((l) => l.name === ls.name);
    if (cur && cur.flag === '') return;
    // blocks until our delta lease is held: about 3 s at io_timeout 1, 20 s at 10
    await this.run(['client', 'add_lockspace', '-o', String(ls.ioTimeout), '-s', lockspaceArg(ls)], (hostDeadSeconds(ls.ioTimeout) + 30) * 1000);
  }

  async leaveLockspace(ls: LockspaceSpec): Promise<void> {
    for (const l of await this.held()) if (l.lockspace === ls.name) await this.release(l);
    const cur = getsToLockspaces((await this.run(['client', 'gets'])).stdout).find((l) => l.name === ls.name);
    if (!cur) return;
    await this.run(['client', 'rem_lockspace', '-s', lockspaceArg(ls)], 60_000);
  }

  async inLockspace(name: string): Promise<boolean> {
    const ls = getsToLockspaces((await this.run(['client', 'gets', '-h', '1'])).stdout).find((l) => l.name === name);
    if (!ls || ls.flag !== '') return false;
    // right after joining sanlock prints "hosts not ready" for a renewal or two
    const me = ls.hosts.find((h) => h.hostId === ls.hostId);
    return me === undefined || me.liveness === 'live' || me.liveness === 'unknown';
  }

  async hosts(lockspace: string): Promise<HostState[]> {
    const ls = getsToLockspaces((await this.run(['client', 'gets', '-h', '1'])).stdout).find((l) => l.name === lockspace);
    return ls?.hosts ?? [];
  }

  async held(): Promise<HeldLease[]> {
    return statusToHeld((await this.run(['client', 'status'])).stdout);
  }

  onLost(cb: (lease: HeldLease) => void): void {
    this.lostCbs.push(cb);
  }

  async acquire(res: ResourceSpec, kind: HolderKind): Promise<AcquireResult> {
    const mine = (await this.held()).find((l) => l.lockspace === res.lockspace && l.name === res.name);
    if (mine) return { ok: true, pid: mine.pid };
    // EBUSY: an earlier attempt on this resource (given up, its client gone) is still running
    // in the daemon; it ends once that paxos round does, so try again for a few seconds
    for (let i = 0; ; i++) {
      const r = await this.acquireOnce(res, kind);
      if (r.ok || r.code !== EBUSY || i >= 40) return r.ok ? r : { ok: false, reason: r.reason, detail: r.detail };
      await this.o.clock.sleep(250);
    }
  }

  private async acquireOnce(res: ResourceSpec, kind: HolderKind): Promise<{ ok: true; pid: number } | { ok: false; reason: 'held' | 'no-lockspace' | 'error'; detail: string; code?: number }> {
    const arg = resourceArg(res);
    const holder = kind === 'agent' ? (this.o.agentHolder ?? ['/usr/bin/cat']) : (this.o.detachedHolder ?? ['/bin/sleep', 'infinity']);
    const child = spawn(this.bin, ['client', 'command', '-r', arg, '-c', ...holder], {
      // the agent holder reads our pipe: EOF when the agent exits releases the lease
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: kind === 'detached',
      env: this.env ? { ...process.env, ...this.env } : process.env,
    });
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    child.stderr?.on('data', (b: Buffer) => (out += b.toString('utf8')));
    let exited: number | null | undefined;
    const exitP = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), resolve())));
    child.once('error', (e) => ((out += e.message), (exited = 127)));
    const pid = child.pid;
    const deadline = this.o.clock.now() + (this.o.acquireTimeoutMs ?? hostDeadSeconds(10) * 1000 + 30_000);
    while (exited === undefined && pid !== undefined) {
      const got = (await this.held()).some((l) => l.pid === pid && l.name === res.name);
      if (got) {
        const lease = { lockspace: res.lockspace, name: res.name, pid };
        if (kind === 'detached') {
          // sanlock still prints its result after acquiring: closing the pipes before it
          // exec'd the holder would kill it with SIGPIPE and so release the lease
          await this.waitExec(pid, holder[0]);
          child.stdin?.destroy();
          child.stdout?.destroy();
          child.stderr?.destroy();
          child.unref();
        } else {
          this.watchAgentHolder(child, lease);
        }
        return { ok: true, pid };
      }
      if (this.o.clock.now() > deadline) {
        child.kill('SIGKILL');
        await exitP;
        return { ok: false, reason: 'error', detail: `no answer from sanlock for ${res.name}` };
      }
      await Promise.race([exitP, this.o.clock.sleep(this.o.pollMs ?? 25)]);
    }
    await exitP;
    const code = acquireResultCode(out);
    if (code !== undefined && LEASE_HELD_CODES.has(code)) return { ok: false, reason: 'held', detail: `lease ${res.name} is held by another host (${code})` };
    if (code === -2 || /lockspace/i.test(out)) return { ok: false, reason: 'no-lockspace', detail: `lockspace ${res.lockspace} not joined (${code ?? exited})` };
    return { ok: false, reason: 'error', code, detail: `sanlock could not acquire ${res.name} (${code ?? `exit ${exited}`}): ${out.trim().slice(-300)}` };
  }

  private async waitExec(pid: number, holderPath: string): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const cmd = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      if (cmd === '' || cmd.startsWith(holderPath)) return;
      await this.o.clock.sleep(10);
    }
  }

  private watchAgentHolder(child: ChildProcess, lease: HeldLease): void {
    const entry = { child, lease, releasing: false };
    this.agentHolders.set(lease.name, entry);
    child.once('exit', () => {
      if (this.agentHolders.get(lease.name) === entry) this.agentHolders.delete(lease.name);
      if (!entry.releasing) for (const cb of this.lostCbs) cb(lease);
    });
  }

  async release(res: Pick<ResourceSpec, 'lockspace' | 'name'>): Promise<void> {
    const agentEntry = this.agentHolders.get(res.name);
    if (agentEntry) agentEntry.releasing = true;
    const lease = (await this.held()).find((l) => l.lockspace === res.lockspace && l.name === res.name);
    if (!lease) return;
    // sanlock releases a lease when its holder exits
    signal(lease.pid, 'SIGTERM');
    for (let i = 0; i < 200; i++) {
      if (!(await this.held()).some((l) => l.pid === lease.pid)) return;
      if (i === 100) signal(lease.pid, 'SIGKILL');
      await this.o.clock.sleep(this.o.pollMs ?? 25);
    }
    throw new AgentError('HA_LEASE_FAILED', `lease ${res.name} still held after its holder ${lease.pid} was killed`);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}
