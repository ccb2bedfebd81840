// The START line's argument text: with its shortcut for plain scalars, it must be exactly the
// JSON of the summary (truncation, redaction, binary as a size), and cover every secret key the
// logger knows.
import t from 'tap';
import { SECRET_KEY, summarizeArgs, summarizeArgsJson } from '../../src/rpc/log-args.js';
import { SECRET_KEYS } from '../../src/services/logging/logger.js';
import { seededRandom as random } from '../helpers/random.js';

const KEYS = ['name', 'uuid', 'password', 'ss_record', 'Authorization', 'key_pem', 'chap', 'a"b', 'é', 'x', 'y', '__proto__'];

function value(r: () => number, depth: number): unknown {
  const k = Math.floor(r() * (depth > 5 ? 9 : 13));
  switch (k) {
    case 0: return 'text';
    case 1: return 'q"uote\\ \u2603 \u0001 ' + 'L'.repeat(Math.floor(r() * 260));
    case 2: return Math.floor(r() * 2000) - 1000;
    case 3: return [NaN, -0, Infinity, 1.5e300, 0.1][Math.floor(r() * 5)];
    case 4: return r() < 0.5;
    case 5: return null;
    case 6: return BigInt(Math.floor(r() * 1e6)) * 10n ** 20n;
    case 7: return new Date(Date.UTC(2026, 10, 22, 12, 0, Math.floor(r() * 60)));
    case 8: return Buffer.alloc(Math.floor(r() * 40));
    case 9: return Array.from({ length: Math.floor(r() * 25) }, () => value(r, depth + 1));
    case 10: {
      const o: Record<string, unknown> = {};
      const n = Math.floor(r() * 24);
      for (let i = 0; i < n; i++) {
        // As the decoder does: a member called __proto__ is data, never a prototype.
        const key = `${KEYS[Math.floor(r() * KEYS.length)]}${i % 3 ? i : ''}`;
        Object.defineProperty(o, key, { value: value(r, depth + 1), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    case 11: return { password: undefined, keep: undefined, f: () => 1 };
    default: return [undefined, 'after'];
  }
}

t.test('the START text is exactly JSON.stringify(summarizeArgs(...))', async (t) => {
  const r = random(7);
  const bad: string[] = [];
  for (let i = 0; i < 3000; i++) {
    const params = Array.from({ length: Math.floor(r() * 4) }, () => value(r, 0));
    const secret = r() < 0.3 ? [0] : [];
    const want = JSON.stringify(summarizeArgs(params, secret));
    const got = summarizeArgsJson(params, secret);
    if (got !== want) bad.push(`${got}\n!==\n${want}`);
  }
  t.same(bad.slice(0, 2), [], `${bad.length} of 3000 differ`);
});

t.test('every secret key of the logger is redacted in START arguments', async (t) => {
  for (const k of SECRET_KEYS) t.ok(SECRET_KEY.test(k), k);
  t.equal(summarizeArgsJson(['u', 'hunter2', { ss: { admin_passwd: 'p', authorization: 'Basic x' } }], [1]), '["u","***",{"ss":{"admin_passwd":"***","authorization":"***"}}]');
});
