// The unit files pass `systemd-analyze verify` (which exits 0 even for some parse problems,
// so any output on stderr counts as a failure too).
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from '../helpers/service-kit.js';

const units = ['hvagent.service', 'hvagent-restore-networks.service'];
const srcDir = path.resolve(import.meta.dirname, '../../systemd');

function verify(dir: string, files: string[]) {
  return spawnSync('systemd-analyze', ['verify', ...files.map((f) => path.join(dir, f))], { encoding: 'utf8' });
}

function stage(t: { teardown(fn: () => void): void }, rewrite: (text: string) => string = (s) => s): string {
  const dir = tempDir('hvagent-units-');
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  // verify insists that ExecStart names an executable that exists.
  fs.writeFileSync(path.join(dir, 'hvagent'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  for (const u of units) {
    fs.writeFileSync(path.join(dir, u), rewrite(fs.readFileSync(path.join(srcDir, u), 'utf8').replaceAll('/usr/bin/hvagent', path.join(dir, 'hvagent'))));
  }
  return dir;
}

const have = spawnSync('systemd-analyze', ['--version']).status === 0;

t.test('units verify cleanly', { skip: have ? false : 'systemd-analyze is not installed' }, async (t) => {
  const dir = stage(t);
  const r = verify(dir, units);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr.trim(), '', 'no warnings');
});

t.test('the check catches a broken unit', { skip: have ? false : 'systemd-analyze is not installed' }, async (t) => {
  const dir = stage(t, (s) => s.replace('Type=notify', 'Type=bogus'));
  const r = verify(dir, ['hvagent.service']);
  t.ok(r.status !== 0 || r.stderr.trim() !== '', 'a bad Type= is reported');
});

t.test('agent unit orders after the network restore and libvirtd, restarts on failure, notifies', async (t) => {
  const text = fs.readFileSync(path.join(srcDir, 'hvagent.service'), 'utf8');
  t.match(text, /^After=.*hvagent-restore-networks\.service/m);
  t.match(text, /^After=.*network-online\.target/m);
  t.match(text, /^After=.*libvirtd\.service/m);
  t.match(text, /^Restart=on-failure$/m);
  t.match(text, /^Type=notify$/m);
  const restore = fs.readFileSync(path.join(srcDir, 'hvagent-restore-networks.service'), 'utf8');
  t.match(restore, /^Type=oneshot$/m);
  t.match(restore, /^Before=.*hvagent\.service/m);
});
