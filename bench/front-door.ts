// Front-door bench (issue 9), two rounds: the owner manager's echo latency while 300 idle TCP connections
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

/** Resident kB by kind of mapping: the brk heap (malloc's main arena), anonymous maps (V8, other arenas, big mallocs), files. */
function rssByKind(pid: number): { heap: number; anon: number; file: number } {
  const out = { heap: 0, anon: 0, file: 0 };
  let kind: keyof typeof out = 'anon';
  for (const line of fs.readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) kind = head[1] === '[heap]' ? 'heap' : head[1] === '' || head[1].startsWith('[') ? 'anon' : 'file';
    else if (line.startsWith('Rss:')) out[kind] += Number(/\d+/.exec(line)?.[0] ?? 0);
  }
  return out;
}
const rssKinds = (pid: number) => Object.entries(rssByKind(pid)).map(([k, v]) => `${k} ${(v / 1024).toFixed(1)}`).join(', ');
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The child's stdout, line by line: next() resolves the next line. */
function serverLines(c: ChildProcess): { next(): Promise<string> } {
  let buf = '';
  const ready: string[] = [];
  const waiting: Array<(l: string) => void> = [];
  c.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const w = waiting.shift();
      if (w) w(line);
      else ready.push(line);
    }
  });
  return {
    next: () =>
      new Promise<string>((resolve, reject) => {
        const l = ready.shift();
        if (l !== undefined) return resolve(l);
        waiting.push(resolve);
        c.once('exit', (code) => reject(new Error(`server exited (${code})`)));
      }),
  };
}

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
    const c = (child = spawn(process.execPath, [...(process.env.HVBENCH_FRONT_NODE_ARGS ?? '').split(' ').filter(Boolean), ...argv], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const lines = serverLines(c);
    const port = (JSON.parse(await lines.next()) as { port: number }).port;
    /** The server's own account of its memory (V8 heap, buffers outside it), in MB. */
    const memory = async (): Promise<string> => {
      process.kill(c.pid!, 'SIGUSR2');
      const m = JSON.parse(await lines.next()) as Record<string, number> & { handles: Record<string, number> };
      const mb = (k: string) => `${k} ${(m[k] / 1048576).toFixed(1)}`;
      const handles = Object.entries(m.handles).map(([k, v]) => `${k}×${v}`).join(' ');
      return `${['heapTotal', 'heapUsed', 'external', 'arrayBuffers'].map(mb).join(', ')}, handles ${handles}`;
    };
    const pid = c.pid!;
    await sleep(1000);
    const rssBefore = rssKb(pid);
    const memBefore = await memory();
    const alone = await ownerLatency(port, Math.min(5_000, SECONDS * 1000));

    const kindsBefore = rssKinds(pid);

    /** One load round: the owner's latency under it, the busy clients' outcomes, RSS peak, then the settle. */
    const round = async () => {
      // The load runs in its own process, so the owner's latency is not the load client's.
      const load = (loadChild = spawn(process.execPath, [path.join(here, 'front-door-load.js'), String(port), String(IDLE), String(BUSY)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      }));
      let loadOut = '';
      load.stdout!.on('data', (d: Buffer) => (loadOut += d.toString()));
      const loadDone = new Promise<void>((r) => load.once('exit', () => r()));
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, rssKb(pid))), 500);
      await sleep(3000);
      const loaded = await ownerLatency(port, SECONDS * 1000);
      clearInterval(sampler);
      const during = await memory();
      process.kill(load.pid!, 'SIGTERM');
      await loadDone;
      const outcome = JSON.parse(loadOut.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
      await sleep(SETTLE_S * 1000);
      const after = rssKb(pid);
      const memAfter = await memory();
      return { loaded, outcome, peak, during, after, memAfter, kinds: rssKinds(pid) };
    };
    const first = await round();
    // A second round of the same load: memory kept after the first is reused, not added to.
    const second = await round();
    const f = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '-');
    const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
    const lines2: string[] = [
      `owner manager echo (keep-alive, from ${OWNER}) while ${IDLE} idle + ${BUSY} busy connections hold the agent (${SECONDS} s, node ${process.version}, ${os.cpus().length} CPUs)`,
      `alone:  p50 ${f(alone.p50)} ms  p99 ${f(alone.p99)} ms  calls ${alone.calls}  errors ${alone.errors}`,
    ];
    for (const [name, r] of [['round 1', first], ['round 2', second]] as const) {
      lines2.push(
        `${name} loaded: p50 ${f(r.loaded.p50)} ms  p99 ${f(r.loaded.p99)} ms  calls ${r.loaded.calls}  errors ${r.loaded.errors} (goal 0)`,
        `${name} busy clients: ${r.outcome.ok} answered, ${r.outcome.refused} refused with 503, ${r.outcome.failed} connection failures/resets, ${r.outcome.other} other`,
        `${name} agent RSS: peak during ${mb(r.peak)}, ${SETTLE_S} s after ${mb(r.after)} (${r.kinds})`,
        `${name} agent memory (MB): end of load: ${r.during}; ${SETTLE_S} s after: ${r.memAfter}`,
      );
    }
    lines2.push(`agent RSS before: ${mb(rssBefore)} (${kindsBefore}); memory (MB): ${memBefore}`);
    return lines2.join('\n');
  } finally {
    for (const c of [loadChild, child]) if (c?.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
