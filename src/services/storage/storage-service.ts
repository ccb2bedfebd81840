// Storage Connect dispatch: `storage_plugin_<op>(impl_name, ...)` finds the plugin, checks it
// has the operation, validates the arguments with the op's schema, writes START/FINISH to
// storage.log, runs long operations as jobs with progress, and renders the answer the stock way.
import type { Logger } from 'pino';
import { AgentError, isAgentError } from '../../core/errors.js';
import { opArgsSchema, type PluginContext, type StoragePlugin } from '../../core/storage/plugin.js';
import { pluginsToXml } from '../../core/storage/plugins-xml.js';
import { storageResultToWire, type StorageWire } from '../../core/storage/records.js';
import type { Clock } from '../../host/clock.js';
import type { HostFs } from '../../host/host-fs.js';
import type { Jobs } from '../jobs/job-runner.js';
import { StorageLog } from './storage-log.js';
import type { StorageRegistry } from './registry.js';
import { argName, argNames } from './arg-names.js';

export interface StorageServiceDeps {
  registry: StorageRegistry;
  fs: HostFs;
  clock: Clock;
  log: Logger;
  jobs: Jobs;
  /** Upper bound for each external command a plugin runs. */
  commandTimeoutMs: number;
  /** Loads vendor plugins at start (absent in tests that only use built-ins). */
  loadVendorPlugins?: () => Promise<void>;
  storageLogFile?: string;
}

export interface StorageCall {
  callId: string;
  signal: AbortSignal;
  log?: Logger;
}

type AnyOp = (ctx: PluginContext, ...args: unknown[]) => Promise<unknown>;

export class StorageService {
  private readonly slog: StorageLog;
  private started: StoragePlugin[] = [];

  constructor(private readonly deps: StorageServiceDeps) {
    this.slog = new StorageLog({ fs: deps.fs, clock: deps.clock, log: deps.log, file: deps.storageLogFile });
  }

  async start(): Promise<void> {
    if (this.deps.loadVendorPlugins) await this.deps.loadVendorPlugins();
    for (const p of this.deps.registry.all()) {
      try {
        await p.start?.();
        this.started.push(p);
      } catch (err) {
        this.deps.log.error({ err, plugin: p.info.impl_name }, 'storage plugin failed to start');
      }
    }
  }

  async stop(): Promise<void> {
    for (const p of this.started.reverse()) await p.stop?.().catch((err: unknown) => this.deps.log.warn({ err, plugin: p.info.impl_name }, 'storage plugin stop failed'));
    this.started = [];
  }

  discoverStoragePlugins(): string {
    return pluginsToXml(this.deps.registry.infos());
  }

  /** One `storage_plugin_<op>(impl, ...args)` call. */
  async call(impl: string, op: string, args: readonly unknown[], call: StorageCall): Promise<StorageWire> {
    const plugin = this.deps.registry.get(impl);
    const schema = opArgsSchema(plugin.kind, op);
    const fn = (plugin as unknown as Record<string, unknown>)[op];
    if (!schema || typeof fn !== 'function') {
      throw new AgentError('STORAGE_OP_NOT_SUPPORTED', `operation ${op} is not supported by ${impl}`, { plugin: impl, op });
    }
    const parsed = schema.safeParse(args);
    if (!parsed.success) {
      const what = parsed.error.issues
        .slice(0, 5)
        .map((i) => {
          const [pos, ...rest] = i.path;
          const name = typeof pos === 'number' ? argName(plugin.kind, op, pos) : `arguments (impl_name, ${argNames(plugin.kind, op).join(', ')})`;
          return `${name}${rest.length ? '.' + rest.join('.') : ''}: ${i.message}`;
        })
        .join('; ');
      throw new AgentError('STORAGE_INVALID', `storage_plugin_${op} (${impl}): ${what}`, { plugin: impl, op });
    }
    return this.run(plugin, op, args, call, (ctx) => (fn as AnyOp).call(plugin, ctx, ...(parsed.data as unknown[])));
  }

  /** storage_iSCSI_logoutTarget / storage_iSCSI_deletePortal: served by the array plugin that has them. */
  async iscsi(op: 'iscsiLogoutTarget' | 'iscsiDeletePortal', args: readonly string[], call: StorageCall): Promise<StorageWire> {
    const plugin = this.deps.registry.all().find((p) => p.kind === 'isa' && typeof p[op] === 'function');
    if (!plugin || plugin.kind !== 'isa') throw new AgentError('STORAGE_OP_NOT_SUPPORTED', `no storage plugin on this host handles ${op}`, { op });
    const fn = plugin[op] as unknown as AnyOp;
    return this.run(plugin, op, args, call, (ctx) => fn.call(plugin, ctx, ...args));
  }

  private async run(plugin: StoragePlugin, op: string, args: readonly unknown[], call: StorageCall, body: (ctx: PluginContext) => Promise<unknown>): Promise<StorageWire> {
    const impl = plugin.info.impl_name;
    const line = { callId: call.callId, impl, op };
    const log = (call.log ?? this.deps.log).child({ component: 'storage', plugin: impl, op });
    const t0 = this.deps.clock.now();
    await this.slog.start(line, args);
    const ctxFor = (signal: AbortSignal, progress: PluginContext['progress']): PluginContext => ({
      impl,
      op,
      callId: call.callId,
      log,
      signal,
      progress,
      commandTimeoutMs: this.deps.commandTimeoutMs,
    });
    try {
      let result: unknown;
      if (plugin.longOps?.includes(op)) {
        // Like imports: a job row with progress that abort_job can stop; the call still answers
        // only when the work is done, as the stock agent did (managers wait on the call).
        const job = this.deps.jobs.start(`storage_${op}`, `${impl} ${op}`, (ctl) =>
          body(ctxFor(AbortSignal.any([ctl.signal, call.signal]), (f, m) => ctl.progress(f, m))),
        );
        log.info({ jobId: job.id }, 'storage operation running as a job');
        result = await job.done;
      } else {
        result = await body(ctxFor(call.signal, () => {}));
      }
      await this.slog.finishOk(line, this.deps.clock.now() - t0, result);
      return storageResultToWire(result);
    } catch (e) {
      await this.slog.finishError(line, this.deps.clock.now() - t0, e);
      if (!isAgentError(e)) log.error({ err: e }, 'storage plugin failed unexpectedly');
      throw e;
    }
  }
}
