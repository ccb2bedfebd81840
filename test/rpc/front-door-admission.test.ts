// Never starved: idle and unauthenticated connections get a bounded share, each address a bound,
// the owner manager's address always a slot; past the limits 503 + Retry-After, never a reset;
// a connection that does not authenticate in time is closed; a right password is never refused
// because of a flood of wrong ones.
import t from 'tap';
import type { Test as Tap } from 'tap';
import * as net from 'node:net';
import * as https from 'node:https';
import { PASSWORD, startTestServer } from './front-door-server.js';
import { basic, echoCall, rawRequest } from './transport-helpers.js';

function request(port: number, localAddress: string, password = PASSWORD) {
  const agent = new https.Agent({ localAddress, rejectUnauthorized: false });
  return rawRequest({ port, body: echoCall('x'), password, agent }).finally(() => agent.destroy());
}

/** TCP connections that never start TLS, as a slow-loris client leaves them. */
async function idleSockets(t: Tap, port: number, localAddress: string, n: number): Promise<net.Socket[]> {
  const out: net.Socket[] = [];
  for (let i = 0; i < n; i++) {
    const s = net.connect({ port, host: '127.0.0.1', localAddress });
    s.on('error', () => undefined);
    await new Promise((r) => s.once('connect', r));
    out.push(s);
  }
  t.teardown(() => out.forEach((s) => s.destroy()));
  return out;
}



async function until(cond: () => boolean | Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

const LIMITS = { maxConnections: 12, maxUnauthenticated: 6, maxConnectionsPerAddress: 4, ownerReservedConnections: 2 };

t.test('idle unauthenticated sockets fill only their share; the owner manager always gets in', async (t) => {
  const s = await startTestServer(t, LIMITS, undefined, { ownerAddress: () => '127.0.0.9' });
  // Four attacker addresses, four idle sockets each: only 6 admitted, the rest held to be refused.
  for (const a of ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5']) await idleSockets(t, s.port, a, 4);
  t.ok(await until(() => s.server.admission.stats().unauthenticated === 6), 'unauthenticated share is full');
  const stranger = await request(s.port, '127.0.0.6');
  t.equal(stranger.status, 503, 'another client is refused cleanly, not reset');
  t.equal(stranger.headers['retry-after'], '5');
  for (let i = 0; i < 5; i++) t.equal((await request(s.port, '127.0.0.9')).status, 200, `owner manager call ${i}`);
});

t.test('one address cannot take more than its share', async (t) => {
  const s = await startTestServer(t, LIMITS);
  await idleSockets(t, s.port, '127.0.0.2', 4);
  t.ok(await until(() => s.server.admission.stats().unauthenticated === 4));
  t.equal((await request(s.port, '127.0.0.2')).status, 503, 'a fifth from the same address is refused');
  t.equal((await request(s.port, '127.0.0.3')).status, 200, 'another address still gets in');
});

t.test('a connection that does not authenticate in time is closed; slots come back', async (t) => {
  const s = await startTestServer(t, { ...LIMITS, authTimeoutMs: 1000 });
  const socks = await idleSockets(t, s.port, '127.0.0.2', 3);
  const closed = socks.map((k) => new Promise<void>((r) => k.once('close', () => r())));
  // A client that keeps sending requests without credentials is not authenticated either.
  const asker = net.connect({ port: s.port, host: '127.0.0.1', localAddress: '127.0.0.3' });
  asker.on('error', () => undefined);
  t.teardown(() => asker.destroy());
  await Promise.all(closed);
  t.pass('idle sockets closed by the deadline');
  t.ok(await until(() => s.server.admission.stats().admitted === 0), 'every slot released');
  t.ok(asker.destroyed || (await new Promise<boolean>((r) => asker.once('close', () => r(true)))));
});

t.test('an authenticated connection keeps its slot past the deadline and frees the share', async (t) => {
  const s = await startTestServer(t, { ...LIMITS, tls: false });
  const sock = net.connect({ port: s.port, host: '127.0.0.1', localAddress: '127.0.0.2' });
  t.teardown(() => sock.destroy());
  await new Promise((r) => sock.once('connect', r));
  let got = '';
  sock.on('data', (d) => (got += d.toString()));
  const body = echoCall('x');
  sock.write(`POST /RPC2 HTTP/1.1\r\nHost: x\r\nAuthorization: ${basic('oracle', PASSWORD)}\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  t.ok(await until(() => got.includes('200 OK')));
  t.same(s.server.admission.stats(), { admitted: 1, unauthenticated: 0, refused: 0, addresses: 1 });
});

t.test('a flood of wrong passwords from the manager address never refuses the right one', async (t) => {
  const s = await startTestServer(t, { maxConnectionsPerAddress: 64, maxUnauthenticated: 64, authFailuresBeforeDelay: 1 }, undefined, {
    ownerAddress: () => '127.0.0.7',
  });
  const wrong = Array.from({ length: 30 }, (_, i) => request(s.port, '127.0.0.7', `guess-${i}`));
  const right = Array.from({ length: 10 }, () => request(s.port, '127.0.0.7'));
  const got = await Promise.all([...wrong, ...right]);
  t.same(got.slice(0, 30).map((r) => r.status), Array(30).fill(401));
  t.same(got.slice(30).map((r) => r.status), Array(10).fill(200), 'all 10 right passwords answered');
  t.ok(s.clock.sleeps.length > 0, 'the wrong ones were held back');
});

t.test('a burst of connections beyond every limit: answered or refused, no reset', async (t) => {
  const s = await startTestServer(t, { ...LIMITS, maxRefusedConnections: 200 });
  const statuses = await Promise.all(
    Array.from({ length: 60 }, (_, i) => request(s.port, `127.0.1.${1 + (i % 20)}`).then((r) => r.status, (e: Error) => e.message)),
  );
  t.ok(statuses.every((x) => x === 200 || x === 503), `only 200 and 503: ${[...new Set(statuses)].join(',')}`);
  t.ok(statuses.includes(200));
  t.ok(await until(() => s.server.admission.stats().admitted + s.server.admission.stats().refused === 0), 'all released');
});
