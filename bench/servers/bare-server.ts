// Bench target (e): a bare node:https server that reads the body and answers a fixed XML-RPC
// response without parsing or auth: the ceiling of the platform. argv: certFile keyFile.
import * as https from 'node:https';
import { readFileSync } from 'node:fs';
import { ECHO_TEXT } from './common.js';

const [certFile, keyFile] = process.argv.slice(2);
const FIXED = Buffer.from(
  `<?xml version="1.0"?>\n<methodResponse><params><param><value><string>${ECHO_TEXT}</string></value></param></params></methodResponse>`,
);
const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile), noDelay: true }, (req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, ['Content-Type', 'text/xml', 'Content-Length', String(FIXED.length)]);
    res.end(FIXED);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ port: a.port }) + '\n');
});
process.on('SIGTERM', () => process.exit(0));
