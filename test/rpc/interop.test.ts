// Independent peers against our server over HTTPS with Basic auth: Python's xmlrpc.client and the
// npm xmlrpc client call echo with every value kind, a method answering <i8>, and fault cases.
import t from 'tap';
import type { Test } from 'tap';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SysrootFs } from '../../src/host/host-fs.js';
import { HostExec } from '../../src/host/exec.js';
import { TlsKeyPair } from '../../src/host/tls.js';
import { PasswordStore } from '../../src/services/auth/password-store.js';
import { RpcServer } from '../../src/rpc/transport.js';
import { Registry, callFromWire } from '../../src/rpc/registry.js';
import { defineMethod } from '../../src/rpc/method.js';
import { fail } from '../../src/core/errors.js';
import { FakeClock, rawRequest, silentLog, tempSysroot, testConfig } from './transport-helpers.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const xmlrpc = require('xmlrpc') as {
  createSecureClient(o: Record<string, unknown>): { methodCall(m: string, p: unknown[], cb: (e: unknown, v: unknown) => void): void };
};

const here = path.dirname(fileURLToPath(import.meta.url));
const PASSWORD = 'interop pass:word';

function testRegistry(): Registry {
  return new Registry({ isOwned: () => true, maxXmlDepth: 1024 }, [
    defineMethod({ name: 'echo', params: z.array(z.unknown()).min(1), access: 'public', handler: (args) => args[0] }),
    defineMethod({ name: 'big', params: z.tuple([]), access: 'public', handler: () => 2 ** 40 }),
    defineMethod({
      name: 'fail',
      params: z.tuple([]),
      access: 'public',
      handler: () => {
        throw fail('NET_BAD_VLAN', 'VLAN id 5000 is outside 1-4094');
      },
    }),
  ]);
}

async function start(t: Tap) {
  const sysroot = tempSysroot();
  const config = testConfig(sysroot, { maxXmlDepth: 16 });
  const hostFs = new SysrootFs(sysroot);
  const clock = new FakeClock();
  const passwords = new PasswordStore({ config, fs: hostFs, clock, log: silentLog });
  await passwords.set(PASSWORD);
  const tls = await new TlsKeyPair({ config, fs: hostFs, exec: new HostExec(), log: silentLog }).ensure();
  const registry = testRegistry();
  const server = new RpcServer({
    rpc: config.rpc,
    log: silentLog,
    clock,
    passwords,
    tls,
    handle: (body, base) => callFromWire(registry, body, base),
  });
  const { port } = await server.start();
  t.teardown(() => server.stop(100));
  return { port, certFile: hostFs.resolve(config.rpc.certFile), cert: tls.cert };
}
type Tap = Test;

t.test("Python's xmlrpc.client over HTTPS with Basic auth", async (t) => {
  const s = await start(t);
  const r = await new HostExec().run(['python3', path.join(here, 'py/interop_client.py'), `https://127.0.0.1:${s.port}/RPC2`, s.certFile, PASSWORD]);
  const out = JSON.parse(r.stdout);
  t.equal(out.string, 'héllo <&> wörld');
  t.equal(out.int, -2147483648);
  t.equal(out.nil, null);
  t.equal(out.bool, true);
  t.equal(out.double, 1.5);
  t.same(out.struct, { a: 1, b: [1, 'two', null], c: { d: false } });
  t.same(out.array, [1, [2, [3]], {}, []]);
  t.equal(out.binary, '0001' + Buffer.from('binary').toString('hex'));
  t.equal(out.date, '2024-01-02T03:04:05');
  t.equal(out.big, 2 ** 40, '<i8> read by Python');
  t.equal(out.fault.faultCode, 2002);
  t.equal(out.fault.faultString, 'exceptions.Exception:NET_BAD_VLAN: VLAN id 5000 is outside 1-4094');
  t.equal(out.unknown.faultCode, 1002);
  t.match(out.unknown.faultString, /^exceptions\.Exception:UNKNOWN_METHOD: /);
  t.equal(out.wrong_password, 401);
});

t.test('npm xmlrpc createSecureClient with basic_auth', async (t) => {
  const s = await start(t);
  const client = (password: string) =>
    xmlrpc.createSecureClient({ host: '127.0.0.1', port: s.port, path: '/api/3/', basic_auth: { user: 'oracle', pass: password }, ca: s.cert });
  const c = client(PASSWORD);
  const call = (m: string, p: unknown[], cl = c) =>
    new Promise<unknown>((resolve, reject) => cl.methodCall(m, p, (e, v) => (e ? reject(e) : resolve(v))));
  const values: unknown[] = ['plain', 'esc <&>"\'', 42, -7, true, false, 2.25, null, { k: 'v', n: [1, { x: null }] }, [[], {}, ['a']]];
  for (const v of values) t.same(await call('echo', [v]), v, JSON.stringify(v));
  const d = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
  t.ok(await call('echo', [d]), 'a dateTime goes through');
  t.same(await call('echo', [Buffer.from('bin\x00')]), Buffer.from('bin\x00'));
  t.equal(Number(await call('big', [])), 2 ** 40, 'npm xmlrpc reads our <i8> (as a string)');
  const f = (await call('fail', []).catch((e) => e)) as { faultCode: number; faultString: string };
  t.equal(f.faultCode, 2002);
  t.equal(f.faultString, 'exceptions.Exception:NET_BAD_VLAN: VLAN id 5000 is outside 1-4094');
  // This client has no notion of HTTP status (besides 404): it fails on the 401 body instead.
  const bad = (await call('echo', ['x'], client('nope')).catch((e) => e)) as Error & { res?: { statusCode: number } };
  t.ok(bad instanceof Error, 'wrong password: the call fails');
  t.equal(bad.res?.statusCode, 401, 'with HTTP 401');
});

t.test('raw <i8> in, DTD refused with a fault, depth limit', async (t) => {
  const s = await start(t);
  const i8 = await rawRequest({
    port: s.port,
    ca: s.cert,
    password: PASSWORD,
    body: '<?xml version="1.0"?><methodCall><methodName>echo</methodName><params><param><value><i8>9007199254740993</i8></value></param></params></methodCall>',
  });
  t.match(i8.body, /<i8>9007199254740993<\/i8>/, 'beyond 2^53 survives the round trip');
  const dtd = await rawRequest({
    port: s.port,
    ca: s.cert,
    password: PASSWORD,
    body: '<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><methodCall><methodName>echo</methodName><params><param><value><string>&b;</string></value></param></params></methodCall>',
  });
  t.equal(dtd.status, 200);
  t.match(dtd.body, /<fault>/);
  t.notMatch(dtd.body, /aaaa/);
  const nest = (n: number) => '<value><array><data>'.repeat(n) + '</data></array></value>'.repeat(n);
  const ok = await rawRequest({
    port: s.port,
    ca: s.cert,
    password: PASSWORD,
    body: `<?xml version="1.0"?><methodCall><methodName>echo</methodName><params><param>${nest(3)}</param></params></methodCall>`,
  });
  t.notMatch(ok.body, /<fault>/, 'shallow nesting passes');
  const deep = nest(6);
  const d = await rawRequest({
    port: s.port,
    ca: s.cert,
    password: PASSWORD,
    body: `<?xml version="1.0"?><methodCall><methodName>echo</methodName><params><param>${deep}</param></params></methodCall>`,
  });
  t.match(d.body, /<fault>/, 'nesting beyond rpc.maxXmlDepth (16, below the registry default) is a fault');
});
