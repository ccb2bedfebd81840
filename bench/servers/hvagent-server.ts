// Bench target (a): hvagent's RpcServer + Registry + the real scrypt password store, in its own
// process. argv: sysroot certFile keyFile; prints {"port": N} once listening.
import pino from 'pino';
import { z } from 'zod';
import { parseConfig } from '../../src/core/config/schema.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import { systemClock } from '../../src/host/clock.js';
import { PasswordStore } from '../../src/services/auth/password-store.js';
import { RpcServer } from '../../src/rpc/transport.js';
import { Registry, callFromWire } from '../../src/rpc/registry.js';
import { defineMethod } from '../../src/rpc/method.js';
import { readFileSync } from 'node:fs';
import { BENCH_PASSWORD } from './common.js';

const [sysroot, certFile, keyFile, logFile] = process.argv.slice(2);
const parsed = parseConfig({ paths: { sysroot }, rpc: { address: '127.0.0.1', maxConnections: 1024 } });
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config = parsed.config;
// As in production: START/FINISH lines at info for every call, written to a file.
const log = logFile === 'silent' ? pino({ level: 'silent' }) : pino({ level: 'info' }, pino.destination({ dest: logFile, sync: false }));
const passwords = new PasswordStore({ config, fs: new SysrootFs(sysroot), clock: systemClock, log });
await passwords.set(BENCH_PASSWORD);
const registry = new Registry({ isOwned: () => true, maxXmlDepth: config.rpc.maxXmlDepth }, [
  defineMethod({ name: 'echo', params: z.tuple([z.unknown()]), access: 'public', handler: ([msg]) => msg }),
]);
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
