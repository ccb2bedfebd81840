// Pushes of a real agent (its own XML-RPC client, no fake): an event goes to the owner manager
// through the address its URL's name was pinned to at take_ownership, and never to a URL that
// is not pinned to the owner.
import t from 'tap';
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { openAgentDeps } from '../../src/agent-deps.js';
import { buildAgent } from '../../src/build-agent.js';
import { parseConfig } from '../../src/core/config/schema.js';
import { STATE_KEYS } from '../../src/services/context.js';
import { encodeResponse } from '../../src/rpc/codec/index.js';
import { injector } from '../helpers/inject.js';
import { FakeClock, FakeHypervisor, RecordingExec } from '../helpers/vm-fakes.js';

t.test('events reach the pinned owner only', async (t) => {
  const got: string[] = [];
  const mgr = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push(`${req.headers.host} ${req.url} ${/<string>(pinned|not pinned)<\/string>/.exec(body)?.[1] ?? ''}`.trim());
      res.end(encodeResponse(null));
    });
  });
  await new Promise<void>((r) => mgr.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => mgr.close(() => r())));
  const port = (mgr.address() as AddressInfo).port;

  const root = mkdtempSync(join(tmpdir(), 'hv9-push-'));
  const hv = new FakeHypervisor();
  const parsed = parseConfig({ paths: { sysroot: root }, libvirt: { uri: hv.uri } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const deps = openAgentDeps(parsed.config, { log: pino({ level: 'silent' }), exec: new RecordingExec(), clock: new FakeClock() });
  // The manager's name resolves to the caller (127.0.0.1) at take_ownership, and later elsewhere.
  const dns: Record<string, string[]> = { 'mgr.test': ['127.0.0.1'] };
  const agent = await buildAgent(deps, { agentVersion: '0.0.0-test', overrides: { hypervisor: hv }, resolveHost: async (n) => dns[n] ?? Promise.reject(new Error('ENOTFOUND')) });
  t.teardown(async () => {
    await agent.stop();
    rmSync(root, { recursive: true, force: true });
  });
  await agent.start();
  const call = injector(agent, { remoteAddress: '127.0.0.1' });
  await call('take_ownership', { manager_uuid: '0004fb0000020000ba9aaf00ae5e2d73', manager_event_url: `http://mgr.test:${port}/ev` });
  dns['mgr.test'] = ['203.0.113.9'];
  deps.events.emit({ severity: 'info', object: 'host', code: 'TEST_EVENT', message: 'pinned' });
  // The pusher also runs on its own (kicked by each event): flush until the outbox is empty.
  for (let i = 0; i < 100 && agent.pusher.pending() > 0; i++) await agent.pusher.flush();
  t.equal(agent.pusher.pending(), 0, 'delivered');
  t.ok(got.length >= 1 && got.every((g) => g.startsWith(`mgr.test:${port} /ev`)), 'to the pinned address, the name kept in Host, whatever DNS says now');
  t.ok(got.includes(`mgr.test:${port} /ev pinned`), 'the event itself');
  const before = got.length;

  // The owner moved to 127.0.0.3 while the URL still names 127.0.0.1, where a server answers
  // (both written behind the agent's back): nothing is sent there.
  deps.hostState.set(STATE_KEYS.managerAddress, '127.0.0.3');
  deps.hostState.set(STATE_KEYS.managerEventUrl, `http://127.0.0.1:${port}/ev`);
  deps.events.emit({ severity: 'info', object: 'host', code: 'TEST_EVENT', message: 'not pinned' });
  t.equal(await agent.pusher.flush(), 0, 'not delivered');
  t.equal(agent.pusher.pending(), 1, 'it waits in the outbox');
  t.equal(got.length, before, 'and nothing reached any server');
});
