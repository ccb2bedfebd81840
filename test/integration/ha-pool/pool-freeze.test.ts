// The multi-host tier, for real: a member SIGSTOPped (agent, sanlock daemon, lease holders)
// past the dead time while its HA VM restarts on another member, then SIGCONT: it fences
// itself (ha.fence stop-vms) and the VM never runs twice among running members. Three sandbox
// agent processes on one bridge, io_timeout 1; about 2 minutes; everything removed.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PoolLab } from '../../helpers/pool-lab.js';
import { sanlockSkipReason } from '../../helpers/sanlock-daemons.js';
import { secs, until, untilReported, vipNode } from '../../helpers/pool-tier.js';

t.setTimeout(300_000);
const skip = sanlockSkipReason() ?? false;

t.test('a member frozen past the dead time fences itself when it resumes', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hm-pool-'));
  const lab = await PoolLab.start({ dir, n: 3, fromK: 50, log: (l) => t.comment(l) });
  let frozen: number | undefined;
  t.teardown(async () => {
    if (frozen !== undefined) lab.freeze(frozen, false); // a stopped process would not stop
    await lab.stop();
    if (!process.env.HVPOOL_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  });
  const pool = JSON.parse(fs.readFileSync(path.join(dir, 'pool.json'), 'utf8')) as { vip: string; members: Array<{ pid: number; pgid: number; sanlock_pid: number }> };
  t.equal(pool.vip, lab.vip);
  for (const m of pool.members) {
    const pgrp = (pid: number) => Number(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[2]);
    t.same([pgrp(m.pid), pgrp(m.sanlock_pid)], [m.pgid, m.pgid], 'pool.json: agent and sanlock daemon in one process group');
  }
  const pw = lab.members[0].password;
  const mgr = await lab.manager();
  const master = await until('the VIP', 30_000, async () => vipNode(lab, mgr, pw));
  const f = [0, 1, 2].find((i) => i !== master)!;
  const live = [0, 1, 2].filter((i) => i !== f);
  await lab.haVm(f, 'f1', 1024);
  t.same(await lab.where('f1', [0, 1, 2]), [f]);
  await untilReported(lab, f, ['f1']);

  const at = Date.now();
  lab.freeze(f, true);
  frozen = f;
  const moved = await until('f1 restarted on a live member', 150_000, async () => {
    const w = await lab.where('f1', live);
    return w.length === 1 ? w[0] : undefined;
  });
  t.comment(`member frozen -> its HA VM running on node ${moved}: ${secs(at)} s`);
  t.ok(Date.now() - at > 68_000, 'not before sanlock declared the frozen member dead');

  lab.freeze(f, false);
  frozen = undefined;
  const cont = Date.now();
  // the resumed member's first round stops its copy: it holds no lease and was declared dead
  await until('the resumed member to stop its copy', 30_000, async () => ((await lab.where('f1', [f])).length === 0 ? true : undefined));
  t.comment(`resumed -> its stale copy stopped: ${secs(cont)} s`);
  const events = fs.readFileSync(path.join(lab.members[f].dir, 'root/var/log/hvagent/vm-events.log'), 'utf8');
  t.match(events, /action=ha-fence vm=\S+\/f1 /, 'the resumed member fenced f1 (vm-events.log)');
  await new Promise((r) => setTimeout(r, 6000)); // three more rounds everywhere
  t.same(await lab.where('f1', [0, 1, 2]), [moved], 'f1 runs once, where it was restarted');
  const states = await lab.haStates();
  t.equal(states.filter((s) => s?.vipUp === true).length, 1, 'one member holds the VIP');
  t.equal(vipNode(lab, mgr, pw), master, 'the master kept its role');
});
