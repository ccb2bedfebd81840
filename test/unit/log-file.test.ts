// agent.log's destination: batched UTF-8 writes, flushed on a full batch, on a timer and on
// close; appends after logrotate's copytruncate; a failing disk never throws.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LogFile } from '../../src/services/logging/log-file.js';

const read = (f: string) => fs.readFileSync(f, 'utf8');

t.test('lines wait for a full batch or a flush, in order and intact', async (t) => {
  const dir = t.testdir();
  const f = path.join(dir, 'sub', 'agent.log');
  const lf = new LogFile(f, { batchBytes: 1024, flushEveryMs: 0 });
  t.teardown(() => lf.end());
  t.equal(read(f), '', 'the file (and its directory) exist from the start');
  lf.write('{"a":"één ☃ 𝄞"}\n');
  t.equal(read(f), '', 'one line is kept in memory');
  lf.flush();
  t.equal(read(f), '{"a":"één ☃ 𝄞"}\n', 'multi-byte text is written as UTF-8');
  const lines = Array.from({ length: 40 }, (_, i) => `{"n":${i},"pad":"${'x'.repeat(40)}"}\n`);
  for (const l of lines) lf.write(l);
  const written = read(f);
  t.ok(written.length > 17 && written.length < 17 + lines.join('').length, 'a full batch was written by itself, the rest waits');
  lf.flush();
  t.equal(read(f), '{"a":"één ☃ 𝄞"}\n' + lines.join(''));
});

t.test('a line larger than the buffer is written at once, after what was pending', async (t) => {
  const f = path.join(t.testdir(), 'agent.log');
  const lf = new LogFile(f, { batchBytes: 64, flushEveryMs: 0 });
  lf.write('first\n');
  const big = `${'y'.repeat(500)}\n`;
  lf.write(big);
  t.equal(read(f), 'first\n' + big);
  lf.end();
});

t.test('the timer writes what is pending; end() writes the rest and closes', async (t) => {
  const f = path.join(t.testdir(), 'agent.log');
  const lf = new LogFile(f, { flushEveryMs: 20 });
  lf.write('tick\n');
  for (let i = 0; i < 100 && read(f) === ''; i++) await new Promise((r) => setTimeout(r, 10));
  t.equal(read(f), 'tick\n', 'flushed by the timer');
  lf.write('last\n');
  lf.end();
  t.equal(read(f), 'tick\nlast\n', 'end() flushes');
  t.equal(lf.write('after\n'), false, 'writes after end() are refused');
  t.equal(read(f), 'tick\nlast\n');
});

t.test('after copytruncate the next lines start the emptied file', async (t) => {
  const f = path.join(t.testdir(), 'agent.log');
  const lf = new LogFile(f, { flushEveryMs: 0 });
  t.teardown(() => lf.end());
  lf.write(`${'old'.repeat(100)}\n`);
  lf.flush();
  fs.copyFileSync(f, `${f}.1`);
  fs.truncateSync(f, 0);
  lf.write('new\n');
  lf.flush();
  t.equal(read(f), 'new\n', 'no hole of NUL bytes where the old text was');
});

t.test('a disk that refuses writes drops lines and never throws', async (t) => {
  const errors: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (errors.push(String(s)), true)) as typeof process.stderr.write;
  t.teardown(() => {
    process.stderr.write = orig;
  });
  const lf = new LogFile('/dev/full', { flushEveryMs: 0 });
  lf.write('a\n');
  t.doesNotThrow(() => lf.flush());
  lf.write('b\n');
  t.doesNotThrow(() => lf.flush());
  t.doesNotThrow(() => lf.end());
  t.equal(errors.length, 1, 'reported once on stderr');
  t.match(errors[0], /cannot write \/dev\/full: .*dropping log lines/);
});

t.test('lines still pending when the process dies of an uncaught exception reach the file', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const f = path.join(t.testdir(), 'agent.log');
  const mod = new URL('../../src/services/logging/log-file.ts', import.meta.url).pathname;
  const script = `import { LogFile } from ${JSON.stringify(mod)}; const lf = new LogFile(${JSON.stringify(f)}, { flushEveryMs: 0 }); lf.write('last words\\n'); setTimeout(() => { throw new Error('boom'); }, 5);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  t.not(r.status, 0, 'the process died');
  t.equal(read(f), 'last words\n');
});
