import { PoolLab } from '/work/wt/h13m/test/helpers/pool-lab.js';
import { execSync } from 'node:child_process';
const lab = await PoolLab.start({ dir: '/tmp/hm-dbg', n: 3, log: console.log });
try {
  const t0 = Date.now();
  const T = () => ((Date.now() - t0) / 1000).toFixed(1);
  const p = lab.stopMember(0).then(() => console.log(T(), 'stopMember done'));
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 500));
    for (const j of [0, 1, 2]) {
      const out = execSync(`ps -o pid,etimes,stat,cmd -g ${lab.members[j].pid} || true`).toString().split('\n').filter((l) => l && !/PID|sanlock daemon|cat$|src\/cli\/main|esbuild|client gets|client status|host_status/.test(l));
      if (out.length) console.log(T(), j, out.join(' | ').slice(0, 300));
    }
  }
  await p;
  console.log(JSON.stringify((await lab.haStates()).map((s) => s && { m: s.master, v: s.vipUp })));
} finally { await lab.stop(); }
