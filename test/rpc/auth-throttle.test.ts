// AuthThrottle alone with a fake clock: doubling bounded delays per address and over all
// addresses together, expiry, and the bounded address table.
import t from 'tap';
import { AuthThrottle } from '../../src/rpc/auth-throttle.js';
import { FakeClock } from './transport-helpers.js';

t.test('delays double after the threshold and stop at the bound', async (t) => {
  const clock = new FakeClock();
  const th = new AuthThrottle({ clock, failuresBeforeDelay: 3 });
  const seen: number[] = [];
  for (let i = 0; i < 10; i++) seen.push(th.failed('10.0.0.1').delayMs);
  t.same(seen, [0, 0, 0, 250, 500, 1000, 2000, 4000, 8000, 8000]);
  t.equal(th.failures('10.0.0.2'), 0, 'per address');
  th.recordSuccess('10.0.0.1');
  t.equal(th.failures('10.0.0.1'), 0);
});

t.test('guesses spread over many addresses are held back too (global bound)', async (t) => {
  const clock = new FakeClock();
  const th = new AuthThrottle({ clock, failuresBeforeDelay: 3, globalFailuresBeforeDelay: 10 });
  const seen: number[] = [];
  // 60 addresses, one guess each: no address alone reaches its threshold.
  for (let i = 0; i < 60; i++) seen.push(th.failed(`10.1.0.${i}`).delayMs);
  t.same(seen.slice(0, 10), Array(10).fill(0), 'below the global bound: no delay');
  t.equal(seen[10], 250, 'past it: every failure is held back');
  t.equal(seen.at(-1), th.maxDelayMs, 'doubling up to the bound');
  t.ok(seen.every((d, i) => i === 0 || d >= seen[i - 1]), 'never shrinking while the flood lasts');
  clock.t += th.forgetAfterMs;
  t.equal(th.globalFailures(), 0, 'forgotten after a quiet period');
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
