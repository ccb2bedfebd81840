// AuthThrottle alone with a fake clock: doubling bounded delays, spacing of parallel checks from
// one address (excess refused unchecked), expiry, and the bounded address table.
import t from 'tap';
import { AuthThrottle } from '../../src/rpc/auth-throttle.js';
import { FakeClock } from './transport-helpers.js';

t.test('delays double after the threshold and stop at the bound', async (t) => {
  const clock = new FakeClock();
  const th = new AuthThrottle({ clock, failuresBeforeDelay: 3 });
  const seen: number[] = [];
  for (let i = 0; i < 10; i++) {
    seen.push(th.delayFor('10.0.0.1'));
    th.recordFailure('10.0.0.1');
  }
  t.same(seen, [0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000]);
  t.equal(th.delayFor('10.0.0.2'), 0, 'per address');
  th.recordSuccess('10.0.0.1');
  t.equal(th.delayFor('10.0.0.1'), 0);
});

t.test('parallel checks from one address are spaced out; beyond the bound they are refused', async (t) => {
  const clock = new FakeClock();
  const th = new AuthThrottle({ clock, failuresBeforeDelay: 1, maxDelayMs: 1000 });
  th.recordFailure('a');
  t.equal(th.admit('b'), 0, 'a clean address waits for nothing');
  const waits = Array.from({ length: 6 }, () => th.admit('a'));
  t.same(waits, [250, 500, 750, 1000, undefined, undefined]);
  clock.t += 1000;
  t.equal(th.admit('a'), 250, 'once the queue has drained, checks are admitted again');
});

t.test('state expires and the table stays bounded', async (t) => {
  const clock = new FakeClock();
  const th = new AuthThrottle({ clock, failuresBeforeDelay: 1, forgetAfterMs: 1000, maxAddresses: 100 });
  for (let i = 0; i < 500; i++) th.recordFailure(`10.0.${i >> 8}.${i & 255}`);
  t.ok(th.size <= 100, `size ${th.size}`);
  t.equal(th.failures('10.0.1.243'), 1, 'the most recent address is kept');
  clock.t += 1000;
  t.equal(th.failures('10.0.1.243'), 0, 'expired');
});
