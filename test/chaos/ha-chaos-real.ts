// `npm run chaos -- --real [--members N] [--rounds R] [--seed S]`: randomized faults across real
// processes. A pool of N sandbox agents (each in its own namespace with its own sanlock daemon,
// pool-driver.ts), two HA VMs per member created over RPC as a manager does, then R rounds of
// kill -9 / SIGSTOP / restart / SIGCONT of random members. About every 2 s it asks each running
// member (get_ha_state, list_vms) and the VIP: a VM on two members or two VIP holders is a
// violation. At the end every member comes back and every HA VM must run exactly once.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { seededRandom } from '../helpers/random.js';
import { createHaVm, loadPoolLab, observeMember, sleep, vipAnswerer, type MemberObs, type PoolLabLike } from './pool-driver.js';

export interface RealChaosOptions {
  members: number;
  rounds: number;
  seed: number;
  /** Sandbox directory (default a fresh one under the temp dir, removed at the end). */
  dir?: string;
}

/**
 * A member just resumed (SIGCONT) still lists what it ran before it was frozen until its first
 * round (at most one round, 2 x io_timeout, plus the round's own work): without a watchdog that
 * is the window in which it stops them. Likewise a restarted member's namespace still has the
 * VIP a killed master left. Overlaps there are counted apart, not hidden.
 */
const RESUME_GRACE_MS = 10_000;
const MEM_CHOICES = [256, 512, 1024];

interface Tracker {
  what: string;
  victim: number;
  t0: number;
  vms: string[];
  wasVipHolder: boolean;
  vmsAt?: number;
  vipAt?: number;
  /** The victim came back (SIGCONT, restart) before what it had moved: timing void. */
  backAt?: number;
}

export async function runRealChaos(o: RealChaosOptions): Promise<number> {
  const rnd = seededRandom(o.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const { PoolLab, repoUuid } = await loadPoolLab();
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'hc-chaos-'));
  const t0 = Date.now();
  const lab: PoolLabLike = await PoolLab.start({ dir, n: o.members, memMiB: 4096, fromK: 40, log: (l) => console.log(`  pool: ${l}`) });
  const stopAll = () => void lab.stop().finally(() => (o.dir || fs.rmSync(dir, { recursive: true, force: true }), process.exit(130)));
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  const formedS = (Date.now() - t0) / 1000;
  const status: Array<'up' | 'killed' | 'frozen'> = Array.from({ length: o.members }, () => 'up');
  const resumedAt = new Map<number, number>();
  const violations: string[] = [];
  const windowOverlaps: string[] = [];
  const trackers: Tracker[] = [];
  const log: string[] = [];
  let checks = 0;
  let last: { obs: MemberObs[]; vip: number | undefined } = { obs: [], vip: undefined };
  const vms: Array<{ name: string; memMiB: number }> = [];
  const at = () => ((Date.now() - t0) / 1000).toFixed(0).padStart(5);
  const back = (n: number) => trackers.filter((x) => x.victim === n && x.backAt === undefined).forEach((x) => (x.backAt = Date.now()));

  /** One look at the pool; records violations; true when every HA VM runs once and one member holds the VIP. */
  const check = async (): Promise<{ ok: boolean; running: number; vip: number | undefined }> => {
    checks++;
    const up = status.map((s, i) => (s === 'up' ? i : -1)).filter((i) => i >= 0);
    const obs = await Promise.all(up.map((i) => observeMember(lab, i)));
    const vip = await vipAnswerer(lab);
    last = { obs, vip };
    const now = Date.now();
    const settled = (n: number) => now - (resumedAt.get(n) ?? 0) >= RESUME_GRACE_MS;
    const where = new Map<string, number[]>();
    for (const x of obs) for (const v of x.vms) where.set(v, [...(where.get(v) ?? []), x.node]);
    for (const [v, nodes] of where) {
      if (nodes.length < 2) continue;
      const line = `t=${at()}s ${v} runs on nodes ${nodes.join(',')}`;
      (nodes.filter(settled).length > 1 ? violations : windowOverlaps).push(line);
    }
    // holding = the address is in the member's namespace, whatever its agent believes
    const holders = obs.filter((x) => x.vipInKernel || x.vipUp).map((x) => x.node);
    if (holders.filter(settled).length > 1) violations.push(`t=${at()}s VIP held by nodes ${holders.join(',')}`);
    else if (holders.length > 1) windowOverlaps.push(`t=${at()}s VIP held by nodes ${holders.join(',')}`);
    const once = vms.filter((v) => where.get(v.name)?.length === 1).map((v) => v.name);
    for (const tr of trackers.filter((x) => x.backAt === undefined)) {
      if (tr.vmsAt === undefined && tr.vms.every((v) => (where.get(v) ?? []).some((n) => n !== tr.victim))) tr.vmsAt = now;
      if (tr.wasVipHolder && tr.vipAt === undefined && vip !== undefined && vip !== tr.victim) tr.vipAt = now;
    }
    const unleased = obs.reduce((n, x) => n + x.unleased.length, 0);
    return { ok: once.length === vms.length && unleased === 0 && holders.length === 1 && vip === holders[0], running: once.length, vip };
  };

  try {
    const repo = repoUuid(lab.k);
    for (let i = 0; i < o.members * 2; i++) {
      const vm = { name: `hc-vm-${i}`, memMiB: pick(MEM_CHOICES) };
      await createHaVm(lab, repo, i % o.members, vm.name, vm.memMiB);
      vms.push(vm);
    }
    const ready = await waitOk(check, 60_000);
    console.log(`pool of ${o.members} formed in ${formedS.toFixed(1)} s; ${vms.length} HA VMs created and running under their leases ${ready === undefined ? 'NOT within 60 s' : `after ${(ready / 1000).toFixed(1)} s`}`);

    for (let round = 1; round <= o.rounds; round++) {
      const idx = (s: string) => status.map((x, i) => (x === s ? i : -1)).filter((i) => i >= 0);
      const up = idx('up');
      const choices: string[] = [];
      if (up.length > 1) choices.push('kill', 'stop');
      if (idx('killed').length) choices.push('restart');
      if (idx('frozen').length) choices.push('cont');
      const action = pick(choices.length ? choices : ['wait']);
      const tAct = Date.now();
      const tAt = at();
      let what = 'wait';
      const victimOf = (n: number): Tracker => ({ what: '', victim: n, t0: tAct, vms: last.obs.find((x) => x.node === n)?.vms ?? [], wasVipHolder: last.vip === n });
      if (action === 'kill' || action === 'stop') {
        const n = pick(up);
        const tr = victimOf(n);
        if (action === 'kill') lab.kill(n);
        else lab.freeze(n, true);
        status[n] = action === 'kill' ? 'killed' : 'frozen';
        what = `${action === 'kill' ? 'kill -9' : 'SIGSTOP'} node ${n}${tr.wasVipHolder ? ' (VIP)' : ''}`;
        tr.what = what;
        if (tr.vms.length || tr.wasVipHolder) trackers.push(tr);
      } else if (action === 'restart') {
        const n = pick(idx('killed'));
        await lab.launch(n);
        back(n);
        // the killed host's namespace kept its addresses (a real reboot would not): the new
        // agent drops a stale VIP in its first round, so a restart settles like a resume
        resumedAt.set(n, Date.now());
        status[n] = 'up';
        what = `restart node ${n} (${((Date.now() - tAct) / 1000).toFixed(1)} s)`;
      } else if (action === 'cont') {
        const n = pick(idx('frozen'));
        lab.freeze(n, false);
        back(n);
        resumedAt.set(n, Date.now());
        status[n] = 'up';
        what = `SIGCONT node ${n}`;
      }
      const waitS = 3 + Math.floor(rnd() * 68); // 3..70 s: some actions are followed up before sanlock's dead time, some after
      let okAt: number | undefined;
      let r = { ok: false, running: 0, vip: undefined as number | undefined };
      while (Date.now() - tAct < waitS * 1000) {
        r = await check();
        if (r.ok && okAt === undefined) okAt = Date.now() - tAct;
        if (!r.ok) okAt = undefined;
        await sleep(2000);
      }
      log.push(`round ${String(round).padStart(2)}  t=${tAt}s  ${what.padEnd(28)} then ${String(waitS).padStart(2)} s: ${r.running}/${vms.length} HA VMs running once, VIP answered by ${r.vip ?? '-'}${okAt !== undefined ? `; all well (each VM once under its lease, one VIP holder) ${(okAt / 1000).toFixed(1)} s after the action` : ''}`);
      console.log(log[log.length - 1]);
    }

    // heal: every member back; then every HA VM must run exactly once, with one VIP holder
    const h0 = Date.now();
    status.forEach((s, n) => s === 'frozen' && (lab.freeze(n, false), resumedAt.set(n, Date.now()), (status[n] = 'up')));
    for (const n of status.map((s, i) => (s === 'killed' ? i : -1)).filter((i) => i >= 0)) {
      await lab.launch(n);
      resumedAt.set(n, Date.now());
      status[n] = 'up';
    }
    const healed = (await waitOk(check, 300_000)) === undefined ? undefined : Date.now() - h0;
    const fmt = (ms: number | undefined) => (ms === undefined ? 'not seen' : `${(ms / 1000).toFixed(1)} s`);
    console.log('\ntimings (from the fault to the state observed over RPC; checks every ~2 s):');
    for (const tr of trackers) {
      const parts = [];
      const seen = (x: number | undefined) => (x !== undefined ? fmt(x - tr.t0) : tr.backAt !== undefined ? `not needed (back after ${fmt(tr.backAt - tr.t0)})` : 'not seen');
      if (tr.vms.length) parts.push(`its ${tr.vms.length} HA VM(s) running elsewhere after ${seen(tr.vmsAt)}`);
      if (tr.wasVipHolder) parts.push(`VIP answering from another member after ${seen(tr.vipAt)}`);
      console.log(`  ${tr.what}: ${parts.join('; ')}`);
    }
    const kills = trackers.filter((x) => x.what.startsWith('kill') && x.vmsAt !== undefined).map((x) => (x.vmsAt! - x.t0) / 1000).sort((a, b) => a - b);
    if (kills.length) console.log(`  kill -9 -> its HA VMs running elsewhere: ${kills.length} cases, ${kills[0].toFixed(1)}-${kills[kills.length - 1].toFixed(1)} s, median ${kills[kills.length >> 1].toFixed(1)} s (dead time ${8 + 60} s at io_timeout 1)`);
    console.log(`\nseed ${o.seed}: ${o.members} members, ${o.rounds} rounds, ${checks} checks, ${violations.length} violations, wall ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    console.log(`window overlaps (a member in its first ${RESUME_GRACE_MS / 1000} s after SIGCONT or restart, before its first round): ${windowOverlaps.length}`);
    for (const w of windowOverlaps.slice(0, 10)) console.log(`  window: ${w}`);
    console.log(`after healing: every HA VM runs exactly once and one member holds the VIP ${healed !== undefined ? `${(healed / 1000).toFixed(1)} s after the first member came back` : 'NO'}`);
    if (healed === undefined) for (const x of last.obs) console.log(`  node ${x.node}: answered=${x.answered} master=${x.master} vipUp=${x.vipUp} pending=${x.pending} vms=${x.vms.join(',')} unleased=${x.unleased.join(',')} ${x.error ?? ''}`);
    for (const v of violations.slice(0, 20)) console.log(`VIOLATION ${v}`);
    return violations.length === 0 && healed !== undefined ? 0 : 1;
  } finally {
    await lab.stop();
    if (!o.dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function waitOk(check: () => Promise<{ ok: boolean }>, maxMs: number): Promise<number | undefined> {
  const t0 = Date.now();
  while (Date.now() - t0 < maxMs) {
    if ((await check()).ok) return Date.now() - t0;
    await sleep(2000);
  }
  return undefined;
}
