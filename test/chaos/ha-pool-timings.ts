// HA timings across real processes for `npm run bench` (bench/ha.ts runs this with tsx and reads
// its last line, JSON): a pool of sandbox agents (pool-driver.ts) with HA VMs, then planned
// handovers (SIGTERM to the master's agent), a member killed with its VMs, and the master killed
// with its VMs, each timed from the fault to what a manager would see over RPC.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { PoolTimings } from '../../bench/ha-pool.js';
import { createHaVm, loadPoolLab, observeMember, until, vipAnswerer, type PoolLabLike } from './pool-driver.js';

const N = Number(process.env.HVBENCH_HA_MEMBERS ?? 3);
const say = (l: string) => process.stderr.write(`ha-pool: ${l}\n`);

/** The nodes (among `among`) that run every VM of `names` once, each under its lease. */
async function allRunning(lab: PoolLabLike, among: number[], names: string[]): Promise<boolean> {
  const obs = await Promise.all(among.map((i) => observeMember(lab, i)));
  return names.every((n) => obs.filter((o) => o.vms.includes(n) && !o.unleased.includes(n)).length === 1);
}

async function main(): Promise<PoolTimings> {
  const { PoolLab, repoUuid } = await loadPoolLab();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hc-bench-'));
  const t0 = Date.now();
  const lab = (await PoolLab.start({ dir, n: N, memMiB: 4096, fromK: 60, log: say })) as PoolLabLike & { stopMember(i: number): Promise<void> };
  const stop = () => void lab.stop().finally(() => (fs.rmSync(dir, { recursive: true, force: true }), process.exit(130)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const out: PoolTimings = { members: N, formedS: (Date.now() - t0) / 1000, handoverS: [], notes: [] };
  const up = new Set(Array.from({ length: N }, (_, i) => i));
  try {
    const repo = repoUuid(lab.k);
    const vmsOf = new Map<number, string[]>();
    for (let i = 0; i < N; i++) {
      vmsOf.set(i, [`hc-b${i}a`, `hc-b${i}b`]);
      for (const name of vmsOf.get(i)!) await createHaVm(lab, repo, i, name, 512);
    }
    const all = [...vmsOf.values()].flat();
    await until(() => allRunning(lab, [...up], all), 60_000);

    // planned handover: the master's agent is stopped (SIGTERM); the next member takes the role
    for (let h = 0; h < 3; h++) {
      const master = await vipAnswerer(lab);
      if (master === undefined) break;
      const stopping = lab.stopMember(master);
      const ms = await until(async () => ((await vipAnswerer(lab, 1000)) ?? master) !== master, 60_000, 100);
      await stopping;
      if (ms !== undefined) out.handoverS.push(ms / 1000);
      say(`handover ${h + 1}: ${ms === undefined ? 'no new VIP holder' : `${(ms / 1000).toFixed(2)} s`}`);
      await lab.launch(master);
      await until(() => allRunning(lab, [...up], all), 120_000);
    }

    // a member (not the master) dies with its HA VMs
    const master = (await vipAnswerer(lab))!;
    const victim = [...up].find((i) => i !== master)!;
    const k0 = Date.now();
    lab.kill(victim);
    up.delete(victim);
    const vmsMs = await until(() => allRunning(lab, [...up], vmsOf.get(victim)!), 180_000, 500);
    out.memberKilledVmsS = vmsMs === undefined ? undefined : (Date.now() - k0) / 1000;
    say(`member ${victim} killed: its VMs running after ${out.memberKilledVmsS ?? 'never'} s`);

    // the master dies with its HA VMs
    const m0 = Date.now();
    lab.kill(master);
    up.delete(master);
    const vipMs = await until(async () => ((await vipAnswerer(lab, 1000)) ?? master) !== master, 180_000, 250);
    out.masterKilledVipS = vipMs === undefined ? undefined : vipMs / 1000;
    const mvMs = await until(() => allRunning(lab, [...up], vmsOf.get(master)!), 60_000, 500);
    out.masterKilledVmsS = mvMs === undefined ? undefined : (Date.now() - m0) / 1000;
    say(`master ${master} killed: VIP after ${out.masterKilledVipS ?? 'never'} s, its VMs after ${out.masterKilledVmsS ?? 'never'} s`);
    return out;
  } finally {
    await lab.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then((r) => console.log(JSON.stringify(r)), (e) => {
  console.error(e);
  process.exit(1);
});
