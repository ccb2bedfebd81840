// echo, get_api_version, sleep and dispatch through the registry; dispatch reaches a Python agent
// over HTTP with Basic auth and one of our own registries behind a self-signed HTTPS server.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { pino } from 'pino';
import { decodeMethodResponse, encodeMethodCall } from '../../src/rpc/codec/index.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { Registry, callFromWire } from '../../src/rpc/registry.js';
import type { Clock } from '../../src/host/clock.js';
import { startPythonPeer, type PythonPeer } from '../helpers/python-peer.js';
import { respond } from '../helpers/inject.js';
import { nullProto } from '../helpers/null-proto.js';

const lines: string[] = [];
const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(s) });

function registry(deps: Parameters<typeof commonMethods>[0] = {}, owned = true) {
  const reg = new Registry({ isOwned: () => owned }, commonMethods(deps));
  return (method: string, params: unknown[], signal = new AbortController().signal) => respond(reg, method, params, { signal, log });
}

t.test('echo and get_api_version', async (t) => {
  const call = registry({}, false);
  t.strictSame(await call('echo', ['hello']), { ok: true, value: 'hello' });
  t.strictSame(await call('echo', [{ a: [1, null] }]), { ok: true, value: nullProto({ a: [1, null] }) });
  t.strictSame(await call('get_api_version', []), { ok: true, value: [3] });
  t.equal((await call('echo', [])).ok, false, 'echo needs its argument');
  t.match(await call('sleep', [0]), { ok: false, fault: { faultCode: 1004 } }, 'sleep needs ownership');
});

t.test('sleep waits on the clock and is abortable', async (t) => {
  const slept: number[] = [];
  const clock: Clock = {
    now: () => 0,
    setTimeout: () => ({ cancel() {} }),
    sleep: async (ms, signal) => {
      slept.push(ms);
      if (signal?.aborted) throw signal.reason;
    },
  };
  const call = registry({ clock });
  t.strictSame(await call('sleep', [2.5]), { ok: true, value: null });
  t.strictSame(slept, [2500]);
  t.match(await call('sleep', [3601]), { ok: false, fault: { faultCode: 1003 } });
  t.match(await call('sleep', [-1]), { ok: false, fault: { faultCode: 1003 } });
  t.match(await call('sleep', ['1']), { ok: false, fault: { faultCode: 1003 } });
  const ac = new AbortController();
  ac.abort();
  t.match(await call('sleep', [1], ac.signal), { ok: false, fault: { faultString: /SHUTTING_DOWN/ } });
});

t.test('dispatch to a Python agent with Basic auth', async (t) => {
  let peer: PythonPeer | undefined = await startPythonPeer('pw secret');
  t.teardown(async () => peer?.stop());
  const call = registry();
  const uri = `http://oracle:${encodeURIComponent('pw secret')}@127.0.0.1:${peer.port}/api/3/`;
  lines.length = 0;
  t.strictSame(await call('dispatch', [uri, 'echo', { x: [1, 2n ** 60n] }]), { ok: true, value: nullProto({ x: [1, 2n ** 60n] }) });
  t.strictSame(await call('dispatch', [uri, 'nothing']), { ok: true, value: null });
  t.strictSame(
    await call('dispatch', [uri, 'fail', 7, 'exceptions.Exception:remote said no']),
    { ok: false, fault: { faultCode: 7, faultString: 'exceptions.Exception:remote said no' } },
    'a remote fault passes through verbatim',
  );
  const bad = await call('dispatch', [uri.replace('pw%20secret', 'wrong'), 'echo', 1]);
  t.match(bad, { ok: false, fault: { faultCode: 1017, faultString: /DISPATCH_FAILED: call echo to http:\/\/127\.0\.0\.1:\d+\/api\/3\/ failed: HTTP 401/ } });
  t.notMatch(lines.join(''), /pw secret|pw%20secret|wrong/, 'the URI never reaches the log');
  t.match(await call('dispatch', ['no url here', 'echo']), { ok: false, fault: { faultCode: 1003 } });
  await peer.stop();
  peer = undefined;
});

t.test('dispatch to a self-signed HTTPS agent', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-dispatch-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=member', '-addext', 'subjectAltName=IP:127.0.0.1'], {
    stdio: 'ignore',
  });
  const member = new Registry({ isOwned: () => true }, commonMethods());
  const auths: Array<string | undefined> = [];
  const server = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (req, res) => {
    auths.push(req.headers.authorization);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const xml = await callFromWire(member, Buffer.concat(chunks), {
        remoteAddress: '127.0.0.1',
        localAddress: '127.0.0.1',
        user: 'oracle',
        signal: new AbortController().signal,
        log: pino({ level: 'silent' }),
      });
      res.writeHead(200, { 'Content-Type': 'text/xml' }).end(xml);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const uri = `https://oracle:secret@127.0.0.1:${(server.address() as AddressInfo).port}/api/3/`;

  t.strictSame(await registry()('dispatch', [uri, 'get_api_version']), { ok: true, value: [3] }, 'no CA configured: self-signed accepted');
  t.equal(auths[0], `Basic ${Buffer.from('oracle:secret').toString('base64')}`, 'credentials from the URI sent as Basic auth');
  t.strictSame(await registry({ dispatchCa: fs.readFileSync(cert) })('dispatch', [uri, 'echo', 'ok']), { ok: true, value: 'ok' }, 'the right CA verifies');
  const otherCa = path.join(dir, 'other.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k2.pem'), '-out', otherCa, '-days', '1', '-subj', '/CN=other'], {
    stdio: 'ignore',
  });
  const refused = await registry({ dispatchCa: fs.readFileSync(otherCa) })('dispatch', [uri, 'echo', 'x']);
  t.match(refused, { ok: false, fault: { faultCode: 1017 } }, 'with a CA configured, an unknown certificate is refused');
  t.notMatch(!refused.ok && refused.fault.faultString, /secret/);
});
