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
