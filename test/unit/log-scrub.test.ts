// Secrets never reach a log line: the root logger scrubs secret keys at any depth, and leaves
// objects without secrets untouched (no copy).
import t from 'tap';
import { Writable } from 'node:stream';
import { scrubSecrets, createRootLogger } from '../../src/services/logging/logger.js';

t.test('scrubSecrets', async (t) => {
  const clean = { method: 'echo', args: ['x', { a: 1 }] };
  t.equal(scrubSecrets(clean), clean, 'no secret: the same object');
  const dirty = { ss: { name: 'n', admin_passwd: 'hunter2', chap: { user: 'u' } }, list: [{ password: 'p' }], password: 'top' };
  const out = scrubSecrets(dirty);
  t.same(out, { ss: { name: 'n', admin_passwd: '***', chap: '***' }, list: [{ password: '***' }], password: '***' });
  t.equal(dirty.ss.admin_passwd, 'hunter2', 'the original is not modified');
  const err = new Error('boom');
  t.equal(scrubSecrets(err), err);
});

t.test('the root logger writes no secret', async (t) => {
  let text = '';
  const stream = new Writable({
    write(c, _e, cb) {
      text += c.toString();
      cb();
    },
  });
  const { log } = createRootLogger({ level: 'info', stdout: false, stream });
  log.info({ manager_certificate: 'PEMDATA', ss_record: { admin_passwd: 'hunter2' }, args: [{ authorization: 'Basic b3JhY2xlOnB3' }] }, 'x');
  t.notMatch(text, /PEMDATA|hunter2|b3JhY2xlOnB3/);
  t.match(text, /\*\*\*/);
});

t.test('START/FINISH written directly match what pino writes, secrets redacted', async (t) => {
  const { logCallStart, logCallOk } = await import('../../src/services/logging/call-lines.js');
  const { summarizeArgs, summarizeArgsJson } = await import('../../src/rpc/log-args.js');
  const lines: string[] = [];
  const stream = new Writable({
    write(c, _e, cb) {
      lines.push(...c.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const root = createRootLogger({ level: 'info', stdout: false, stream });
  const log = root.log.child({ component: 'transport' });
  const args = ['x', { password: 'hunter2', nested: { authorization: 'Basic b3JhY2xl' }, n: 1.5, s: 'quote " and \\ and \u2603' }];
  const noTime = (l: string) => l.replace(/"time":"[^"]+"/, '"time":"T"');
  logCallStart(log, 'echo', 'id-1', '127.0.0.1', summarizeArgsJson(args));
  log.info({ method: 'echo', callId: 'id-1', caller: '127.0.0.1', args: summarizeArgs(args) }, 'START');
  logCallOk(log, 'echo', 'id-1', 0.25);
  log.info({ method: 'echo', callId: 'id-1', ms: 0.25, ok: true }, 'FINISH');
  t.equal(lines.length, 4);
  t.equal(noTime(lines[0]), noTime(lines[1]), 'START: the same text as log.info');
  t.equal(noTime(lines[2]), noTime(lines[3]), 'FINISH: the same text as log.info');
  t.notMatch(lines[0], /hunter2|b3JhY2xl/);
  t.match(JSON.parse(lines[0]), { level: 30, component: 'transport', method: 'echo', args: ['x', { password: '***', nested: { authorization: '***' } }], msg: 'START' });
  root.close();
});

t.test('a logger not made by createRootLogger gets the lines through log.info', async (t) => {
  const { logCallStart } = await import('../../src/services/logging/call-lines.js');
  const seen: unknown[] = [];
  const fake = { isLevelEnabled: () => true, info: (...a: unknown[]) => seen.push(a) } as unknown as import('pino').Logger;
  logCallStart(fake, 'echo', 'id-2', '10.0.0.1', '[]');
  t.same(seen, [[{ method: 'echo', callId: 'id-2', caller: '10.0.0.1', args: [] }, 'START']]);
});

t.test('direct lines respect the logger level', async (t) => {
  const { logCallStart, logCallOk } = await import('../../src/services/logging/call-lines.js');
  let text = '';
  const stream = new Writable({
    write(c, _e, cb) {
      text += c.toString();
      cb();
    },
  });
  const root = createRootLogger({ level: 'warn', stdout: false, stream });
  logCallStart(root.log, 'echo', 'id-3', '127.0.0.1', '[]');
  logCallOk(root.log, 'echo', 'id-3', 1);
  t.equal(text, '', 'nothing at level warn');
  root.log.level = 'info';
  logCallOk(root.log, 'echo', 'id-3', 1);
  t.match(text, /"msg":"FINISH"/, 'a live level change takes effect');
  root.close();
});
