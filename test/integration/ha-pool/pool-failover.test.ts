// The multi-host tier, for real: three sandbox agent processes in their own namespaces on one
// bridge, each with its own sanlock daemon (io_timeout 1), a shared pool directory, and a
// manager stand-in in a fourth namespace that reaches the virtual IP over HTTPS. Chained on one
// pool: planned handover, a member killed (its HA VMs restart on the others, the one that fits
// nowhere is queued and starts when the member joins again), the master killed (the VIP
// answers from another member). About 3 minutes; everything stopped by PID and removed.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PoolLab, standInCall } from '../../helpers/pool-lab.js';
import { sanlockSkipReason } from '../../helpers/sanlock-daemons.js';

t.setTimeout(420_000);
const skip = sanlockSkipReason() ?? false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const secs = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

/** Polls until fn gives a value that is not undefined, or fails after timeoutMs. */
async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** Node number of the member answering get_ha_state at the VIP, as the stand-in sees it. */
function vipNode(lab: PoolLab, ns: string, password: string): number | undefined {
  const body = standInCall(ns, lab.vip, password, 'get_ha_state');
  const m = /<name>node<\/name><value><int>(\d+)<\/int>/.exec(body);
  const master = /<name>master<\/name><value><boolean>1<\/boolean>/.test(body);
  return m && master ? Number(m[1]) : undefined;
}

t.test('a pool of three agent processes keeps its master, VIP and HA VMs', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hm-pool-'));
  const t0 = Date.now();
  const lab = await PoolLab.start({ dir, n: 3, memMiB: [2048, 2048, 4096], log: (l) => t.comment(l) });
  t.teardown(async () => {
    await lab.stop();
    if (!process.env.HVPOOL_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  });
  t.comment(`pool formed, master with VIP: ${secs(t0)} s`);
  const pw = lab.members[0].password;
  const mgr = await lab.manager();
  t.equal(vipNode(lab, mgr, pw), 0, 'the stand-in reaches the VIP; node 0 (lowest) is master');

  // planned handover: the master's agent stops; another member takes over in seconds
  let at = Date.now();
  await lab.stopMember(0);
  const next = await until('the VIP to answer from another member', 30_000, async () => vipNode(lab, mgr, pw));
  const handover = secs(at);
  t.equal(next, 1, 'node 1 is master after node 0 handed over');
  t.comment(`planned handover -> VIP answering from node 1: ${handover} s`);
  t.ok(Number(handover) < 15, 'in seconds, not at the lease timeout');
  await lab.launch(0);
  await until('node 0 back in the lockspace', 30_000, async () => ((await lab.haStates())[0]?.joined === true ? true : undefined));
  t.equal(vipNode(lab, mgr, pw), 1, 'node 0 back does not take the role back');

  await lab.haVm(0, 'v0', 512);
  await lab.haVm(1, 'v1', 512);
  await lab.haVm(2, 'v2', 512);
  await lab.haVm(2, 'vbig', 3072);
  t.same(await lab.where('vbig', [0, 1, 2]), [2]);

  // a member killed: its HA VMs run on the others; the one that fits nowhere is queued
  at = Date.now();
  lab.kill(2);
  const v2 = await until('v2 restarted on a live member', 150_000, async () => {
    const w = await lab.where('v2', [0, 1]);
    return w.length === 1 ? w[0] : undefined;
  });
  t.comment(`member killed -> its HA VM running on node ${v2}: ${secs(at)} s`);
  t.same(await lab.where('vbig', [0, 1]), [], 'vbig fits on no live member: not started');
  const pending = await until('vbig in the pending queue', 20_000, async () => {
    const st = (await lab.haStates())[1] as { pending?: Array<{ memMiB: number }> } | undefined;
    return st?.pending?.length ? st.pending : undefined;
  });
  t.match(pending, [{ memMiB: 3072 }], 'the master keeps vbig pending');
  at = Date.now();
  await lab.launch(2);
  await until('vbig started on node 2 once it joined', 60_000, async () => ((await lab.where('vbig', [0, 1, 2])).join() === '2' ? true : undefined));
  t.comment(`member joined -> queued VM running: ${secs(at)} s`);
  t.same(await lab.where('v2', [0, 1, 2]), [v2], 'v2 still runs once, where it was restarted');

  // the master killed: the VIP answers from another member, its HA VMs run elsewhere
  at = Date.now();
  lab.kill(1);
  const newMaster = await until('the VIP to answer again', 150_000, async () => vipNode(lab, mgr, pw));
  t.comment(`master killed -> VIP answering from node ${newMaster}: ${secs(at)} s`);
  t.equal(newMaster, 0, 'the lowest live member is master');
  await until('v1 restarted', 60_000, async () => ((await lab.where('v1', [0, 2])).length === 1 ? true : undefined));
  t.comment(`master killed -> its HA VM running: ${secs(at)} s`);
  for (const vm of ['v0', 'v1', 'v2', 'vbig']) t.equal((await lab.where(vm, [0, 2])).length, 1, `${vm} runs exactly once`);
  const st = await lab.haStates();
  t.equal(st.filter((s) => s?.vipUp === true).length, 1, 'one member holds the VIP');
});
