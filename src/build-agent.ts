// The one wiring of the agent: services, features and the registry (with its lock manager) built
// from the shared deps. main (serve), the CLI, scripts/methods-table.ts and the tests all use
// it; only what listens, pushes or watches files is added by startAgent in src/main.ts.
import * as os from 'node:os';
import type { AgentDeps } from './agent-deps.js';
import { buildFeatures, type AgentServices, type FeatureOverrides } from './feature-list.js';
import type { Feature } from './features.js';
import { Registry } from './rpc/registry.js';
import { XmlRpcClient } from './rpc/client.js';
import { commonMethods } from './rpc/methods/common.js';
import { authMethods } from './rpc/methods/auth.js';
import { ownershipMethods } from './rpc/methods/ownership.js';
import { eventMethods } from './rpc/methods/events.js';
import { STATE_KEYS } from './services/context.js';
import { OwnershipService } from './services/ownership/ownership-service.js';
import { PasswordStore } from './services/auth/password-store.js';
import { EventPusher, type PushClientFactory } from './services/push/event-pusher.js';
import { StatisticsPusher } from './services/push/statistics-pusher.js';
import { AgentError } from './core/errors.js';
import type { ResolveHost } from './host/resolve-host.js';

export interface BuildAgentOptions {
  agentVersion: string;
  /** Where pushes go (tests: a recorder). Default: an XML-RPC client per URL. */
  clientFor?: PushClientFactory;
  /** Adapters to use instead of the real ones (tests, bench). */
  overrides?: FeatureOverrides;
  /** Resolves the host names of push URLs at take_ownership (tests: a table). Default: the system resolver. */
  resolveHost?: ResolveHost;
}

export interface BuiltAgent {
  deps: AgentDeps;
  registry: Registry;
  ownership: OwnershipService;
  passwords: PasswordStore;
  features: Feature[];
  services: AgentServices;
  pusher: EventPusher;
  stats: StatisticsPusher;
  /** set_statistic_interval and the live config key: stored, and applied to the push timer. */
  setStatisticInterval(seconds: number): void;
  /**
   * Puts right the changes a crash cut short (intents), then starts the features in order (each
   * stop is registered for stop()). Runs before the RPC server listens.
   */
  start(): Promise<void>;
  /** First thing at stop: aborts jobs and ends what callers in flight wait for (a pending network change). */
  quiesce(): void;
  /** Stops what start() started, in reverse, then closes the deps unless told not to. Never throws; false when a step failed. */
  stop(opts?: { closeDeps?: boolean }): Promise<boolean>;
}

export async function buildAgent(deps: AgentDeps, opts: BuildAgentOptions): Promise<BuiltAgent> {
  const { config, db, hostState, events, jobs, fs, clock, locks } = deps;
  const log = deps.log;
  const ownership = new OwnershipService({ hostState, events, log: log.child({ component: 'ownership' }) });
  const passwords = new PasswordStore({ config, fs, clock, log: log.child({ component: 'auth' }) });
  // Pushes connect only to the owner manager's address: to an IP-literal host that is it, or to a
  // host name pinned to it at take_ownership (never looked up again).
  const clientFor =
    opts.clientFor ??
    ((url: string) => {
      const connectTo = ownership.pushAddress(url);
      if (connectTo === undefined) return { call: () => Promise.reject(new AgentError('FORBIDDEN', 'push URL is not pinned to the owner manager; not sent')), close: () => undefined };
      return new XmlRpcClient({ url, timeoutMs: 30_000, rejectUnauthorized: false, connectTo });
    });
  const pusher = new EventPusher({ db, clock, log: log.child({ component: 'event-push' }), clientFor, hostId: () => os.hostname() });
  events.onEvent(() => pusher.kick());

  const built = await buildFeatures(deps, { ownership, agentVersion: opts.agentVersion, overrides: opts.overrides });
  const stats = new StatisticsPusher({
    clock,
    log: log.child({ component: 'stats-push' }),
    clientFor,
    url: () => ownership.statisticUrl(),
    collect: built.collectHostStats,
  });
  const setStatisticInterval = (seconds: number) => {
    hostState.set(STATE_KEYS.statisticInterval, String(seconds));
    stats.setInterval(seconds);
  };

  const registry = new Registry({
    isOwned: () => ownership.isOwned(),
    isOwner: config.rpc.ownerCheck === 'off' ? undefined : (caller) => ownership.isOwnerCaller(caller, config.rpc.ownerCheck),
    maxXmlDepth: config.rpc.maxXmlDepth,
    locks,
  });
  registry.register(
    commonMethods({
      clock,
      dispatchAllowed: (host) => (ownership.pool()?.memberIps ?? []).includes(host) || config.rpc.dispatchAllow.includes(host),
    }),
  );
  registry.register(authMethods(passwords));
  registry.register(ownershipMethods(ownership, { ownerCheck: config.rpc.ownerCheck, resolveHost: opts.resolveHost }));
  registry.register(eventMethods({ events, jobs, setStatisticInterval, invoke: (method, params, ctx) => registry.call(method, params, ctx) }));
  for (const f of built.features) registry.register(f.methods);
  for (const f of built.features) if (f.onAuthenticatedCall) registry.onCall((c) => f.onAuthenticatedCall!(c.method, c.remoteAddress));

  const stops: Array<() => Promise<void> | void> = [];
  return {
    deps,
    registry,
    ownership,
    passwords,
    features: built.features,
    services: built.services,
    pusher,
    stats,
    setStatisticInterval,
    async start() {
      jobs.markInterrupted();
      stops.push(() => jobs.abortAll());
      // Changes cut short by a crash are put right before anything else runs or any call is taken.
      const recovered = await deps.intents.recoverAll();
      if (recovered.length) log.warn({ intents: recovered }, `${recovered.length} unfinished change(s) found at start and put right`);
      for (const f of built.features) {
        if (f.start) await f.start();
        if (f.stop) stops.push(() => f.stop!());
      }
    },
    quiesce() {
      jobs.abortAll();
      for (const f of built.features) {
        try {
          f.quiesce?.();
        } catch (err) {
          log.error({ err, feature: f.name }, 'quiesce failed');
        }
      }
    },
    async stop(o = {}) {
      let ok = true;
      for (const s of stops.splice(0).reverse()) {
        try {
          await s();
        } catch (err) {
          ok = false;
          log.error({ err }, 'stop step failed');
        }
      }
      if (o.closeDeps !== false) deps.close();
      return ok;
    },
  };
}
