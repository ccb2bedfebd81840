// Bench target of the front-door bench: hvagent's RpcServer + Registry with the default
// connection limits, the owner manager at argv[4]. argv: sysroot certFile keyFile ownerAddress;
// prints {"port": N} once listening.
import pino from 'pino';
import { serveRpcTarget } from './rpc-target.js';

const [sysroot, certFile, keyFile, owner] = process.argv.slice(2);
const log = pino({ level: 'warn' }, pino.destination('/dev/null'));
await serveRpcTarget({ sysroot, certFile, keyFile, log, ownerAddress: () => owner });
