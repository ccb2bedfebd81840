// The malloc-trim addon loads when built and answers, loads as nothing when absent; the trimmer
// trims only when RSS has grown past its slack since start, and stops.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadFullGc, loadMallocTrim, startMemoryTrimmer } from '../../src/host/malloc-trim.js';
import { ManualClock } from '../helpers/manual-clock.js';

t.test('the addon: built from native/malloc-trim.c, it loads and trims; absent, nothing', async (t) => {
  t.equal(loadMallocTrim('/nonexistent/malloc-trim.node'), undefined);
  const dir = mkdtempSync(join(tmpdir(), 'hv9-trim-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'malloc-trim.node');
  execFileSync('cc', ['-O2', '-shared', '-fPIC', '-o', file, 'native/malloc-trim.c'], { stdio: 'inherit' });
  const trim = loadMallocTrim(file);
  t.type(trim, 'function');
  t.type(trim!(), 'boolean');
});

t.test('the trimmer: only past the slack over the RSS at start, every interval, until stopped', async (t) => {
  const clock = new ManualClock();
  let rss = 100;
  let trims = 0;
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });
  const stop = startMemoryTrimmer({ clock, log, intervalMs: 1000, slackBytes: 50, rss: () => rss, trim: () => (trims++, (rss = 110), true) });
  clock.advance(1000);
  t.equal(trims, 0, 'no growth: no trim');
  rss = 140;
  clock.advance(1000);
  t.equal(trims, 0, 'growth within the slack: no trim');
  rss = 400;
  clock.advance(999);
  t.equal(trims, 0, 'not before the interval');
  clock.advance(1);
  t.equal(trims, 1, 'past the slack: trimmed');
  t.match(lines.join(''), /memory kept after a burst given back/);
  clock.advance(1000);
  t.equal(trims, 1, 'back under: no more');
  rss = 400;
  stop();
  clock.advance(5000);
  t.equal(trims, 1, 'stopped');
});

t.test('a full GC: obtainable at run time, and it collects', async (t) => {
  const gc = loadFullGc();
  t.type(gc, 'function');
  let ref: WeakRef<object> | undefined;
  (() => {
    ref = new WeakRef({ big: new Array(1000).fill(1) });
  })();
  await new Promise((r) => setImmediate(r)); // a WeakRef target lives at least to the end of the turn
  gc!();
  t.equal(ref!.deref(), undefined, 'the unreachable object is gone');
});

t.test('the trimmer: a full GC, then the trim; without the addon the GC alone', async (t) => {
  const clock = new ManualClock();
  let rss = 100;
  const calls: string[] = [];
  const log = pino({ level: 'silent' });
  const stop = startMemoryTrimmer({ clock, log, intervalMs: 1000, slackBytes: 50, rss: () => rss, gc: () => void calls.push('gc'), trim: () => (calls.push('trim'), true) });
  rss = 400;
  clock.advance(1000);
  t.same(calls, ['gc', 'trim'], 'collected first, then trimmed');
  rss = 120;
  clock.advance(1000);
  t.same(calls, ['gc', 'trim'], 'back within the slack: nothing');
  stop();
  const onlyGc = startMemoryTrimmer({ clock, log, intervalMs: 1000, slackBytes: 50, rss: () => rss, gc: () => void calls.push('gc only') });
  rss = 500;
  clock.advance(1000);
  t.equal(calls.at(-1), 'gc only', 'without the addon the GC still runs');
  onlyGc();
});
