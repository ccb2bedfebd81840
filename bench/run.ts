// `npm run bench`: echo over HTTPS with Basic auth from 50 keep-alive clients against hvagent and
// four references (Python SimpleXMLRPCServer HTTP/1.0 and 1.1, the npm xmlrpc server, a bare
// node:https ceiling), then codec MB/s. Every server is our child on 127.0.0.1, killed by PID.
import { runNetworkBench } from './network.js';
import { runNetApplyBench } from './net-apply.js';
import { runVmStatsBench } from './vm-stats.js';
import { runStorageBench } from './storage.js';
import { runFrontDoorBench } from './front-door.js';
import { runHaBench } from './ha.js';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { parseConfig } from '../src/core/config/schema.js';
import { HostExec } from '../src/host/exec.js';
import { SysrootFs } from '../src/host/host-fs.js';
import { TlsKeyPair } from '../src/host/tls.js';
import { percentile, runLoad, type LoadResult } from './load-client.js';
import { codecBench } from './codec-bench.js';
import { BENCH_AUTH, BENCH_PASSWORD, ECHO_BODY, ECHO_TEXT } from './servers/common.js';

const here = path.dirname(fileURLToPath(import.meta.url)); // dist/bench
const repo = path.resolve(here, '../..');
const SECONDS = Number(process.env.HVBENCH_SECONDS ?? 10);
/** The machine may be shared: targets take turns in several rounds so a burst of foreign load hits all of them. */
const ROUNDS = Number(process.env.HVBENCH_ROUNDS ?? 8);
const CONCURRENCY = Number(process.env.HVBENCH_CONCURRENCY ?? 50);
const children = new Set<ChildProcess>();

function killAll(): void {
  for (const c of children) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL');
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

/** Starts a server and waits for its {"port": N} line. */
function startServer(argv: string[]): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()).length > 4000 && (err = err.slice(-4000)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')}: no port after 30 s: ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ child, port: (JSON.parse(out.slice(0, nl)) as { port: number }).port });
      }
    });
    child.on('exit', (code) => reject(new Error(`${argv.join(' ')} exited (${code}): ${err}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  process.kill(child.pid, 'SIGTERM');
  const t = setTimeout(() => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
  children.delete(child);
}

interface Target {
  key: string;
  label: string;
  argv: string[];
  path: string;
  port?: number;
  child?: ChildProcess;
  rounds: LoadResult[];
  /** Server CPU seconds (user+system) spent during the rounds. */
  cpuSeconds: number;
}

/** user+system CPU seconds of a process so far (Linux /proc; USER_HZ is 100). */
function cpuSecondsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** Sums the rounds of one target into one result. */
function merge(rounds: LoadResult[]): LoadResult {
  const calls = rounds.reduce((n, r) => n + r.calls, 0);
  const seconds = rounds.reduce((n, r) => n + r.seconds, 0);
  const all = new Float64Array(calls);
  let at = 0;
  for (const r of rounds) {
    all.set(r.latencies, at);
    at += r.latencies.length;
  }
  all.sort();
  return {
    calls,
    seconds,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    connections: rounds.reduce((n, r) => n + r.connections, 0),
    callsPerSec: calls / seconds,
    p50Ms: percentile(all, 0.5),
    p99Ms: percentile(all, 0.99),
    firstError: rounds.find((r) => r.firstError)?.firstError,
    totalCalls: rounds.reduce((n, r) => n + r.totalCalls, 0),
    latencies: all,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-bench-'));
  try {
    const parsed = parseConfig({ paths: { sysroot: tmp } });
    if (!parsed.ok) throw new Error('config');
    const hostFs = new SysrootFs(tmp);
    await new TlsKeyPair({ config: parsed.config, fs: hostFs, exec: new HostExec(), log: pino({ level: 'silent' }) }).ensure();
    const cert = hostFs.resolve(parsed.config.rpc.certFile);
    const key = hostFs.resolve(parsed.config.rpc.keyFile);
    const node = (f: string, ...a: string[]) => [process.execPath, path.join(here, 'servers', f), ...a];
    const py = (proto: string) => ['python3', path.join(repo, 'bench/servers/py_server.py'), cert, key, BENCH_PASSWORD, proto];
    const log = path.join(tmp, 'agent.log');
    process.stderr.write(`bench: ${CONCURRENCY} clients, ${SECONDS} s per target in ${ROUNDS} rounds, ${os.cpus().length} CPUs\n`);
    const targets: Target[] = [
      { key: 'a', label: 'hvagent (RpcServer+Registry, scrypt store)', argv: node('hvagent-server.js', path.join(tmp, 'a-root'), cert, key, log), path: '/api/3/', rounds: [], cpuSeconds: 0 },
      { key: 'a0', label: 'hvagent, log level warn (no per-call lines)', argv: node('hvagent-server.js', path.join(tmp, 'a0-root'), cert, key, 'warn'), path: '/RPC2', rounds: [], cpuSeconds: 0 },
      { key: 'b', label: 'Python SimpleXMLRPCServer+Threading, HTTP/1.0', argv: py('HTTP/1.0'), path: '/RPC2', rounds: [], cpuSeconds: 0 },
      { key: 'c', label: 'Python SimpleXMLRPCServer+Threading, HTTP/1.1', argv: py('HTTP/1.1'), path: '/RPC2', rounds: [], cpuSeconds: 0 },
      { key: 'd', label: 'npm xmlrpc createSecureServer', argv: node('npm-xmlrpc-server.js', cert, key), path: '/RPC2', rounds: [], cpuSeconds: 0 },
      { key: 'e', label: 'bare node:https, fixed answer', argv: node('bare-server.js', cert, key), path: '/RPC2', rounds: [], cpuSeconds: 0 },
    ];
    for (const t of targets) Object.assign(t, await startServer(t.argv));
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of targets) {
        const cpu0 = cpuSecondsOf(t.child!.pid!);
        const r = await runLoad({
          port: t.port!,
          path: t.path,
          concurrency: CONCURRENCY,
          durationMs: (SECONDS * 1000) / ROUNDS,
          warmupMs: 500,
          maxCalls: 2_000_000,
          authorization: BENCH_AUTH,
          body: ECHO_BODY,
          expect: ECHO_TEXT,
        });
        t.cpuSeconds += cpuSecondsOf(t.child!.pid!) - cpu0;
        t.rounds.push(r);
        process.stderr.write(`  round ${round + 1} (${t.key}): ${Math.round(r.callsPerSec)} calls/s, ${r.errors} errors\n`);
      }
    }
    for (const t of targets) await stopServer(t.child!);
    const rows = targets.map((t) => {
      const r = merge(t.rounds);
      return { key: t.key, label: t.label, r, cpuUs: (t.cpuSeconds * 1e6) / r.totalCalls };
    });
    const loadAvg = os.loadavg()[0];
    const codec = codecBench();

    const by = (k: string) => rows.find((x) => x.key === k)!.r;
    const cpu = (k: string) => rows.find((x) => x.key === k)!.cpuUs;
    const a = by('a');
    const ab = a.callsPerSec / by('b').callsPerSec;
    const ae = a.callsPerSec / by('e').callsPerSec;
    // Each round runs every target back to back, so a/e within one round compares runs seconds
    // apart: a burst of foreign load on this shared machine shifts both. Shown beside the
    // overall ratio, with their median.
    const roundsOf = (k: string) => targets.find((t) => t.key === k)!.rounds;
    const aeRounds = roundsOf('a').map((r, i) => r.callsPerSec / roundsOf('e')[i].callsPerSec);
    const aeMedian = median(aeRounds);
    const lines = [
      `echo over HTTPS + Basic auth, ${CONCURRENCY} concurrent clients, ${SECONDS} s per target in ${ROUNDS} rounds (node ${process.version}, ${os.cpus().length} CPUs, load average ${fmt(loadAvg, 2)})`,
      `${'target'.padEnd(52)} ${'calls/s'.padStart(8)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(6)} ${'conns'.padStart(6)} ${'srv CPU us/call'.padStart(15)}`,
      ...rows.map(({ key, label, r, cpuUs }) =>
        `${`(${key}) ${label}`.padEnd(52)} ${fmt(r.callsPerSec).padStart(8)} ${fmt(r.p50Ms, 2).padStart(7)} ${fmt(r.p99Ms, 2).padStart(7)} ${String(r.errors).padStart(6)} ${String(r.connections).padStart(6)} ${fmt(cpuUs).padStart(15)}`,
      ),
      `a/b = ${fmt(ab, 1)}x (goal >= 10)   a/e = ${fmt(ae, 2)} (goal >= 0.8)   hvagent errors = ${a.errors} (goal 0)`,
      `a/e round by round: ${aeRounds.map((x) => fmt(x, 2)).join(' ')} (median ${fmt(aeMedian, 2)})`,
      `server CPU per call e/a = ${fmt(cpu('e') / cpu('a'), 2)}, e/a0 = ${fmt(cpu('e') / cpu('a0'), 2)} (the same ratio in server CPU time: less sensitive to other load on the machine)`,
      `codec on a ${fmt(codec.sizeBytes / 1e6, 2)} MB list_vms-like response (${codec.vms} VMs): encode ${fmt(codec.encodeMBps, 1)} MB/s, decode ${fmt(codec.decodeMBps, 1)} MB/s`,
    ];
    for (const r of rows) if (r.r.firstError) lines.push(`(${r.key}) first error: ${r.r.firstError}`);
    const goals = ab >= 10 && ae >= 0.8 && a.errors === 0;
    lines.push(`goals ${goals ? 'MET' : 'NOT MET'}`);
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    killAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The other areas' benches, each printing its own reference and ratio. */
async function areaBenches(): Promise<void> {
  const only = process.env.HVAGENT_BENCH;
  const parts: Array<[string, () => Promise<string>]> = [
    ['network plan/render (issue 3)', runNetworkBench],
    ['network apply in a namespace (issue 3)', runNetApplyBench],
    ['VM statistics (issue 4)', runVmStatsBench],
    ['storage plugins (issue 11)', runStorageBench],
    ['front door under connection floods (issue 9)', runFrontDoorBench],
    ['HA on sanlock (issue 13)', runHaBench],
  ];
  for (const [name, fn] of parts) {
    if (only && !name.includes(only)) continue;
    process.stdout.write(`\n== ${name}\n`);
    try {
      process.stdout.write((await fn()).trimEnd() + '\n');
    } catch (e) {
      process.stdout.write(`failed: ${(e as Error).message}\n`);
      process.exitCode = 1;
    }
  }
}

if (!process.env.HVAGENT_BENCH || process.env.HVAGENT_BENCH === 'rpc') await main();
await areaBenches();
