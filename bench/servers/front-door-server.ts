// Bench target of the front-door bench: hvagent's RpcServer + Registry with the default
// connection limits, the owner manager at argv[4]. argv: sysroot certFile keyFile ownerAddress;
// prints {"port": N} once listening, and its memory ({"rss", "heapUsed", ...}) on each SIGUSR2.
import pino from 'pino';
import { serveRpcTarget } from './rpc-target.js';

const [sysroot, certFile, keyFile, owner] = process.argv.slice(2);
const log = pino({ level: 'warn' }, pino.destination('/dev/null'));
// Run with --expose-gc (HVBENCH_FRONT_NODE_ARGS), a full collection comes first: what stays is held, not garbage.
const gc = (globalThis as { gc?: () => void }).gc;
process.on('SIGUSR2', () => {
  gc?.();
  const handles: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) handles[r] = (handles[r] ?? 0) + 1;
  process.stdout.write(JSON.stringify({ ...process.memoryUsage(), handles }) + '\n');
});
await serveRpcTarget({ sysroot, certFile, keyFile, log, ownerAddress: () => owner });
