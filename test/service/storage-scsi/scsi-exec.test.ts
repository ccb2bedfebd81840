// runScsi: secrets blanked from argv, output and faults; a hung tool is stopped and reported.
import t from 'tap';
import { HostExec } from '../../../src/host/exec.js';
import { runScsi, scsiFault } from '../../../src/host/storage/scsi-exec.js';
import { failure } from '../../helpers/failure.js';

t.test('secrets never leave runScsi', async (t) => {
  const r = await runScsi(new HostExec(), ['sh', '-c', 'echo "out $0"; echo "err $0" >&2; exit 3', 'tops3cret'], { timeoutMs: 10_000, secrets: ['tops3cret'] });
  t.equal(r.code, 3);
  t.same(r.argv, ['sh', '-c', 'echo "out $0"; echo "err $0" >&2; exit 3', '***']);
  t.equal(r.stdout, 'out ***\n');
  t.equal(r.stderr, 'err ***\n');
  const e = scsiFault('STORAGE_COMMAND_FAILED', 'probe', r);
  t.notMatch(JSON.stringify({ m: e.message, d: e.detail }), /tops3cret/);
  t.match(e.message, /probe: sh exit 3: err \*\*\*/);
});

t.test('environment credentials reach the tool, not its argv', async (t) => {
  const r = await runScsi(new HostExec(), ['sh', '-c', 'test "$LIBISCSI_CHAP_PASSWORD" = envs3cret && echo ok'], { timeoutMs: 10_000, env: { LIBISCSI_CHAP_PASSWORD: 'envs3cret' }, secrets: ['envs3cret'] });
  t.equal(r.stdout, 'ok\n');
});

t.test('a hung tool is killed and reported as timed out', async (t) => {
  const r = await runScsi(new HostExec(), ['sleep', '30'], { timeoutMs: 200 });
  t.equal(r.timedOut, true);
  t.match(r.stderr, /timed out after 200 ms/);
  const missing = await runScsi(new HostExec(), ['hvi-no-such-tool'], { timeoutMs: 1000 });
  t.equal(missing.code, 127);
  const thrown = await failure(runScsi({ run: () => Promise.reject(new Error('spawn EPERM tops3cret')) }, ['x'], { timeoutMs: 1000, secrets: ['tops3cret'] }));
  t.equal(thrown.code, 'STORAGE_COMMAND_FAILED');
  t.notMatch(thrown.message, /tops3cret/);
});
