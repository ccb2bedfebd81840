// `npm run chaos [-- --sim|--real] [--members N] [--rounds R] [--seed S]`: randomized faults.
// --sim (default): a simulated pool (HaService x 4 on the fake sanlock with its timing rules,
// virtual clock): kill -9, SIGSTOP/SIGCONT and restarts of random members, checking after every
// 2 s step that no VM runs on two live members and that at most one member with a valid lease
// holds the VIP; at the end every HA VM must run. --real: the same across real processes
// (ha-chaos-real.ts). Seeds also from HVCHAOS_SEED / HVCHAOS_ROUNDS.
import { parseArgs } from 'node:util';
import { PoolSim } from '../helpers/ha-pool-sim.js';
import { seededRandom } from '../helpers/random.js';
import type { HaVm } from '../../src/core/ha/ha-state.js';

const { values: args } = parseArgs({
  options: { real: { type: 'boolean' }, sim: { type: 'boolean' }, members: { type: 'string' }, rounds: { type: 'string' }, seed: { type: 'string' } },
});
const seed = Number(args.seed ?? process.env.HVCHAOS_SEED ?? 13);
const ROUNDS = Number(args.rounds ?? process.env.HVCHAOS_ROUNDS ?? (args.real ? 20 : 30));
const rnd = seededRandom(seed);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

async function main(): Promise<number> {
  const sim = new PoolSim();
  const sizes = [4096, 8192, 8192, 12288];
  sizes.forEach((mem, i) => sim.add(i, mem));
  await sim.run(4);
  const vms: HaVm[] = [];
  for (let i = 0; i < 8; i++) {
    const vm = { uuid: `chaos-vm-${i}`, memMiB: pick([512, 1024, 2048, 3072]) };
    vms.push(vm);
    sim.startVm(vm, i % sizes.length);
  }
  await sim.run(6);
  const started = Date.now();
  const v0 = sim.clock.now();
  const log: string[] = [];
  const down = new Set<number>();
  const frozen = new Set<number>();
  const recoveries: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const up = sim.members.filter((m) => m.up).map((m) => m.node);
    const choices: string[] = [];
    if (up.length > 1) choices.push('kill', 'stop');
    if (down.size) choices.push('restart');
    if (frozen.size) choices.push('cont');
    const action = pick(choices.length ? choices : ['wait']);
    const t0 = sim.clock.now();
    let what = action;
    if (action === 'kill') {
      const n = pick(up);
      sim.kill(n);
      down.add(n);
      what = `kill -9 node ${n}`;
    } else if (action === 'stop') {
      const n = pick(up);
      sim.freeze(n);
      frozen.add(n);
      what = `SIGSTOP node ${n}`;
    } else if (action === 'restart') {
      const n = pick([...down]);
      sim.restart(n);
      down.delete(n);
      what = `restart node ${n}`;
    } else if (action === 'cont') {
      const n = pick([...frozen]);
      sim.freeze(n, false);
      frozen.delete(n);
      what = `SIGCONT node ${n}`;
    }
    const wait = 2 * Math.floor(1 + rnd() * 50); // 2..100 s of virtual time
    await sim.run(wait);
    const running = vms.filter((v) => sim.where(v.uuid).some((n) => sim.members[n].up)).length;
    log.push(`round ${String(round).padStart(2)}  t=${((t0 - v0) / 1000).toFixed(0).padStart(5)}s  ${what.padEnd(18)} then ${String(wait).padStart(3)} s: ${running}/${vms.length} HA VMs running, VIP address on ${[...sim.vipHolders].join(',') || '-'} (frozen members keep theirs)`);
  }
  // heal: every member back, then the pool must run every HA VM exactly once
  for (const n of frozen) sim.freeze(n, false);
  for (const n of down) sim.restart(n);
  const healStart = sim.clock.now();
  let allAt = -1;
  for (let s = 0; s < 300 && allAt < 0; s += 2) {
    await sim.run(2);
    if (vms.every((v) => sim.where(v.uuid).length === 1) && sim.vipHolders.size === 1) allAt = sim.clock.now();
  }
  if (allAt >= 0) recoveries.push((allAt - healStart) / 1000);
  for (const l of log) console.log(l);
  const missing = vms.filter((v) => sim.where(v.uuid).length !== 1).map((v) => v.uuid);
  console.log(`\nseed ${seed}: ${ROUNDS} rounds, ${sim.violations.length} violations, virtual time ${((sim.clock.now() - v0) / 1000).toFixed(0)} s, wall ${Date.now() - started} ms`);
  console.log(`after healing: every HA VM runs exactly once and one member holds the VIP ${allAt >= 0 ? `after ${recoveries[0]} s` : `NO (${missing.join(', ')})`}; VIP holders ${[...sim.vipHolders].join(',') || 'none'}`);
  for (const v of sim.violations.slice(0, 20)) console.log(`VIOLATION ${v}`);
  if (allAt < 0 || process.env.HVCHAOS_DEBUG) for (const m of sim.members) console.log(`node ${m.node} up=${m.up}`, JSON.stringify(m.svc.state()));
  sim.cleanup();
  return sim.violations.length === 0 && allAt >= 0 && sim.vipHolders.size === 1 ? 0 : 1;
}

const run = args.real
  ? async () => (await import('./ha-chaos-real.js')).runRealChaos({ members: Number(args.members ?? 3), rounds: ROUNDS, seed })
  : main;
run().then((code) => process.exit(code), (err) => {
  console.error(err);
  process.exit(2);
});
