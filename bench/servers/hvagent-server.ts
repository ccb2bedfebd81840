// Bench target (a): hvagent's RpcServer + Registry + the real scrypt password store, in its own
// process, with the real common methods. argv: sysroot certFile keyFile logFile|'warn'; prints
// {"port": N} once listening.
import * as path from 'node:path';
import { createRootLogger } from '../../src/services/logging/logger.js';
import { parseConfig } from '../../src/core/config/schema.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import { systemClock } from '../../src/host/clock.js';
import { PasswordStore } from '../../src/services/auth/password-store.js';
import { RpcServer } from '../../src/rpc/transport.js';
import { Registry, callFromWire } from '../../src/rpc/registry.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { readFileSync } from 'node:fs';
import { BENCH_PASSWORD } from './common.js';

const [sysroot, certFile, keyFile, logFile] = process.argv.slice(2);
// This bench measures the request path: its load (every client from 127.0.0.1, no owner) would
// otherwise hit the admission limits that the front-door bench measures (32 per address).
const parsed = parseConfig({ paths: { sysroot }, rpc: { address: '127.0.0.1', maxConnections: 1024, maxConnectionsPerAddress: 1024, maxUnauthenticated: 1024 } });
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config = parsed.config;
// As in production: START/FINISH lines at info for every call, written to a file.
// 'warn' shows what the per-call lines cost (an informational row of the bench).
// The agent's own root logger (redaction, file destination), without stdout.
const { log } = createRootLogger({
  level: logFile === 'warn' ? 'warn' : 'info',
  logDir: logFile === 'warn' ? undefined : path.dirname(logFile),
  stdout: false,
});
const passwords = new PasswordStore({ config, fs: new SysrootFs(sysroot), clock: systemClock, log });
await passwords.set(BENCH_PASSWORD);
const registry = new Registry({ isOwned: () => true, maxXmlDepth: config.rpc.maxXmlDepth }, commonMethods());
const server = new RpcServer({
  rpc: { ...config.rpc, port: 0 },
  log,
  clock: systemClock,
  passwords,
  tls: { cert: readFileSync(certFile), key: readFileSync(keyFile) },
  handle: (body, base) => callFromWire(registry, body, base),
});
const { port } = await server.start();
process.stdout.write(JSON.stringify({ port }) + '\n');
process.on('SIGTERM', () => void server.stop(100).then(() => process.exit(0)));
