// RpcServer over real loopback sockets with a temp sysroot: paths, methods, auth and its
// throttle, body limit, plain HTTP, key pair generation/reuse and mutual TLS.
import t from 'tap';
import type { Test } from 'tap';

type Tap = Test;
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as https from 'node:https';
import * as net from 'node:net';
import { SysrootFs } from '../../src/host/host-fs.js';
import { HostExec } from '../../src/host/exec.js';
import { TlsKeyPair } from '../../src/host/tls.js';
import { PasswordStore } from '../../src/services/auth/password-store.js';
import { RpcServer, type WireBase } from '../../src/rpc/transport.js';
import type { AgentConfigInput } from '../../src/core/config/schema.js';
import { FakeClock, echoCall, rawRequest, silentLog, tempSysroot, testConfig, basic } from './transport-helpers.js';

const PASSWORD = 'correct horse';
const OK_XML = '<?xml version="1.0"?><methodResponse><params><param><value><string>ok</string></value></param></params></methodResponse>';

async function startServer(
  t: Tap,
  rpc: NonNullable<AgentConfigInput['rpc']> = {},
  sysroot = tempSysroot(),
  handle?: (body: Buffer, base: WireBase) => string | Promise<string>,
) {
  const config = testConfig(sysroot, rpc);
  const hostFs = new SysrootFs(sysroot);
  const clock = new FakeClock();
  const passwords = new PasswordStore({ config, fs: hostFs, clock, log: silentLog });
  if (!(await passwords.isSet())) await passwords.set(PASSWORD);
  const keyPair = new TlsKeyPair({ config, fs: hostFs, exec: new HostExec(), log: silentLog, hostName: 'testhost' });
  const tls = config.rpc.tls ? await keyPair.ensure() : undefined;
  const calls: Array<{ body: string; base: WireBase }> = [];
  const server = new RpcServer({
    rpc: config.rpc,
    log: silentLog,
    clock,
    passwords,
    tls,
    handle: (body, base) => {
      calls.push({ body: body.toString('utf8'), base });
      return handle ? handle(body, base) : Promise.resolve(OK_XML);
    },
  });
  const bound = await server.start();
  t.teardown(() => server.stop(100));
  return { server, port: bound.port, calls, clock, tls, sysroot, config, passwords };
}

t.test('the four paths answer; others 404; non-POST 405; Content-Type text/xml', async (t) => {
  const s = await startServer(t);
  for (const p of ['/', '/RPC2', '/api/3', '/api/3/']) {
    const r = await rawRequest({ port: s.port, path: p, body: echoCall('x'), password: PASSWORD, ca: s.tls!.cert });
    t.equal(r.status, 200, p);
    t.equal(r.headers['content-type'], 'text/xml', p);
    t.equal(r.body, OK_XML, p);
  }
  t.equal(s.calls.length, 4);
  t.equal(s.calls[0].body, echoCall('x'));
  t.equal(s.calls[0].base.remoteAddress, '127.0.0.1');
  t.equal(s.calls[0].base.localAddress, '127.0.0.1');
  t.equal(s.calls[0].base.user, 'oracle');
  t.equal(s.calls[0].base.maxDepth, 64, 'rpc.maxXmlDepth goes to the codec');
  for (const p of ['/api', '/RPC', '/api/4', '/x/RPC2']) {
    t.equal((await rawRequest({ port: s.port, path: p, password: PASSWORD })).status, 404, p);
  }
  const get = await rawRequest({ port: s.port, path: '/RPC2', method: 'GET', password: PASSWORD });
  t.equal(get.status, 405);
  t.equal(get.headers.allow, 'POST');
  t.equal(s.calls.length, 4, 'nothing ran for 404/405');
});

t.test('missing or wrong password: 401 with a Basic challenge, handler not called', async (t) => {
  const s = await startServer(t);
  const cases = [
    { name: 'missing', password: undefined },
    { name: 'wrong password', password: 'wrong' },
    { name: 'wrong user', password: PASSWORD, user: 'root' },
    { name: 'empty password', password: '' },
  ];
  for (const c of cases) {
    const r = await rawRequest({ port: s.port, body: echoCall('x'), password: c.password, user: c.user });
    t.equal(r.status, 401, c.name);
    t.equal(r.headers['www-authenticate'], 'Basic realm="hvagent"', c.name);
  }
  for (const header of ['Bearer abc', 'Basic !!!', 'Basic ' + Buffer.from('nocolon').toString('base64')]) {
    const r = await rawRequest({ port: s.port, body: echoCall('x'), headers: { Authorization: header } });
    t.equal(r.status, 401, header);
  }
  t.equal(s.calls.length, 0, 'the handler never ran');
  const ok = await rawRequest({ port: s.port, body: echoCall('x'), password: PASSWORD });
  t.equal(ok.status, 200);
  t.equal(s.calls.length, 1);
});

t.test('repeated failures from one address hold back their 401, bounded; the right password is not delayed', async (t) => {
  const s = await startServer(t, { authFailuresBeforeDelay: 2 });
  const th = s.server.throttle;
  for (let i = 0; i < 4; i++) await rawRequest({ port: s.port, body: echoCall('x'), password: `guess${i}` });
  t.equal(th.failures('127.0.0.1'), 4);
  t.same(s.clock.sleeps, [250, 500], 'the 3rd and 4th 401s were held back, doubling');
  for (let i = 0; i < 10; i++) await rawRequest({ port: s.port, body: echoCall('x'), password: `more${i}` });
  t.equal(s.clock.sleeps.at(-1), th.maxDelayMs, 'the delay is bounded');
  t.equal(s.calls.length, 0);
  const before = s.clock.sleeps.length;
  const ok = await rawRequest({ port: s.port, body: echoCall('x'), password: PASSWORD });
  t.equal(ok.status, 200, 'the right password works');
  t.equal(s.clock.sleeps.length, before, 'and was not held back by the failures');
  t.equal(th.failures('127.0.0.1'), 0, 'success clears the address');
  // A missing header is not a guess.
  await rawRequest({ port: s.port, body: echoCall('x') });
  t.equal(th.failures('127.0.0.1'), 0);
  // The state expires when the address stays quiet.
  for (let i = 0; i < 3; i++) await rawRequest({ port: s.port, body: echoCall('x'), password: 'bad' });
  t.equal(th.failures('127.0.0.1'), 3);
  s.clock.t += th.forgetAfterMs;
  t.equal(th.failures('127.0.0.1'), 0, 'forgotten after the quiet period');
});

t.test('a body over maxBodyBytes gets 413 and nothing runs', async (t) => {
  const s = await startServer(t, { maxBodyBytes: 4096 });
  const big = echoCall('y'.repeat(5000));
  const r = await rawRequest({ port: s.port, body: big, password: PASSWORD });
  t.equal(r.status, 413, 'declared length over the limit');
  t.equal(r.headers.connection, 'close');
  // Chunked: no length up front, so the server counts while reading.
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: s.port, path: '/RPC2', method: 'POST', rejectUnauthorized: false, agent: false,
        headers: { Authorization: basic('oracle', PASSWORD), 'Transfer-Encoding': 'chunked' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.write('a'.repeat(3000));
    setImmediate(() => req.end('b'.repeat(3000)));
  });
  t.equal(chunked, 413, 'streamed body over the limit');
  t.equal(s.calls.length, 0);
  const ok = await rawRequest({ port: s.port, body: echoCall('small'), password: PASSWORD });
  t.equal(ok.status, 200, 'a body under the limit passes');
});

t.test('keep-alive: several calls on one connection, auth cached', async (t) => {
  const s = await startServer(t);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  for (let i = 0; i < 5; i++) {
    const r = await rawRequest({ port: s.port, body: echoCall(String(i)), password: PASSWORD, agent });
    t.equal(r.status, 200);
    t.equal(r.headers.connection, 'keep-alive');
  }
  t.equal(s.calls.length, 5);
  t.ok(s.passwords.isCachedHeader(basic('oracle', PASSWORD)), 'the verified header is cached');
  t.notOk(s.passwords.isCachedHeader(basic('oracle', 'other')));
  await s.passwords.change('oracle', 'new secret');
  t.notOk(s.passwords.isCachedHeader(basic('oracle', PASSWORD)), 'a password change empties the cache');
  const old = await rawRequest({ port: s.port, body: echoCall('x'), password: PASSWORD, agent });
  t.equal(old.status, 401, 'the old password stops working at once');
});

t.test('a connection that showed the password keeps it only while it stays valid', async (t) => {
  const s = await startServer(t);
  const agent = new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  const call = (password: string) => rawRequest({ port: s.port, body: echoCall('x'), password, agent });
  t.equal((await call(PASSWORD)).status, 200);
  // `hvagent passwd` in another process rewrites the file; the agent notices within its recheck period.
  await new PasswordStore({ config: s.config, fs: new SysrootFs(s.sysroot), clock: s.clock, log: silentLog }).set('other');
  s.clock.t += 10_000;
  t.equal((await call(PASSWORD)).status, 200, 'the call that starts the recheck still passes');
  await s.passwords.settled();
  t.equal((await call(PASSWORD)).status, 401, 'then the old password is refused on the same connection');
  t.equal((await call('other')).status, 200);

  // A password change while a header is being checked: the connection must not keep it.
  const store = s.passwords;
  const verify = store.verifyHeader.bind(store);
  let checks = 0;
  store.verifyHeader = async (h) => {
    checks++;
    const ok = await verify(h);
    if (checks === 1) store.invalidate();
    return ok;
  };
  store.invalidate();
  t.equal((await call('other')).status, 200);
  t.equal((await call('other')).status, 200);
  t.equal(checks, 2, 'the header was checked again after the change');
});

t.test('plain HTTP when rpc.tls is false', async (t) => {
  const s = await startServer(t, { tls: false });
  const r = await rawRequest({ port: s.port, tls: false, body: echoCall('x'), password: PASSWORD });
  t.equal(r.status, 200);
  t.equal(r.body, OK_XML);
  const bad = await rawRequest({ port: s.port, tls: false, body: echoCall('x'), password: 'no' });
  t.equal(bad.status, 401);
  t.notOk(fs.existsSync(path.join(s.sysroot, 'etc/hvagent/cert/agent.key')), 'no key pair made in plain mode');
});

t.test('key pair generated on first start (key 0600) and reused on the second', async (t) => {
  const sysroot = tempSysroot();
  const first = await startServer(t, {}, sysroot);
  t.ok(first.tls!.generated);
  const keyPath = path.join(sysroot, 'etc/hvagent/cert/agent.key');
  t.equal(fs.statSync(keyPath).mode & 0o777, 0o600);
  t.match(fs.readFileSync(path.join(sysroot, 'etc/hvagent/cert/agent.crt'), 'utf8'), /BEGIN CERTIFICATE/);
  const r = await rawRequest({ port: first.port, body: echoCall('x'), password: PASSWORD, ca: first.tls!.cert });
  t.equal(r.status, 200, 'the generated cert verifies for 127.0.0.1');
  await first.server.stop(100);
  const second = await startServer(t, {}, sysroot);
  t.notOk(second.tls!.generated, 'not regenerated');
  t.equal(second.tls!.fingerprint256, first.tls!.fingerprint256);
  const kp = new TlsKeyPair({ config: second.config, fs: new SysrootFs(sysroot), exec: new HostExec(), log: silentLog });
  const regen = await kp.regenerate();
  t.not(regen.fingerprint256, first.tls!.fingerprint256, 'keygen makes a new pair');
  fs.writeFileSync(keyPath, 'garbage');
  await t.rejects(kp.ensure(), { code: 'CONFIG_INVALID' }, 'a broken pair is reported, not overwritten');
});

function openssl(cwd: string, ...argv: string[]) {
  return new HostExec().run(['openssl', ...argv.map((a) => (a.startsWith('@') ? path.join(cwd, a.slice(1)) : a))]);
}

async function makeCa(dir: string, name: string) {
  await openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `@${name}-ca.key`, '-out', `@${name}-ca.crt`, '-subj', `/CN=${name} CA`, '-days', '2');
  await openssl(dir, 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `@${name}-client.key`, '-out', `@${name}-client.csr`, '-subj', '/CN=manager');
  await openssl(dir, 'x509', '-req', '-in', `@${name}-client.csr`, '-CA', `@${name}-ca.crt`, '-CAkey', `@${name}-ca.key`, '-CAcreateserial', '-out', `@${name}-client.crt`, '-days', '2');
  const read = (f: string) => fs.readFileSync(path.join(dir, `${name}-${f}`));
  return { cert: read('client.crt'), key: read('client.key') };
}

t.test('mutual TLS: a client certificate signed by rpc.clientCa authenticates; Basic keeps working', async (t) => {
  const sysroot = tempSysroot();
  const dir = path.join(sysroot, 'etc/hvagent');
  fs.mkdirSync(dir, { recursive: true });
  const good = await makeCa(dir, 'good');
  const other = await makeCa(dir, 'other');
  const s = await startServer(t, { clientCa: '/etc/hvagent/good-ca.crt' }, sysroot);
  const withCert = await rawRequest({ port: s.port, body: echoCall('x'), cert: good.cert, key: good.key });
  t.equal(withCert.status, 200, 'certificate alone is enough');
  const foreign = await rawRequest({ port: s.port, body: echoCall('x'), cert: other.cert, key: other.key });
  t.equal(foreign.status, 401, 'a certificate from another CA is not');
  const none = await rawRequest({ port: s.port, body: echoCall('x') });
  t.equal(none.status, 401);
  const basicOnly = await rawRequest({ port: s.port, body: echoCall('x'), password: PASSWORD });
  t.equal(basicOnly.status, 200, 'Basic auth still works');
  t.equal(s.calls.length, 2);
});

t.test('concurrent calls each get their own answer, whether the handler answers at once, later, or throws', async (t) => {
  const answer = (id: string) => `<?xml version="1.0"?><methodResponse><params><param><value><string>${id}</string></value></param></params></methodResponse>`;
  const s = await startServer(t, {}, tempSysroot(), (body) => {
    const id = /<string>([^<]*)<\/string>/.exec(body.toString('utf8'))![1];
    const n = Number(id);
    if (n % 4 === 0) return answer(id); // synchronous
    if (n % 4 === 1) return new Promise((r) => setTimeout(() => r(answer(id)), n % 7)); // later
    if (n % 4 === 2) throw new Error('sync failure'); // thrown
    return Promise.reject(new Error('async failure')); // rejected
  });
  const agent = new https.Agent({ keepAlive: true, maxSockets: 8, rejectUnauthorized: false });
  t.teardown(() => agent.destroy());
  const ids = Array.from({ length: 60 }, (_, i) => String(i));
  const results = await Promise.all(ids.map((id) => rawRequest({ port: s.port, body: echoCall(id), password: PASSWORD, agent })));
  for (const [i, r] of results.entries()) {
    t.equal(r.status, 200);
    if (i % 4 < 2) t.match(r.body, `<string>${i}</string>`, `call ${i}: its own answer`);
    else t.match(r.body, /<name>faultCode<\/name><value><int>9000<\/int>/, `call ${i}: an internal fault`);
  }
});

t.test('stop() lets a call in flight finish and answer', async (t) => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const s = await startServer(t, {}, tempSysroot(), async () => {
    await held;
    return OK_XML;
  });
  const pending = rawRequest({ port: s.port, body: echoCall('slow'), password: PASSWORD });
  while (s.calls.length === 0) await new Promise((r) => setTimeout(r, 5));
  const stopped = s.server.stop(5000);
  setTimeout(release, 50);
  const r = await pending;
  t.equal(r.status, 200);
  t.equal(r.body, OK_XML, 'the answer was written before the connection was closed');
  await stopped;
});

t.test('stop() aborts the signal given to calls and closes the port', async (t) => {
  const s = await startServer(t);
  await rawRequest({ port: s.port, body: echoCall('x'), password: PASSWORD });
  const signal = s.calls[0].base.signal;
  t.notOk(signal.aborted);
  await s.server.stop(100);
  t.ok(signal.aborted);
  await t.rejects(rawRequest({ port: s.port, body: echoCall('x'), password: PASSWORD }));
});

t.test('header timeout answers 408; an idle keep-alive connection is closed', async (t) => {
  const sysroot = tempSysroot();
  const config = testConfig(sysroot, { tls: false });
  const clock = new FakeClock();
  const passwords = new PasswordStore({ config, fs: new SysrootFs(sysroot), clock, log: silentLog });
  await passwords.set(PASSWORD);
  // Below the config minimums on purpose, to keep the test short.
  const rpc = { ...config.rpc, headersTimeoutMs: 300, keepAliveTimeoutMs: 300 };
  const server = new RpcServer({ rpc, log: silentLog, clock, passwords, handle: async () => OK_XML });
  const { port } = await server.start();
  t.teardown(() => server.stop(100));
  const slow = await new Promise<string>((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () => sock.write('POST /RPC2 HTTP/1.1\r\nHost: x\r\n'));
    let got = '';
    sock.on('data', (d) => (got += d.toString()));
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
  });
  t.match(slow, /^HTTP\/1\.1 408 /, 'incomplete headers get 408');
  const idle = await new Promise<string>((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () =>
      sock.write(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('oracle', PASSWORD)}\r\nContent-Length: 3\r\n\r\nabc`),
    );
    let got = '';
    sock.on('data', (d) => (got += d.toString()));
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
  });
  t.match(idle, /^HTTP\/1\.1 200 /, 'answered, then closed by the server once idle');
});

t.test('connections beyond rpc.maxConnections are refused with 503 and Retry-After', async (t) => {
  const s = await startServer(t, { tls: false, maxConnections: 1, ownerReservedConnections: 0 });
  const first = net.connect(s.port, '127.0.0.1');
  t.teardown(() => first.destroy());
  await new Promise((r) => first.once('connect', r));
  // The server counts the first connection once it has accepted it: retry until it has.
  let refused: { status: number; headers: Record<string, unknown> } | undefined;
  for (let i = 0; i < 100 && refused?.status !== 503; i++) {
    refused = await rawRequest({ port: s.port, tls: false, body: echoCall('x'), password: PASSWORD });
  }
  t.equal(refused?.status, 503, 'the second connection is answered 503, not reset');
  t.equal(refused?.headers['retry-after'], '5');
  first.destroy();
  let status = 0;
  for (let i = 0; i < 100 && status !== 200; i++) {
    const r = await rawRequest({ port: s.port, tls: false, body: echoCall('x'), password: PASSWORD }).catch(() => undefined);
    status = r?.status ?? 0;
    if (status !== 200) await new Promise((res) => setTimeout(res, 20));
  }
  t.equal(status, 200, 'served again once the first one left');
});
