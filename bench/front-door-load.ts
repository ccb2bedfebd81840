// The load of the front-door bench, in its own process: argv port idle busy. Holds `idle` TCP
// connections that never start TLS (re-opened when closed) and runs `busy` echo clients; on
// SIGTERM prints {"ok","refused","failed","other"} and exits.
import * as https from 'node:https';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { BENCH_AUTH, ECHO_BODY, ECHO_TEXT } from './servers/common.js';

/** One echo call: 200 when answered right, the HTTP status otherwise, -1 when the connection failed. */
export function post(port: number, agent: https.Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/api/3/', method: 'POST', agent, headers: { Authorization: BENCH_AUTH, 'Content-Type': 'text/xml', 'Content-Length': ECHO_BODY.length } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve(res.statusCode === 200 && body.includes(ECHO_TEXT) ? 200 : (res.statusCode ?? 0)));
        res.on('error', () => resolve(-1));
      },
    );
    req.on('error', () => resolve(-1));
    req.end(ECHO_BODY);
  });
}

function main(): void {
  const [port, idleN, busyN] = process.argv.slice(2).map(Number);
  let stop = false;
  const idle = new Set<net.Socket>();
  const openIdle = (i: number): void => {
    if (stop) return;
    const s = net.connect({ port, host: '127.0.0.1', localAddress: `127.0.1.${1 + (i % 30)}` });
    idle.add(s);
    s.on('error', () => undefined);
    s.on('close', () => {
      idle.delete(s);
      setTimeout(() => openIdle(i), 100);
    });
  };
  for (let i = 0; i < idleN; i++) openIdle(i);
  const outcome = { ok: 0, refused: 0, failed: 0, other: 0 };
  const busy = Array.from({ length: busyN }, async (_, i) => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, localAddress: `127.0.2.${1 + (i % 50)}`, rejectUnauthorized: false });
    while (!stop) {
      const s = await post(port, agent);
      if (s === 200) outcome.ok++;
      else if (s === 503) outcome.refused++;
      else if (s === -1) outcome.failed++;
      else outcome.other++;
      if (s !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    agent.destroy();
  });
  process.on('SIGTERM', () => {
    stop = true;
    for (const s of idle) s.destroy();
    void Promise.all(busy).then(() => {
      process.stdout.write(JSON.stringify(outcome) + '\n');
      process.exit(0);
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
