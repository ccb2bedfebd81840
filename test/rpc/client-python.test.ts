// Our XmlRpcClient against Python's SimpleXMLRPCServer (allow_none, builtin types, Basic auth):
// every type both ways, faults, URL paths and transport failures without the password.
import net from 'node:net';
import t from 'tap';
import { XmlRpcClient, RemoteFault } from '../../src/rpc/client.js';
import { startPythonPeer, type PythonPeer } from '../helpers/python-peer.js';
import { nullProto } from '../helpers/null-proto.js';

const PASSWORD = 'p@ss:w/rd secret';
let peer: PythonPeer;
const url = (path = '/RPC2', password = PASSWORD) => `http://oracle:${encodeURIComponent(password)}@127.0.0.1:${peer.port}${path}`;

t.before(async () => {
  peer = await startPythonPeer(PASSWORD);
});
t.teardown(async () => {
  await peer?.stop();
});

t.test('values Python writes', async (t) => {
  const c = new XmlRpcClient({ url: url() });
  t.teardown(() => c.close());
  t.equal(await c.call('big', []), 2 ** 40, 'i8 inside 2^53 is a number');
  t.equal(await c.call('bigger', []), -(2n ** 62n), 'i8 beyond 2^53 is a bigint');
  t.equal(await c.call('nothing', []), null, 'nil');
  t.strictSame(await c.call('when', []), new Date(Date.UTC(2026, 10, 22, 15, 4, 5)), 'dateTime read as UTC');
  t.strictSame(await c.call('blob', []), Buffer.from([0, 1, 104, 118, 255]), 'base64');
});

t.test('values Python reads from us', async (t) => {
  const c = new XmlRpcClient({ url: url() });
  t.teardown(() => c.close());
  const got = await c.call('describe', [2 ** 40, 2n ** 62n, null, new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), Buffer.from('hv'), 'a&b', 1.5, false]);
  t.strictSame(got, [
    'list',
    [
      ['int', String(2 ** 40)],
      ['int', String(2n ** 62n)],
      ['nil', null],
      ['datetime', '2026-01-02T03:04:05'],
      ['bytes', 'aHY='],
      ['str', 'a&b'],
      ['float', '1.5'],
      ['bool', false],
    ],
  ]);
  const nested = { a: [1, { b: 'x', c: [] }], d: {} };
  t.strictSame(await c.call('echo', [nested]), nullProto(nested), 'structs and arrays round trip');
});

t.test('faults become RemoteFault', async (t) => {
  const c = new XmlRpcClient({ url: url() });
  t.teardown(() => c.close());
  const err = await c.call('fail', [42, 'exceptions.Exception:nope']).catch((e: unknown) => e);
  t.type(err, RemoteFault);
  t.match(err, { faultCode: 42, faultString: 'exceptions.Exception:nope', code: 'DISPATCH_FAILED' });
  const boom = await c.call('boom', []).catch((e: unknown) => e);
  t.match(boom, { faultCode: 1, faultString: /ValueError'>:python side exploded/ });
  const unknown = await c.call('no_such', []).catch((e: unknown) => e);
  t.match(unknown, { faultCode: 1, faultString: /not supported/ });
});

t.test('URL paths', async (t) => {
  for (const path of ['/', '/RPC2', '/api/3/']) {
    const c = new XmlRpcClient({ url: url(path) });
    t.equal(await c.call('echo', [path]), path, path);
    c.close();
  }
  const c = new XmlRpcClient({ url: url('/elsewhere') });
  const err = await c.call('echo', [1]).catch((e: unknown) => e);
  t.match(err, { code: 'DISPATCH_FAILED', message: /HTTP 404/ });
  c.close();
});

t.test('transport failures never show the password', async (t) => {
  const wrong = new XmlRpcClient({ url: url('/RPC2', 'wrong-secret') });
  const e1 = (await wrong.call('echo', [1]).catch((e: unknown) => e)) as Error;
  t.match(e1, { code: 'DISPATCH_FAILED', message: /HTTP 401/ });
  t.notMatch(e1.message, /wrong-secret/);
  wrong.close();

  // A port nobody listens on: grab a free one and close it again.
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  const refused = new XmlRpcClient({ url: `http://oracle:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/api/3/` });
  const e2 = (await refused.call('echo', [1]).catch((e: unknown) => e)) as Error;
  t.match(e2, { code: 'DISPATCH_FAILED', message: /ECONNREFUSED/ });
  t.notMatch(e2.message, /secret|p%40ss|p@ss/);
  t.equal(refused.where, `http://127.0.0.1:${port}/api/3/`);
  refused.close();
});

t.test('a server that never answers hits the deadline', async (t) => {
  const sockets: net.Socket[] = [];
  const mute = net.createServer((s) => void sockets.push(s));
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    sockets.forEach((s) => s.destroy());
    mute.close();
  });
  const c = new XmlRpcClient({ url: `http://127.0.0.1:${(mute.address() as net.AddressInfo).port}/`, timeoutMs: 200 });
  t.match(await c.call('echo', [1]).catch((e: unknown) => e), { code: 'DISPATCH_FAILED', message: /no answer within 200 ms/ });
  const ac = new AbortController();
  const p = c.call('echo', [1], { signal: ac.signal }).catch((e: unknown) => e);
  ac.abort();
  t.match(await p, { code: 'DISPATCH_FAILED', message: /aborted/ });
  c.close();
});

t.test('bad URLs are refused up front, without echoing them', async (t) => {
  t.throws(() => new XmlRpcClient({ url: 'not a url with secret' }), { code: 'INVALID_ARGUMENT', message: /^(?!.*secret)/ });
  t.throws(() => new XmlRpcClient({ url: 'ftp://oracle:secret@h/' }), { code: 'INVALID_ARGUMENT', message: /^(?!.*secret)/ });
});
