// Bench target (d): a server on the npm `xmlrpc` package (createSecureServer), with the same Basic
// auth check put in front of its request handler (the package gives handlers no request access).
// argv: certFile keyFile.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import { BENCH_AUTH } from './common.js';

const require = createRequire(import.meta.url);
const xmlrpc = require('xmlrpc') as {
  createSecureServer(o: Record<string, unknown>, onListening: () => void): {
    httpServer: Server;
    on(method: string, fn: (err: unknown, params: unknown[], cb: (e: unknown, v: unknown) => void) => void): void;
  };
};

const [certFile, keyFile] = process.argv.slice(2);
const server = xmlrpc.createSecureServer({ host: '127.0.0.1', port: 0, cert: readFileSync(certFile), key: readFileSync(keyFile) }, () => {
  const a = server.httpServer.address() as { port: number };
  process.stdout.write(JSON.stringify({ port: a.port }) + '\n');
});
const inner = server.httpServer.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
server.httpServer.removeAllListeners('request');
server.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
  if (req.headers.authorization !== BENCH_AUTH) {
    res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="bench"', 'Content-Length': '0' });
    res.end();
    return;
  }
  for (const l of inner) l.call(server.httpServer, req, res);
});
server.on('echo', (_err, params, cb) => cb(null, params[0]));
process.on('SIGTERM', () => process.exit(0));
