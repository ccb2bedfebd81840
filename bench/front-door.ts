// Front-door bench (issue 9): the owner manager's echo latency while 300 idle TCP connections
// (never starting TLS, re-opened when the agent closes them) and 1,000 busy clients (TLS,
// password, echo in a loop, from 50 addresses) hold the agent; the agent's RSS before, at its
// peak during, and a minute after. Everything on 127.0.0.0/8; the server is our child, killed by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { parseConfig } from '../src/core/config/schema.js';
import { HostExec } from '../src/host/exec.js';
import { SysrootFs } from '../src/host/host-fs.js';
import { TlsKeyPair } from '../src/host/tls.js';
import { post } from './front-door-load.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const OWNER = '127.0.0.2';
const IDLE = Number(process.env.HVBENCH_FRONT_IDLE ?? 300);
const BUSY = Number(process.env.HVBENCH_FRONT_BUSY ?? 1000);
const SECONDS = Number(process.env.HVBENCH_FRONT_SECONDS ?? 20);
const SETTLE_S = Number(process.env.HVBENCH_FRONT_SETTLE ?? 60);

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The owner manager: one keep-alive connection from OWNER, echo after echo, for `ms`. */
async function ownerLatency(port: number, ms: number): Promise<{ p50: number; p99: number; calls: number; errors: number }> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, localAddress: OWNER, rejectUnauthorized: false });
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t0 = performance.now();
    const status = await post(port, agent);
    if (status === 200) lat.push(performance.now() - t0);
    else errors++;
  }
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (x: number) => lat[Math.min(lat.length - 1, Math.floor(x * lat.length))] ?? NaN;
  return { p50: q(0.5), p99: q(0.99), calls: lat.length, errors };
}

export async function runFrontDoorBench(): Promise<string> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hv9-bench-'));
  let child: ChildProcess | undefined;
  let loadChild: ChildProcess | undefined;
  try {
    const parsed = parseConfig({ paths: { sysroot: tmp } });
    if (!parsed.ok) throw new Error('config');
    const hostFs = new SysrootFs(tmp);
    await new TlsKeyPair({ config: parsed.config, fs: hostFs, exec: new HostExec(), log: pino({ level: 'silent' }) }).ensure();
    const argv = [path.join(here, 'servers/front-door-server.js'), tmp, hostFs.resolve(parsed.config.rpc.certFile), hostFs.resolve(parsed.config.rpc.keyFile), OWNER];
    const c = (child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] }));
    const port = await new Promise<number>((resolve, reject) => {
      c.stdout!.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
      c.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
    const pid = c.pid!;
    await sleep(1000);
    const rssBefore = rssKb(pid);
    const alone = await ownerLatency(port, Math.min(5_000, SECONDS * 1000));

    // The load runs in its own process, so the owner's latency is not the load client's.
    const load = (loadChild = spawn(process.execPath, [path.join(here, 'front-door-load.js'), String(port), String(IDLE), String(BUSY)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    }));
    let loadOut = '';
    load.stdout!.on('data', (d: Buffer) => (loadOut += d.toString()));
    const loadDone = new Promise<void>((r) => load.once('exit', () => r()));
    let rssPeak = 0;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssKb(pid))), 500);
    await sleep(3000);
    const loaded = await ownerLatency(port, SECONDS * 1000);
    clearInterval(sampler);
    process.kill(load.pid!, 'SIGTERM');
    await loadDone;
    const outcome = JSON.parse(loadOut.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
    await sleep(SETTLE_S * 1000);
    const rssAfter = rssKb(pid);
    const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
    return [
      `owner manager echo (keep-alive, from ${OWNER}) while ${IDLE} idle + ${BUSY} busy connections hold the agent (${SECONDS} s, node ${process.version}, ${os.cpus().length} CPUs)`,
      `alone:  p50 ${f(alone.p50)} ms  p99 ${f(alone.p99)} ms  calls ${alone.calls}  errors ${alone.errors}`,
      `loaded: p50 ${f(loaded.p50)} ms  p99 ${f(loaded.p99)} ms  calls ${loaded.calls}  errors ${loaded.errors} (goal 0)`,
      `busy clients: ${outcome.ok} answered, ${outcome.refused} refused with 503, ${outcome.failed} connection failures/resets, ${outcome.other} other`,
      `agent RSS: before ${(rssBefore / 1024).toFixed(1)} MB, peak during ${(rssPeak / 1024).toFixed(1)} MB, ${SETTLE_S} s after ${(rssAfter / 1024).toFixed(1)} MB`,
    ].join('\n');
  } finally {
    for (const c of [loadChild, child]) if (c?.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
