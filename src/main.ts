// Composition root: load config, build host adapters, services and the RPC server, start them
// in order, signal readiness, and stop them in reverse. Wiring only: no logic lives here.
import * as os from 'node:os';
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { loadConfig, ConfigWatcher } from './services/config/config-loader.js';
import type { AgentConfig } from './core/config/schema.js';
import { createRootLogger, type RootLogger } from './services/logging/logger.js';
import { HostExec, type Exec } from './host/exec.js';
import { systemClock, type Clock } from './host/clock.js';
import type { Db } from './store/db.js';
import { openAgentDeps, agentLogDir } from './agent-deps.js';
import { OwnershipService } from './services/ownership/ownership-service.js';
import { EventPusher } from './services/push/event-pusher.js';
import { StatisticsPusher } from './services/push/statistics-pusher.js';
import { STATE_KEYS } from './services/context.js';
import { PasswordStore } from './services/auth/password-store.js';
import { TlsKeyPair } from './host/tls.js';
import { Registry, callFromWire } from './rpc/registry.js';
import { RpcServer } from './rpc/transport.js';
import { XmlRpcClient } from './rpc/client.js';
import { commonMethods } from './rpc/methods/common.js';
import { authMethods } from './rpc/methods/auth.js';
import { ownershipMethods } from './rpc/methods/ownership.js';
import { eventMethods } from './rpc/methods/events.js';
import { buildFeatures } from './feature-list.js';

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
}

export interface Agent {
  config: AgentConfig;
  log: Logger;
  db: Db;
  registry: Registry;
  address: { address: string; port: number; tls: boolean };
  url: string;
  passwords: PasswordStore;
  stop(): Promise<void>;
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
  const stops: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (e) {
        log.error({ err: e }, 'stop step failed');
      }
    }
  };

  try {
    const deps = openAgentDeps(config, { log: root.log, exec, clock });
    stops.push(() => deps.close());
    const { db, hostState, events, jobs, fs } = deps;
    jobs.markInterrupted();
    stops.push(() => jobs.abortAll());
    const ownership = new OwnershipService({ hostState, events, log: root.log.child({ component: 'ownership' }) });

    const passwords = new PasswordStore({ config, fs, clock, log: root.log.child({ component: 'auth' }) });
    const tls = config.rpc.tls
      ? await new TlsKeyPair({ config, fs, exec, log: root.log.child({ component: 'tls' }) }).ensure()
      : undefined;

    const clientFor = (url: string) => new XmlRpcClient({ url, timeoutMs: 30_000, rejectUnauthorized: false });
    const pusher = new EventPusher({
      db,
      clock,
      log: root.log.child({ component: 'event-push' }),
      clientFor,
      hostId: () => os.hostname(),
    });
    events.onEvent(() => pusher.kick());

    const { features, collectHostStats } = await buildFeatures(deps, { ownership, agentVersion: AGENT_VERSION });
    const stats = new StatisticsPusher({
      clock,
      log: root.log.child({ component: 'stats-push' }),
      clientFor,
      url: () => ownership.statisticUrl(),
      collect: collectHostStats,
    });
    const setStatisticInterval = (seconds: number) => {
      hostState.set(STATE_KEYS.statisticInterval, String(seconds));
      stats.setInterval(seconds);
    };

    const ownerAddress = () => ownership.managerAddress();
    const registry = new Registry({
      isOwned: () => ownership.isOwned(),
      // An owner recorded before its address was (an older database) is not locked out.
      isOwner: config.rpc.ownerCheck === 'address' ? (addr) => (ownerAddress() ?? addr) === addr : undefined,
      maxXmlDepth: config.rpc.maxXmlDepth,
    });
    registry.register(
      commonMethods({
        clock,
        dispatchAllowed: (host) => (ownership.pool()?.memberIps ?? []).includes(host) || config.rpc.dispatchAllow.includes(host),
      }),
    );
    registry.register(authMethods(passwords));
    registry.register(ownershipMethods(ownership));
    registry.register(
      eventMethods({
        events,
        jobs,
        setStatisticInterval,
        invoke: (method, params, ctx) => registry.call(method, params, ctx),
      }),
    );
    for (const f of features) registry.register(f.methods);
    for (const f of features) if (f.onAuthenticatedCall) registry.onCall((c) => f.onAuthenticatedCall!(c.method));

    for (const f of features) {
      if (f.start) await f.start();
      if (f.stop) stops.push(() => f.stop!());
    }

    const server = new RpcServer({
      rpc: config.rpc,
      log: root.log.child({ component: 'transport' }),
      handle: (body, base) => callFromWire(registry, body, base),
      passwords,
      tls,
      clock,
      ownerAddress,
    });
    const address = await server.start();
    stops.push(() => server.stop());

    pusher.start();
    stops.push(() => pusher.stop());
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
    stops.unshift(() => root.close());

    const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
    const url = `${address.tls ? 'https' : 'http'}://${host}:${address.port}/api/3/`;
    log.info({ url, version: AGENT_VERSION, sandbox: config.sandbox, methods: registry.list().length }, 'hvagent started');
    return { config, log: root.log, db, registry, address, url, passwords, stop: stopAll };
  } catch (e) {
    log.fatal({ err: e }, 'start-up failed');
    await stopAll();
    root.close();
    throw e;
  }
}
