// Composition root: load config and logger, build the agent (src/build-agent.ts), add what
// listens, pushes and watches, start them in order and stop them in reverse. Wiring only.
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { loadConfig, ConfigWatcher } from './services/config/config-loader.js';
import type { AgentConfig } from './core/config/schema.js';
import { createRootLogger, type RootLogger } from './services/logging/logger.js';
import { HostExec, type Exec } from './host/exec.js';
import { systemClock, type Clock } from './host/clock.js';
import type { Db } from './store/db.js';
import { openAgentDeps, agentLogDir } from './agent-deps.js';
import { STATE_KEYS } from './services/context.js';
import { PasswordStore } from './services/auth/password-store.js';
import { TlsKeyPair } from './host/tls.js';
import { callFromWire, type Registry } from './rpc/registry.js';
import { buildAgent, type BuiltAgent } from './build-agent.js';
import type { FeatureOverrides } from './feature-list.js';
import { RpcServer } from './rpc/transport.js';
import { loadFullGc, loadMallocTrim, startMemoryTrimmer } from './host/malloc-trim.js';

/** The package version, found by walking up from this file (src/ under tsx, dist/src/ when built). */
function packageVersion(): string {
  const require = createRequire(import.meta.url);
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const p = require(rel) as { name?: string; version?: string };
      if (p.name === 'hvagent' && p.version) return p.version;
    } catch {
      /* not at this level */
    }
  }
  return '0.0.0';
}

export const AGENT_VERSION: string = packageVersion();

export interface AgentOptions {
  configFile: string;
  /** Deep-merged over the file (CLI flags, sandbox mode). */
  overrides?: Record<string, unknown>;
  /** Test hooks. */
  exec?: Exec;
  clock?: Clock;
  logStream?: import('pino').DestinationStream;
  /** Test hook: adapters used instead of the real ones (a test-only mounter). */
  features?: FeatureOverrides;
}

export interface Agent {
  config: AgentConfig;
  log: Logger;
  db: Db;
  registry: Registry;
  address: { address: string; port: number; tls: boolean };
  url: string;
  passwords: PasswordStore;
  /** Orderly stop; false when a step failed (the process then exits non-zero). */
  stop(): Promise<boolean>;
}

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const overrides = opts.overrides ?? {};
  let config = loadConfig(opts.configFile, overrides);
  const root: RootLogger = createRootLogger({
    level: config.log.level,
    logDir: agentLogDir(config),
    stdout: config.log.stdout,
    stream: opts.logStream,
  });
  const log = root.log.child({ component: 'agent' });
  const clock = opts.clock ?? systemClock;
  const exec = opts.exec ?? new HostExec();
  // Stop order: first end what callers wait for (jobs aborted, a pending network change rolled
  // back) so every call in flight gets its answer or fault; then the RPC server (calls in flight
  // finish, connections close), pushes, the watcher and the areas in reverse start order; logs
  // flushed; the database closed last.
  let quiesce: () => void = () => {};
  const stops: Array<() => Promise<unknown> | unknown> = [];
  let closeDb: () => void = () => {};
  let stopping: Promise<boolean> | undefined;
  const stopAll = (): Promise<boolean> =>
    (stopping ??= (async () => {
      let ok = true;
      const step = async (fn: () => Promise<unknown> | unknown) => {
        try {
          if ((await fn()) === false) ok = false;
        } catch (e) {
          ok = false;
          log.error({ err: e }, 'stop step failed');
        }
      };
      await step(() => quiesce());
      for (const s of stops.reverse()) await step(s);
      log.info({ ok }, 'hvagent stopped');
      await step(() => root.close());
      await step(closeDb);
      return ok;
    })());

  try {
    const deps = openAgentDeps(config, { log: root.log, exec, clock });
    closeDb = () => deps.close();
    let agent: BuiltAgent;
    try {
      agent = await buildAgent(deps, { agentVersion: AGENT_VERSION, overrides: opts.features });
    } catch (e) {
      deps.close();
      closeDb = () => {};
      throw e;
    }
    quiesce = () => agent.quiesce();
    stops.push(() => agent.stop({ closeDeps: false }));
    const { db, hostState } = deps;
    const { registry, passwords, pusher, stats, setStatisticInterval } = agent;
    const tls = config.rpc.tls
      ? await new TlsKeyPair({ config, fs: deps.fs, exec, log: root.log.child({ component: 'tls' }) }).ensure()
      : undefined;
    await agent.start();

    const server = new RpcServer({
      rpc: config.rpc,
      log: root.log.child({ component: 'transport' }),
      handle: (body, base) => callFromWire(registry, body, base),
      passwords,
      tls,
      clock,
      ownerAddress: () => agent.ownership.managerAddress(),
    });
    const address = await server.start();
    stops.push(() => server.stop());

    pusher.start();
    stops.push(() => pusher.stop());
    stops.push(startMemoryTrimmer({ trim: loadMallocTrim(), gc: loadFullGc(), clock, rss: () => process.memoryUsage.rss(), log }));
    stats.start(Number(hostState.get(STATE_KEYS.statisticInterval) ?? config.statistics.interval));
    stops.push(() => stats.stop());

    const watcher = new ConfigWatcher({
      file: opts.configFile,
      overrides,
      log: root.log.child({ component: 'config' }),
      current: () => config,
      onLiveChange: (next, keys) => {
        if (keys.includes('log.level')) root.log.level = next.log.level;
        if (keys.includes('statistics.interval')) setStatisticInterval(next.statistics.interval);
        config = next;
      },
    });
    watcher.start();
    stops.push(() => watcher.stop());

    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    const url = `${address.tls ? 'https' : 'http'}://${host}:${address.port}/api/3/`;
    log.info({ url, version: AGENT_VERSION, sandbox: config.sandbox, methods: registry.list().length }, 'hvagent started');
    return { config, log: root.log, db, registry, address, url, passwords, stop: stopAll };
  } catch (e) {
    log.fatal({ err: e }, 'start-up failed');
    await stopAll();
    throw e;
  }
}
