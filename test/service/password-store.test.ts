// PasswordStore against a temp sysroot: hash-only file (0600), verify, change rules, the header
// cache and its invalidation (RPC change, and a change by another process).
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SysrootFs } from '../../src/host/host-fs.js';
import { PasswordStore, parsePasswordHash, parseBasicAuth } from '../../src/services/auth/password-store.js';
import { authMethods } from '../../src/rpc/methods/auth.js';
import { FakeClock, basic, silentLog, tempSysroot, testConfig } from '../rpc/transport-helpers.js';

function makeStore(sysroot = tempSysroot()) {
  const config = testConfig(sysroot);
  const clock = new FakeClock();
  const store = new PasswordStore({ config, fs: new SysrootFs(sysroot), clock, log: silentLog });
  return { store, clock, file: path.join(sysroot, 'etc/hvagent/password'), sysroot };
}

t.test('only a salted scrypt hash is stored, mode 0600', async (t) => {
  const { store, file } = makeStore();
  t.equal(await store.isSet(), false);
  t.equal(await store.verify('oracle', 'anything'), false, 'no password: nobody gets in');
  await store.set('s3cret-pw');
  t.equal(await store.isSet(), true);
  const text = fs.readFileSync(file, 'utf8');
  t.match(text, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+\n$/);
  t.notMatch(text, /s3cret/);
  t.equal(fs.statSync(file).mode & 0o777, 0o600);
  t.ok(parsePasswordHash(text));
  await store.set('s3cret-pw');
  t.not(fs.readFileSync(file, 'utf8'), text, 'a new salt every time');
});

t.test('verify: right pair only', async (t) => {
  const { store, sysroot } = makeStore();
  await store.set('pw');
  t.equal(await store.verify('oracle', 'pw'), true);
  t.equal(await store.verify('oracle', 'pW'), false);
  t.equal(await store.verify('root', 'pw'), false);
  t.equal(await store.verify('oracle', ''), false);
  const fresh = makeStore(sysroot).store;
  t.equal(await fresh.verify('oracle', 'pw'), true, 'another instance reads the file');
});

t.test('a broken file lets nobody in', async (t) => {
  const { store, file } = makeStore();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, 'plaintext-password\n');
  t.equal(await store.verify('oracle', 'plaintext-password'), false);
  for (const bad of ['scrypt$3$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==', 'scrypt$16384$8$1$$', 'md5$x']) {
    t.equal(parsePasswordHash(bad), undefined, bad);
  }
});

t.test('change: user, old password and new-password rules', async (t) => {
  const { store } = makeStore();
  await store.set('first');
  await t.rejects(store.change('root', 'x'), { code: 'INVALID_ARGUMENT' });
  await t.rejects(store.change('oracle', 'second', 'wrong-old'), { code: 'BAD_PASSWORD' });
  t.equal(await store.verify('oracle', 'first'), true, 'unchanged after a refused change');
  await t.rejects(store.change('oracle', ''), { code: 'INVALID_ARGUMENT' });
  await t.rejects(store.change('oracle', 'x'.repeat(257)), { code: 'INVALID_ARGUMENT' });
  await t.rejects(store.change('oracle', 'a\nb'), { code: 'INVALID_ARGUMENT' });
  await store.change('oracle', 'second', 'first');
  t.equal(await store.verify('oracle', 'second'), true);
  await store.change('oracle', 'third');
  t.equal(await store.verify('oracle', 'third'), true, 'oldpass is optional');
});

t.test('update_agent_password method: secret args and nil result', async (t) => {
  const { store } = makeStore();
  await store.set('a');
  const [m] = authMethods(store);
  t.equal(m.name, 'update_agent_password');
  t.same(m.secretArgs, [1, 2]);
  t.equal(m.access, 'owned');
  t.notOk(m.params.safeParse(['oracle']).success);
  t.ok(m.params.safeParse(['oracle', 'b']).success);
  const args = m.params.parse(['oracle', 'b', 'a']);
  t.equal(await m.handler(args, {} as never), null);
  t.equal(await store.verify('oracle', 'b'), true);
});

t.test('header cache: hit after verify, cleared on change, on a file change by another process', async (t) => {
  const { store, clock, sysroot } = makeStore();
  await store.set('pw');
  const h = basic('oracle', 'pw');
  t.equal(store.isCachedHeader(h), false);
  t.equal(await store.verifyHeader(h), true);
  t.equal(store.isCachedHeader(h), true);
  t.equal(await store.verifyHeader(basic('oracle', 'nope')), false);
  t.equal(store.isCachedHeader(basic('oracle', 'nope')), false, 'failures are not cached');
  // `hvagent passwd` in another process rewrites the file.
  await makeStore(sysroot).store.set('other');
  t.equal(store.isCachedHeader(h), true, 'within the recheck period the cache still answers');
  clock.t += 10_000;
  store.isCachedHeader(h); // starts the recheck
  await store.settled();
  t.equal(store.isCachedHeader(h), false, 'dropped once the file change is seen');
  t.equal(await store.verifyHeader(h), false);
  t.equal(await store.verifyHeader(basic('oracle', 'other')), true);
});

t.test('concurrent checks of one header share one scrypt; a change in between is not cached', async (t) => {
  const { store } = makeStore();
  await store.set('pw');
  let runs = 0;
  const verify = store.verify.bind(store);
  store.verify = async (u: string, p: string) => {
    runs++;
    return verify(u, p);
  };
  const h = basic('oracle', 'pw');
  const results = await Promise.all(Array.from({ length: 20 }, () => store.verifyHeader(h)));
  t.same(new Set(results), new Set([true]));
  t.equal(runs, 1, 'one verification for 20 concurrent requests');
  const other = basic('oracle', 'pw2');
  store.invalidate();
  const racing = store.verifyHeader(h);
  store.invalidate(); // e.g. the file changed while scrypt ran
  t.equal(await racing, true);
  t.equal(store.isCachedHeader(h), false, 'not cached: the password may have changed meanwhile');
  t.equal(await store.verifyHeader(other), false);
});

t.test('parseBasicAuth', async (t) => {
  t.same(parseBasicAuth(basic('oracle', 'a:b')), { user: 'oracle', password: 'a:b' });
  t.same(parseBasicAuth('basic ' + Buffer.from('u:').toString('base64')), { user: 'u', password: '' });
  t.equal(parseBasicAuth(undefined), undefined);
  t.equal(parseBasicAuth('Digest x'), undefined);
  t.equal(parseBasicAuth('Basic ' + Buffer.from('nocolon').toString('base64')), undefined);
});
