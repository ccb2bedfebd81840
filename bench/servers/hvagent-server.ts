// Bench target (a): hvagent's RpcServer + Registry + the real scrypt password store, in its own
// process, with the real common methods. argv: sysroot certFile keyFile logFile|'warn'; prints
// {"port": N} once listening.
import * as path from 'node:path';
import { createRootLogger } from '../../src/services/logging/logger.js';
import { serveRpcTarget } from './rpc-target.js';

const [sysroot, certFile, keyFile, logFile] = process.argv.slice(2);
// As in production: START/FINISH lines at info for every call, written to a file.
// 'warn' shows what the per-call lines cost (an informational row of the bench).
// The agent's own root logger (redaction, file destination), without stdout.
const { log } = createRootLogger({
  level: logFile === 'warn' ? 'warn' : 'info',
  logDir: logFile === 'warn' ? undefined : path.dirname(logFile),
  stdout: false,
});
// This bench measures the request path: its load (every client from 127.0.0.1, no owner) would
// otherwise hit the admission limits that the front-door bench measures (32 per address).
await serveRpcTarget({ sysroot, certFile, keyFile, log, rpc: { maxConnections: 1024, maxConnectionsPerAddress: 1024, maxUnauthenticated: 1024 } });
