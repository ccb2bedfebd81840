// Starts an RpcServer for the front-door tests: temp sysroot, real password store and key pair,
// a handler the test gives, and a count of the connections the server holds open.
import type { Test } from 'tap';
import { SysrootFs } from '../../src/host/host-fs.js';
import { HostExec } from '../../src/host/exec.js';
import { TlsKeyPair } from '../../src/host/tls.js';
import { PasswordStore } from '../../src/services/auth/password-store.js';
import { RpcServer, type RpcServerDeps, type WireBase } from '../../src/rpc/transport.js';
import type { AgentConfigInput } from '../../src/core/config/schema.js';
import { FakeClock, silentLog, tempSysroot, testConfig } from './transport-helpers.js';

export const PASSWORD = 'correct horse';

export function answerXml(text: string): string {
  return `<?xml version="1.0"?><methodResponse><params><param><value><string>${text}</string></value></param></params></methodResponse>`;
}

export async function startTestServer(
  t: Test,
  rpc: NonNullable<AgentConfigInput['rpc']> = {},
  handle: (body: Buffer, base: WireBase) => string | Promise<string> = () => answerXml('ok'),
  extra: Partial<RpcServerDeps> = {},
) {
  const sysroot = tempSysroot('hv9-rpc-');
  const config = testConfig(sysroot, rpc);
  const hostFs = new SysrootFs(sysroot);
  const clock = new FakeClock();
  const passwords = new PasswordStore({ config, fs: hostFs, clock, log: silentLog });
  await passwords.set(PASSWORD);
  const tls = config.rpc.tls
    ? await new TlsKeyPair({ config, fs: hostFs, exec: new HostExec(), log: silentLog, hostName: 'hv9host' }).ensure()
    : undefined;
  const server = new RpcServer({ rpc: config.rpc, log: silentLog, clock, passwords, tls, handle, ...extra });
  const bound = await server.start();
  t.teardown(() => server.stop(100));
  return { server, port: bound.port, clock, tls, config };
}
