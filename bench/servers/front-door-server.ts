// Bench target of the front-door bench: hvagent's RpcServer + Registry with the default
// connection limits, the owner manager at argv[4]. argv: sysroot certFile keyFile ownerAddress;
// prints {"port": N} once listening.
import { readFileSync } from 'node:fs';
import pino from 'pino';
import { parseConfig } from '../../src/core/config/schema.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import { systemClock } from '../../src/host/clock.js';
import { PasswordStore } from '../../src/services/auth/password-store.js';
import { RpcServer } from '../../src/rpc/transport.js';
import { Registry, callFromWire } from '../../src/rpc/registry.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { BENCH_PASSWORD } from './common.js';

const [sysroot, certFile, keyFile, owner] = process.argv.slice(2);
const parsed = parseConfig({ paths: { sysroot }, rpc: { address: '127.0.0.1' } });
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const config = parsed.config;
const log = pino({ level: 'warn' }, pino.destination('/dev/null'));
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
  ownerAddress: () => owner,
});
const { port } = await server.start();
process.stdout.write(JSON.stringify({ port }) + '\n');
process.on('SIGTERM', () => void server.stop(100).then(() => process.exit(0)));
