// `scripts/pool-sandbox.sh N [DIR]`: a clustered pool of N sandbox agents on this machine
// (test/helpers/pool-lab.ts), DIR/pool.json once it has a master; SIGTERM/SIGINT stop it all.
import * as path from 'node:path';
import { PoolLab, repoUuid } from '../test/helpers/pool-lab.js';

const [nArg, dirArg] = process.argv.slice(2);
const n = Number(nArg);
if (!Number.isInteger(n) || n < 1 || n > 16 || process.argv.length > 4) {
  process.stderr.write('usage: scripts/pool-sandbox.sh N [DIR]   (N members, 1..16; DIR default .pool-sandbox)\n');
  process.exit(2);
}
if (process.getuid?.() !== 0) {
  process.stderr.write('pool-sandbox: needs root (network namespaces, bind mounts, sanlock daemons)\n');
  process.exit(1);
}
const dir = path.resolve(dirArg ?? '.pool-sandbox');
const log = (l: string) => process.stdout.write(`pool-sandbox: ${l}\n`);
let lab: PoolLab | undefined;
let starting: Promise<PoolLab> | undefined;
let stopping = false;
// a signal during the start waits for it to end (it stops what it made when it fails), then
// stops the pool: nothing is left behind either way
const stop = async (code: number) => {
  if (stopping) return;
  stopping = true;
  const l = lab ?? (await starting?.catch(() => undefined));
  await l?.stop().catch((e: unknown) => process.stderr.write(`pool-sandbox: cleanup: ${String(e)}\n`));
  process.exit(code);
};
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, () => void stop(0));
const t0 = Date.now();
try {
  starting = PoolLab.start({ dir, n, log });
  lab = await starting;
} catch (e) {
  process.stderr.write(`pool-sandbox: ${e instanceof Error ? e.message : String(e)}\n`);
  if (!stopping) process.exit(1);
}
if (lab && !stopping) {
  const master = await lab.waitMaster(60_000);
  log(`pool up in ${((Date.now() - t0) / 1000).toFixed(1)} s; master node ${master}, VIP ${lab.vip}, repository ${repoUuid(lab.k)} (/data/hmrepo on every member)`);
  log(`wrote ${path.join(dir, 'pool.json')}; Ctrl-C (or SIGTERM to pid ${process.pid}) stops the pool`);
  setInterval(() => {}, 1 << 30);
}
