// The lock manager alone: shared and exclusive holds, all-or-nothing acquisition, the fault a
// conflict raises (naming the holder), same-owner holds, release.
import t from 'tap';
import { LockManager, exclusive, shared } from '../../src/core/locks.js';

const A = { id: 'call:a', what: 'stop_vm (call a)' };
const B = { id: 'call:b', what: 'start_vm (call b)' };

t.test('shared holds coexist; exclusive excludes both ways', async (t) => {
  const m = new LockManager();
  const a = m.acquire(A, [shared('repository:r')]);
  const b = m.acquire(B, [shared('repository:r')]);
  t.equal(m.holds('repository:r').length, 2);
  t.throws(() => m.acquire({ id: 'call:c', what: 'delete_repository (call c)' }, [exclusive('repository:r', 'REPO_IN_USE')]), {
    code: 'REPO_IN_USE',
    message: /delete_repository \(call c\) cannot run now: stop_vm \(call a\) holds the repository:r lock \(shared\)/,
  });
  a.release();
  b.release();
  const x = m.acquire(A, [exclusive('repository:r')]);
  t.throws(() => m.acquire(B, [shared('repository:r')]), { code: 'BUSY', detail: { lock: 'repository:r', holder: 'call:a' } });
  x.release();
  t.notOk(m.isHeld('repository:r'));
});

t.test('all or nothing: a conflict on the second resource leaves the first untaken', async (t) => {
  const m = new LockManager();
  m.acquire(A, [exclusive('vm:r/2')]);
  t.throws(() => m.acquire(B, [exclusive('vm:r/1'), exclusive('vm:r/2')]), { code: 'BUSY' });
  t.notOk(m.isHeld('vm:r/1'));
});

t.test('one owner never conflicts with itself; each hold is released once', async (t) => {
  const m = new LockManager();
  const one = m.acquire(A, [exclusive('vm:r/1'), shared('vm:r/1')]);
  const two = m.acquire(A, [exclusive('vm:r/1')]);
  one.release();
  one.release();
  t.ok(m.isHeld('vm:r/1'), 'the second hold remains');
  t.throws(() => m.acquire(B, [shared('vm:r/1')]), { code: 'BUSY' });
  two.release();
  t.notOk(m.isHeld('vm:r/1'));
  t.same(m.holds(), []);
});

t.test('no requests: nothing held, nothing to release', async (t) => {
  const m = new LockManager();
  m.acquire(A, []).release();
  t.same(m.holds(), []);
});
