// Starts `hvagent serve --sandbox DIR` as a child process for end-to-end tests and calls it over
// the wire (one keep-alive XML-RPC client, no process per call). Every sandbox started is
// stopped and its network namespaces removed: in t.teardown, and also when the test process
// exits or is killed by a signal (tap's timeout sends SIGTERM).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { XmlRpcClient } from '../../src/rpc/client.js';
import { isRemoteFault } from '../../src/rpc/remote-fault.js';
import { sandboxNetnsName } from '../../src/host/net/sandbox-netns.js';

export const repo = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const cli = path.join(repo, 'src/cli/main.ts');

export interface SandboxInfo {
  url: string;
  user: string;
  password: string;
  pid: number;
}

export interface RunningSandbox {
  child: ChildProcess;
  info: SandboxInfo;
  /** The sandbox's namespace (and `<netns>-peer`), removed when it stops. */
  netns: string;
  output: () => string;
  /** One call over HTTPS with Basic auth; a fault rejects with `{ faultCode, faultString, code }`. */
  call: (method: string, ...params: unknown[]) => Promise<unknown>;
  /** SIGTERM, wait for the exit; resolves the exit code. */
  stop: () => Promise<number | null>;
}

/** Sandboxes of this process still running, for the exit and signal hooks. */
const live = new Map<number, string>();
/** Every sandbox started on a directory, so the directory's teardown can stop them first. */
const byDir = new Map<string, RunningSandbox[]>();

/** A fresh sandbox directory, removed at the end of the test after its agents stopped. */
export function sandboxDir(t: { teardown(fn: () => unknown): void }, prefix = 'hvagent-sb-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(async () => {
    for (const sb of byDir.get(dir) ?? []) await sb.stop();
    byDir.delete(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}
let hooked = false;

function killAll(): void {
  for (const [pid, netns] of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    removeNetns(netns);
  }
  live.clear();
}

function removeNetns(netns: string): void {
  for (const n of [netns, `${netns}-peer`]) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAll();
      process.kill(process.pid, sig); // the default action, now that the handler is gone
    });
  }
}

/** The fault of a failed call, as the wire had it. */
export class SandboxFault extends Error {
  readonly code: string;
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(faultString);
    this.code = /^exceptions\.[A-Za-z]+:([A-Z0-9_]+):/.exec(faultString)?.[1] ?? 'UNKNOWN';
  }
}

/**
 * `env` is added to the agent's environment (crash tests: HVAGENT_CRASH_AT); `entry` is the
 * script run as `ENTRY serve --sandbox DIR` (default the CLI; a test entry with test adapters).
 */
export async function startSandbox(t: { teardown(fn: () => unknown): void }, dir: string, env: Record<string, string> = {}, entry = cli): Promise<RunningSandbox> {
  hookExit();
  fs.rmSync(path.join(dir, 'sandbox.json'), { force: true });
  const netns = sandboxNetnsName(path.resolve(dir));
  // node itself with the tsx loader (not the tsx wrapper, which would put the agent one process
  // further away): the PID kept is the agent's.
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...(entry === cli ? ['serve'] : []), '--sandbox', dir, '--port', '0'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  live.set(child.pid!, netns);
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => live.delete(child.pid!));
  let client: XmlRpcClient | undefined;
  const stop = async (): Promise<number | null> => {
    client?.close();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const code = await exited;
    removeNetns(netns); // the agent removes it on a clean stop; this covers a crash
    return code;
  };
  t.teardown(stop);
  for (let i = 0; i < 600; i++) {
    const info = readInfo(dir);
    if (info) {
      const url = info.url.replace('https://', `https://${info.user}:${encodeURIComponent(info.password)}@`);
      client = new XmlRpcClient({ url, rejectUnauthorized: false, timeoutMs: 60_000 });
      const c = client;
      const call = (method: string, ...params: unknown[]) =>
        c.call(method, params).catch((e: unknown) => {
          throw isRemoteFault(e) ? new SandboxFault(e.faultCode, e.faultString) : e;
        });
      const sb: RunningSandbox = { child, info, netns, output: () => out, call, stop };
      byDir.set(dir, [...(byDir.get(dir) ?? []), sb]);
      return sb;
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`sandbox did not start:\n${out}`);
}

/** sandbox.json once it is there and whole (an older agent wrote it in place). */
function readInfo(dir: string): SandboxInfo | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxInfo;
  } catch {
    return undefined;
  }
}

/** `hvagent ARGS --sandbox DIR`, synchronously (for what tests the CLI itself). */
export function hv(dir: string, ...args: string[]) {
  return spawnSync(tsx, [cli, ...args, '--sandbox', dir], { cwd: repo, encoding: 'utf8' });
}
