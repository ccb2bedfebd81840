// A whole agent in process for tests: buildAgent() over a temp sysroot with fakes for the host
// adapters (hypervisor, mounts, commands), started, owned by a manager, called through
// inject(). Stopped and its sysroot removed in t.teardown.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openAgentDeps } from '../../src/agent-deps.js';
import { buildAgent, type BuiltAgent } from '../../src/build-agent.js';
import { parseConfig, type AgentConfigInput } from '../../src/core/config/schema.js';
import type { Clock } from '../../src/host/clock.js';
import type { Exec } from '../../src/host/exec.js';
import type { FeatureOverrides } from '../../src/feature-list.js';
import { injector } from './inject.js';
import { FakeClock, FakeHypervisor, RecordingExec } from './vm-fakes.js';

export const TEST_MANAGER = '0004fb0000010000aaaaaaaaaaaaaaaa';

export interface TestAgentOptions {
  config?: AgentConfigInput;
  exec?: Exec;
  clock?: Clock;
  overrides?: FeatureOverrides;
  /** Take ownership as TEST_MANAGER before returning (default true). */
  owned?: boolean;
}

export interface TestAgent {
  agent: BuiltAgent;
  root: string;
  hypervisor: FakeHypervisor | undefined;
  call: (method: string, ...args: unknown[]) => Promise<unknown>;
}

export async function startTestAgent(t: { teardown(fn: () => unknown): void }, opts: TestAgentOptions = {}): Promise<TestAgent> {
  const root = mkdtempSync(join(tmpdir(), 'hvagent-agent-'));
  const over = opts.config ?? {};
  const hypervisor = opts.overrides?.hypervisor ? undefined : new FakeHypervisor();
  const parsed = parseConfig({
    ...over,
    paths: { ...(over.paths ?? {}), sysroot: root },
    libvirt: { uri: (opts.overrides?.hypervisor ?? hypervisor)!.uri, shutdownTimeout: 5, ...(over.libvirt ?? {}) },
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const deps = openAgentDeps(parsed.config, { log: pino({ level: 'silent' }), exec: opts.exec ?? new RecordingExec(), clock: opts.clock ?? new FakeClock() });
  let agent: BuiltAgent;
  try {
    agent = await buildAgent(deps, { agentVersion: '0.0.0-test', clientFor: () => ({ call: async () => null }), overrides: { hypervisor, ...opts.overrides } });
  } catch (e) {
    deps.close();
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
  t.teardown(async () => {
    await agent.stop();
    rmSync(root, { recursive: true, force: true });
  });
  await agent.start();
  const call = injector(agent);
  if (opts.owned !== false) await call('take_ownership', TEST_MANAGER, 'https://127.0.0.1:7002/ovm/core');
  return { agent, root, hypervisor, call };
}
