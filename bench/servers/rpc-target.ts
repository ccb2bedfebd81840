// The hvagent target the RPC benches run in their own process: RpcServer + Registry with the
// real common methods and scrypt password store, on 127.0.0.1; prints {"port": N} once
// listening and stops on SIGTERM.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { parseConfig, type AgentConfigInput } from '../../src/core/config/schema.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import { systemClock } from '../../src/host/clock.js';
import { PasswordStore } from '../../src/services/auth/password-store.js';
import { RpcServer } from '../../src/rpc/transport.js';
import { Registry, callFromWire } from '../../src/rpc/registry.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { BENCH_PASSWORD } from './common.js';
import { loadFullGc, loadMallocTrim, startMemoryTrimmer } from '../../src/host/malloc-trim.js';

export interface RpcTarget {
  sysroot: string;
  certFile: string;
  keyFile: string;
  log: Logger;
  /** Config of `rpc` beyond the address (limits). */
  rpc?: AgentConfigInput['rpc'];
  ownerAddress?: () => string | undefined;
}

export async function serveRpcTarget(o: RpcTarget): Promise<void> {
  const parsed = parseConfig({ paths: { sysroot: o.sysroot }, rpc: { address: '127.0.0.1', ...o.rpc } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const config = parsed.config;
  const passwords = new PasswordStore({ config, fs: new SysrootFs(o.sysroot), clock: systemClock, log: o.log });
  await passwords.set(BENCH_PASSWORD);
  const registry = new Registry({ isOwned: () => true, maxXmlDepth: config.rpc.maxXmlDepth }, commonMethods());
  const server = new RpcServer({
    rpc: { ...config.rpc, port: 0 },
    log: o.log,
    clock: systemClock,
    passwords,
    tls: { cert: readFileSync(o.certFile), key: readFileSync(o.keyFile) },
    handle: (body, base) => callFromWire(registry, body, base),
    ...(o.ownerAddress ? { ownerAddress: o.ownerAddress } : {}),
  });
  const { port } = await server.start();
  // As the agent does (src/main.ts): malloc's kept memory is given back after a burst.
  if (!process.env.HVBENCH_NO_TRIM) startMemoryTrimmer({ trim: loadMallocTrim(), gc: loadFullGc(), clock: systemClock, rss: () => process.memoryUsage.rss(), log: o.log });
  process.stdout.write(JSON.stringify({ port }) + '\n');
  process.on('SIGTERM', () => void server.stop(100).then(() => process.exit(0)));
}
