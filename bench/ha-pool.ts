// Bench (issue 13), real processes: runs test/chaos/ha-pool-timings.ts (a pool of sandbox agents,
// each in its own namespace with its own sanlock daemon) and sets its figures side by side with
// the formula at the configured and the default io_timeout and the stock o2hb, Oracle VM and
// XenServer HA defaults.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostDeadSeconds } from '../src/core/ha/lease-manager.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** bench/ when run with tsx, dist/bench/ when built. */
const repo = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

/** What test/chaos/ha-pool-timings.ts prints as its last line (JSON). */
export interface PoolTimings {
  members: number;
  formedS: number;
  handoverS: number[];
  memberKilledVmsS?: number;
  masterKilledVipS?: number;
  masterKilledVmsS?: number;
  notes: string[];
}

function runTimings(): Promise<PoolTimings> {
  const script = path.join(repo, 'test/chaos/ha-pool-timings.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err = (err + b.toString()).slice(-4000)));
  const kill = () => child.pid && child.exitCode === null && process.kill(child.pid, 'SIGTERM');
  process.once('exit', kill);
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      process.off('exit', kill);
      const last = out.trim().split('\n').pop() ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as PoolTimings);
      else reject(new Error(`ha-pool-timings exited ${code}: ${err.trim().split('\n').slice(-5).join(' | ')}`));
    });
  });
}

/** Why the real-process pool cannot run here (undefined: it can). */
export function poolSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  const lab = process.env.HVPOOL_LAB ?? path.join(repo, 'test/helpers/pool-lab.ts');
  if (!fs.existsSync(lab)) return `no pool sandbox driver at ${lab}`;
  return undefined;
}

const s = (x: number | undefined) => (x === undefined ? 'not seen' : `${x.toFixed(1)} s`);

export async function runHaPoolBench(io = 1): Promise<string> {
  const skip = poolSkipReason();
  if (skip) return `real processes: skipped (${skip})`;
  const r = await runTimings();
  const dead = (t: number) => hostDeadSeconds(t);
  const rows: Array<[string, string, string, string, string]> = [
    // a round is 2 x io_timeout: the VIP moves in the round after DEAD, the VMs one or two later
    ['planned master handover -> VIP answering', r.handoverS.map((x) => x.toFixed(2)).join(', ') + ' s', `<= 1 round (${2 * io} s)`, '<= 1 round (20 s)', 'o2hb/OVM: none (no master role); XenServer: n/a'],
    ['master killed -> VIP answering', s(r.masterKilledVipS), `${dead(io)} s + 1 round`, `${dead(10)} s + 1 round`, 'o2hb 62 s, OVM 122 s, XenServer T = 60 s'],
    ['member killed -> all its HA VMs running', s(r.memberKilledVmsS), `${dead(io)} s + 2 rounds`, `${dead(10)} s + 2 rounds`, 'o2hb 62 s, OVM 122 s, XenServer T = 60 s (+ restart)'],
    ['master killed -> all its HA VMs running', s(r.masterKilledVmsS), `${dead(io)} s + 3 rounds`, `${dead(10)} s + 3 rounds`, 'as above'],
  ];
  const w = [44, 22, 20, 18];
  const line = (c: string[]) => c.map((x, i) => (i < w.length ? x.padEnd(w[i]) : x)).join(' ');
  return [
    `real processes: ${r.members} sandbox agents, each in its own network namespace with its own sanlock daemon, io_timeout ${io}; pool formed in ${r.formedS.toFixed(1)} s`,
    line(['case', 'measured', `formula (io ${io})`, 'formula (io 10)', 'stock defaults']),
    ...rows.map(line),
  ].join('\n');
}
