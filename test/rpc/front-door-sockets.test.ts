// No leaked sockets: Python's keep-alive client over TLS (large answer, then a small call) is
// always answered, and a connection answered with an HTTP error is closed by the agent even
// when the peer keeps its side open.
import t from 'tap';
import * as net from 'node:net';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PASSWORD, answerXml, startTestServer } from './front-door-server.js';

const script = fileURLToPath(new URL('./py/keepalive_client.py', import.meta.url));
const BIG = 'y'.repeat(512 * 1024);

async function settledConnections(count: () => Promise<number>, want: number): Promise<number> {
  // The server sees a close one loop turn or a few later: poll a bounded number of times.
  let n = await count();
  for (let i = 0; i < 200 && n !== want; i++) {
    await new Promise((r) => setTimeout(r, 10));
    n = await count();
  }
  return n;
}

t.test('keep-alive Python over TLS: a large answer then a call, every round answered', async (t) => {
  const s = await startTestServer(t, {}, async (body) => {
    await new Promise((r) => setImmediate(r));
    return answerXml(body.includes('<methodName>big<') ? BIG : 'x');
  });
  // Asynchronously: the server runs in this process.
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile('python3', [script, String(s.port), '60', PASSWORD], { timeout: 50_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, stdout, stderr }),
    ),
  );
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^ok 60 bad 0$/m, 'no HTTP 400 on a keep-alive connection');
  t.equal(await settledConnections(() => s.server.openConnections(), 0), 0, 'no connection left open');
});

t.test('a request the parser refuses is answered 400 and its socket closed by the agent', async (t) => {
  const s = await startTestServer(t, { tls: false });
  const sock = net.connect({ port: s.port, host: '127.0.0.1', allowHalfOpen: true });
  t.teardown(() => sock.destroy());
  let got = '';
  sock.on('data', (d) => (got += d.toString()));
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  const ended = new Promise<void>((r) => sock.once('end', () => r()));
  await new Promise((r) => sock.once('connect', r));
  sock.write('BREW /RPC2 HTCPCP/1.0\r\n\r\n');
  await ended;
  t.match(got, /^HTTP\/1\.1 400 /);
  // The peer keeps its side open (allowHalfOpen): the agent must still let the socket go.
  t.equal(await settledConnections(() => s.server.openConnections(), 0), 0, 'the agent does not hold the socket');
  sock.end();
  await closed;
});
