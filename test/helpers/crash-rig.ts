// Crash tests: a sandbox agent started with HVAGENT_CRASH_AT=<kind>:<step> kills itself
// (SIGKILL) when a call reaches that step; the next start puts the change right. The rig
// drives it over the wire and reads the agent's database and files directly.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { XmlRpcClient } from '../../src/rpc/client.js';
import { startSandbox, type RunningSandbox } from './sandbox.js';
import { tempDir } from './service-kit.js';
import { destroySandboxNetns, sandboxNetnsName } from '../../src/host/net/sandbox-netns.js';

export class CrashRig {
  readonly dir = tempDir('hvagent-crash-');

  /** `t`: the test whose teardown stops every agent the rig started. */
  constructor(private readonly t: { teardown(fn: () => unknown): void }) {}

  readonly root = path.join(this.dir, 'root');
  private sb: RunningSandbox | undefined;
  private client: XmlRpcClient | undefined;
  private armed: string[] = [];

  private current: string | undefined;

  /**
   * Runs the crash points in order. The start that checks one case is armed for the next when
   * that is another kind of change (the case's retry cannot reach it), saving a start per case;
   * otherwise the agent is started once more, armed, before the next case.
   */
  async runPlan(points: string[], each: (crashAt: string) => Promise<void>): Promise<void> {
    this.armed = [...points];
    for (const p of points) {
      if (this.current !== p) {
        await this.stop();
        await this.start(p);
      }
      await each(p);
      this.armed.shift();
    }
    await this.stop();
  }

  /** After a crash: start again, armed for the next point of the plan when that is safe. */
  async restart(): Promise<void> {
    const [now, next] = this.armed;
    const kind = (p: string | undefined) => p?.split(':')[0];
    await this.start(next !== undefined && kind(next) !== kind(now) ? next : undefined);
  }

  /** Starts the agent; with `crashAt`, it dies at that step. */
  async start(crashAt?: string): Promise<void> {
    this.current = crashAt;
    this.sb = await startSandbox(this.t, this.dir, crashAt ? { HVAGENT_CRASH_AT: crashAt } : {});
    const u = new URL(this.sb.info.url);
    u.username = this.sb.info.user;
    u.password = this.sb.info.password;
    this.client?.close();
    this.client = new XmlRpcClient({ url: u.toString(), rejectUnauthorized: false, timeoutMs: 60_000 });
  }

  call(method: string, ...args: unknown[]): Promise<unknown> {
    return this.client!.call(method, args as never[]);
  }

  /** Calls `method`, which must kill the agent; resolves with how the process ended. */
  async crash(method: string, ...args: unknown[]): Promise<{ killed: boolean; answered: boolean }> {
    const child = this.sb!.child;
    const exited = new Promise<boolean>((resolve) => {
      const done = (code: number | null, signal: NodeJS.Signals | null) => resolve(signal === 'SIGKILL' || code === 137);
      if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
      else child.once('exit', done);
    });
    let answered = false;
    await this.call(method, ...args).then(
      () => (answered = true),
      () => undefined,
    );
    // Bounded: a crash point never reached (the call failed before it) must fail the test, not hang it.
    const killed = await Promise.race([exited, new Promise<false>((r) => setTimeout(() => r(false), 60_000).unref())]);
    if (!killed || !this.output().includes(`HVAGENT_CRASH_AT ${this.armed[0]}`)) throw new Error(`the agent did not die at ${this.armed[0]}:\n${this.output().slice(-2000)}`);
    return { killed, answered };
  }

  url(): string {
    return this.sb!.info.url;
  }

  /** Sends a signal to the agent process; resolves with its exit status (128 when a signal ended it). */
  signal(sig: NodeJS.Signals): Promise<number | null> {
    const child = this.sb!.child;
    return new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
      process.kill(this.sb!.info.pid, sig);
    });
  }

  async stop(): Promise<void> {
    this.client?.close();
    await this.sb?.stop();
  }

  output(): string {
    return this.sb?.output() ?? '';
  }

  /** A read-only look at the agent's database (WAL: safe beside the running agent). */
  query<T = Record<string, unknown>>(sql: string, ...params: unknown[]): T[] {
    const db = new Database(path.join(this.root, 'var/lib/hvagent/agent.db'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  }

  writeFile(hostPath: string, text: string): void {
    fs.mkdirSync(path.dirname(path.join(this.root, hostPath)), { recursive: true });
    fs.writeFileSync(path.join(this.root, hostPath), text);
  }

  exists(hostPath: string): boolean {
    return fs.existsSync(path.join(this.root, hostPath));
  }

  /** Names under a host directory, hidden ones included ([] when absent). */
  list(hostPath: string): string[] {
    try {
      return fs.readdirSync(path.join(this.root, hostPath)).sort();
    } catch {
      return [];
    }
  }

  async cleanup(): Promise<void> {
    await this.stop();
    // A killed agent leaves its sandbox namespace behind; the last stop or this removes it.
    await destroySandboxNetns(sandboxNetnsName(path.resolve(this.dir))).catch(() => {});
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
