// Every CLI command answers --help with its usage and exits 0; unknown commands exit 2.
import t from 'tap';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const repo = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const cli = path.join(repo, 'src/cli/main.ts');
const run = (...a: string[]) => spawnSync(tsx, [cli, ...a], { cwd: repo, encoding: 'utf8' });

for (const cmd of ['serve', 'call', 'status', 'passwd', 'keygen', 'db', 'restore-networks', 'reset-networking']) {
  t.test(`${cmd} --help`, async (t) => {
    const r = run(cmd, '--help');
    t.equal(r.status, 0, r.stderr);
    t.match(r.stdout, /Usage: hvagent/);
  });
}

t.test('top-level help and errors', async (t) => {
  t.match(run('--help').stdout, /Commands:/);
  const bad = run('frobnicate');
  t.equal(bad.status, 2);
  t.match(bad.stderr, /unknown command/);
  const opt = run('call', '--bogus');
  t.equal(opt.status, 2);
  const faults = run('faults');
  t.equal(faults.status, 0);
  t.match(faults.stdout, /\| NET_BAD_VLAN \| 2002 \|/);
});
