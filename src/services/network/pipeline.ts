// The one pipeline every network change runs: read current -> build desired -> validate ->
// plan -> checkpoint -> apply (files, then live ops in one batch) -> verify with bounded
// retries -> connectivity check -> commit; any failure rolls back to the checkpoint, rediscovers
// and records NETWORK_OPERATION_FAILED (acknowledged when the rediscovery completes).
import { AgentError, fail, isAgentError } from '../../core/errors.js';
import { BACKENDS, type FileBackend } from '../../core/net/backend.js';
import { canonicalize } from '../../core/net/canonicalize.js';
import { ifcfgToModel } from '../../core/net/ifcfg-parse.js';
import { IFCFG_DIR, isAgentWritten } from '../../core/net/ifcfg-render.js';
import { cutsManager, ifaceOfAddress } from '../../core/net/manager-link.js';
import type { NetModel } from '../../core/net/model.js';
import { planChange, type NetPlan } from '../../core/net/plan.js';
import { mergeCurrent, snapshotToModel } from '../../core/net/snapshot-to-model.js';
import { changedNames, validateModel } from '../../core/net/validate.js';
import { verify } from '../../core/net/verify.js';
import type { HostNetSnapshot } from '../../host/net/snapshot.js';
import { NetworkConfigRepo } from '../../store/network-config.js';
import type { Intent } from '../intents/intents.js';
import { INTENT_NET_CHANGE, restoreCheckpoint, rollbackFailed, type NetCheckpoint, type RollbackReport } from './net-checkpoint.js';
import { NET_STATE_KEYS, type NetStep, type NetworkServiceDeps } from './deps.js';
import { exclusive } from '../../core/locks.js';

export interface CurrentState {
  snap: HostNetSnapshot;
  live: NetModel;
  /** Host path -> content of every file in the backend's directories. */
  files: Record<string, string>;
  filesModel: NetModel;
  current: NetModel;
  down: Set<string>;
}

export interface ChangeOptions {
  connectivityCheck?: boolean;
  /** Seconds. */
  connectivityTimeout?: number;
  commitOnSuccess?: boolean;
  dryRun?: boolean;
  /** The local address the manager's connection arrived on (cut protection). */
  localAddress?: string;
  /** The caller's address: only its calls confirm connectivity for this change. */
  caller?: string;
  /** What the change is, for logs and events. */
  label: string;
}

export interface ChangeResult<T> {
  result?: T;
  plan: NetPlan;
  desired: NetModel;
  changed: boolean;
}

export type Build<T> = (current: NetModel, state: CurrentState) => { desired: NetModel; result?: T };

interface Pending {
  /** Who may confirm: the address of the caller that made the change. */
  caller?: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

/** Devices a change touched: changed ones, plus the members and masters of changed ones. */
function touchedNames(cur: NetModel, des: NetModel): Set<string> {
  const out = changedNames(cur, des);
  for (const n of [...out]) {
    for (const m of [cur, des]) {
      const i = m.ifaces[n];
      if (i?.kind === 'bond') i.slaves.forEach((s) => out.add(s));
      if (i?.kind === 'bridge') i.ports.forEach((p) => out.add(p));
      if (i?.kind === 'vlan') out.add(i.parent);
    }
  }
  return out;
}

/** The lock resource of the apply pipeline itself. */
export const NETWORK_APPLY = 'network:apply';

export class NetPipeline {
  readonly repo: NetworkConfigRepo;
  readonly backend: FileBackend;
  private seq = 0;
  private running: Promise<void> | undefined;
  private pending: Pending | undefined;
  /** Set once the agent stops: no change waits for the manager after that. */
  private stopping: Error | undefined;

  constructor(private readonly deps: NetworkServiceDeps) {
    this.repo = new NetworkConfigRepo(deps.db);
    this.backend = BACKENDS[deps.config.network.backend];
  }

  get netns(): string | undefined {
    return this.deps.netns ?? this.deps.config.network.netns;
  }

  /**
   * Runs fn holding `network:apply` in the agent's lock manager; a concurrent change faults BUSY
   * at once. RPC methods also hold `network` for the whole call (declared in rpc/methods); this
   * one also covers changes that come from elsewhere (boot restore, reset, rollback timers).
   */
  async locked<R>(fn: () => Promise<R>): Promise<R> {
    const lease = this.deps.locks.acquire({ id: `network-pipeline:${++this.seq}`, what: 'another network operation' }, [exclusive(NETWORK_APPLY)]);
    let run: Promise<R>;
    try {
      run = fn();
    } catch (e) {
      lease.release();
      throw e;
    }
    this.running = run.then(
      () => undefined,
      () => undefined,
    );
    try {
      return await run;
    } finally {
      lease.release();
      this.running = undefined;
    }
  }

  /** Resolves when no change is in progress (stop waits for a rollback to finish). */
  async idle(): Promise<void> {
    await this.running;
  }

  isBusy(): boolean {
    return this.deps.locks.isHeld(NETWORK_APPLY);
  }

  /**
   * confirm_connectivity, or another call, from the caller that made the waiting change (its
   * address); a call from anywhere else (the host's own CLI) proves nothing.
   */
  confirm(from: string): boolean {
    const p = this.pending;
    if (!p || (p.caller !== undefined && p.caller !== from)) return false;
    this.pending = undefined;
    p.resolve();
    return true;
  }

  /** Ends a wait for the manager with a failure (agent stopping): the change rolls back. */
  abortPending(e: Error): boolean {
    // A change still applying when the agent stops must not start waiting afterwards.
    this.stopping = e;
    const p = this.pending;
    if (!p) return false;
    this.pending = undefined;
    p.reject(e);
    return true;
  }

  hasPending(): boolean {
    return this.pending !== undefined;
  }

  async readFiles(): Promise<Record<string, string>> {
    const { fs } = this.deps;
    const out: Record<string, string> = {};
    for (const dir of this.backend.dirs) {
      for (const f of await fs.list(dir)) {
        if (f.startsWith('.')) continue;
        const p = `${dir}/${f}`;
        const st = await fs.stat(p);
        if (!st?.isFile()) continue;
        out[p] = await fs.readText(p);
      }
    }
    return out;
  }

  filesToModel(files: Record<string, string>): NetModel {
    const byName: Record<string, string> = {};
    for (const [p, t] of Object.entries(files)) if (p.startsWith(`${IFCFG_DIR}/`)) byName[p.slice(IFCFG_DIR.length + 1)] = t;
    return ifcfgToModel(byName);
  }

  async readCurrent(): Promise<CurrentState> {
    const snap = await this.deps.reader.read({ netns: this.netns });
    const live = snapshotToModel(snap);
    const files = await this.readFiles();
    const filesModel = this.filesToModel(files);
    const current = canonicalize(mergeCurrent(live, filesModel, this.repo.get('running')));
    const down = new Set(snap.links.filter((l) => !l.up && live.ifaces[l.name]).map((l) => l.name));
    return { snap, live, files, filesModel, current, down };
  }

  private async step(s: NetStep): Promise<void> {
    await this.deps.beforeStep?.(s);
  }

  /** The whole pipeline for one change. The caller holds the lock. */
  async change<T>(opts: ChangeOptions, build: Build<T>): Promise<ChangeResult<T>> {
    const { log } = this.deps;
    await this.step('read');
    const state = await this.readCurrent();
    const built = build(state.current, state);
    const desired = canonicalize(built.desired);
    await this.step('validate');
    validateModel(desired, state.current, {
      hostPorts: new Set(state.snap.links.filter((l) => l.kind === 'physical' || l.kind === 'veth').map((l) => l.name)),
    });
    // a bridge that still carries virtual machine interfaces (taps we do not model) stays
    for (const [n, i] of Object.entries(state.current.ifaces)) {
      if (i.kind !== 'bridge' || desired.ifaces[n]?.kind === 'bridge') continue;
      const vifs = (state.snap.links.find((l) => l.name === n)?.bridge?.ports ?? []).filter((p) => !state.current.ifaces[p]);
      if (vifs.length) throw fail('NET_DEVICE_IN_USE', `bridge ${n} carries virtual machine interfaces (${vifs.slice(0, 5).join(', ')}); stop or move those VMs first`, { bridge: n, vifs });
    }
    if (opts.localAddress && !opts.connectivityCheck) {
      const holder = ifaceOfAddress(state.snap, opts.localAddress);
      if (cutsManager(state.current, desired, holder, opts.localAddress)) {
        throw fail('NET_WOULD_CUT_MANAGER', `${opts.label} would remove or re-address ${holder}, which carries the manager's connection; retry with connectivityCheck on`, { iface: holder });
      }
    }
    await this.step('plan');
    const plan = planChange(state.current, desired, this.backend, state.files, { down: state.down });
    const storedChanged = JSON.stringify(this.repo.get('running')?.networks ?? {}) !== JSON.stringify(desired.networks);
    const changed = plan.ops.length > 0 || plan.files.length > 0;
    if (opts.dryRun) return { result: built.result, plan, desired, changed };
    if (!changed && !storedChanged && !opts.commitOnSuccess) {
      log.info({ change: opts.label }, 'network change: nothing to do');
      return { result: built.result, plan, desired, changed };
    }
    log.info({ change: opts.label, ops: plan.ops.length, files: plan.files.map((f) => f.path) }, 'network change: applying');

    let failedStep: NetStep = 'checkpoint';
    let liveStarted = false;
    let cp: NetCheckpoint | undefined;
    let intent: Intent<NetCheckpoint> | undefined;
    try {
      await this.step('checkpoint');
      // The checkpoint is the change's intent: stored before the first file is written, so a
      // crash at any later point is rolled back at start (or by restore-networks).
      cp = {
        label: opts.label,
        ...(opts.caller !== undefined ? { caller: opts.caller } : {}),
        files: plan.files.map((f) => ({ path: f.path, old: f.old ?? null })),
        rows: this.repo.checkpoint(),
        current: state.current,
        filesModel: state.filesModel,
        down: [...state.down],
      };
      intent = this.deps.intents.begin(INTENT_NET_CHANGE, 'network', cp);
      failedStep = 'apply-files';
      await this.step('apply-files');
      intent.step('apply-files');
      for (const f of plan.files) {
        if (f.new === undefined) await this.deps.fs.remove(f.path);
        else await this.deps.fs.writeAtomic(f.path, f.new);
      }
      failedStep = 'apply-live';
      await this.step('apply-live');
      intent.step('apply-live');
      liveStarted = true;
      if (plan.ops.length) await this.deps.applier.apply(plan.ops, { netns: this.netns });
      failedStep = 'verify';
      await this.step('verify');
      intent.step('verify');
      await this.verifyWithRetries(desired, Object.keys(state.current.ifaces).filter((n) => !desired.ifaces[n]), touchedNames(state.current, desired));
      if (opts.connectivityCheck) {
        failedStep = 'connectivity';
        await this.step('connectivity');
        intent.step('connectivity');
        await this.awaitConnectivity(opts.connectivityTimeout ?? this.deps.config.network.connectivityTimeout, opts.caller);
      }
      failedStep = 'commit';
      await this.step('commit');
      intent.step('commit');
      // The new rows and the intent's removal commit in one transaction: never half of it.
      intent.endWith(() => this.commit(desired, plan, opts.commitOnSuccess === true));
      return { result: built.result, plan, desired, changed: true };
    } catch (e) {
      const rolledBack = cp
        ? await restoreCheckpoint(this.deps, this.repo, cp, { netns: this.netns, live: liveStarted, log: this.deps.log })
        : undefined;
      intent?.end();
      throw await this.recordFailure(opts.label, failedStep, e, rolledBack);
    }
  }

  /** Crash recovery of a change cut short before its commit: everything back as it was. */
  async recoverChange(cp: NetCheckpoint): Promise<RollbackReport> {
    const report = await restoreCheckpoint(this.deps, this.repo, cp, { netns: this.netns, live: true, log: this.deps.log });
    const failed = rollbackFailed(report);
    if (failed.length) {
      this.markDirty(cp.label, failed);
      throw fail('NET_ROLLBACK_FAILED', `${cp.label} was cut short and could not be rolled back: ${failed.join('; ')}`, { rolledBack: report });
    }
    return report;
  }

  /** A rollback that failed leaves the host unlike any stored config until restore or reset. */
  markDirty(label: string, unrestored: string[]): void {
    this.deps.hostState.setJson(NET_STATE_KEYS.rollbackFailed, { at: new Date(this.deps.clock.now()).toISOString(), change: label, unrestored });
  }

  clearDirty(): void {
    this.deps.hostState.delete(NET_STATE_KEYS.rollbackFailed);
  }

  rollbackFailure(): { at: string; change: string; unrestored: string[] } | undefined {
    return this.deps.hostState.getJson(NET_STATE_KEYS.rollbackFailed);
  }

  private async verifyWithRetries(desired: NetModel, removed: string[], only: Set<string>): Promise<void> {
    const { verifyRetries, verifyIntervalMs } = this.deps.config.network;
    let mismatches: string[] = [];
    for (let attempt = 0; attempt <= verifyRetries; attempt++) {
      if (attempt > 0) await this.deps.clock.sleep(verifyIntervalMs);
      const snap = await this.deps.reader.read({ netns: this.netns });
      mismatches = verify(desired, snap, removed, only);
      if (!mismatches.length) return;
    }
    throw fail('NET_VERIFY_FAILED', `the host does not show the change: ${mismatches.slice(0, 5).join('; ')}`, { mismatches });
  }

  private awaitConnectivity(timeoutS: number, caller: string | undefined): Promise<void> {
    if (this.stopping) return Promise.reject(this.stopping);
    return new Promise<void>((resolve, reject) => {
      const timer = this.deps.clock.setTimeout(() => {
        if (this.pending !== entry) return;
        this.pending = undefined;
        reject(fail('NET_LOST_CONNECTION', `LOST_CONNECTION: the manager did not confirm connectivity within ${timeoutS} s; the change was rolled back`));
      }, timeoutS * 1000);
      const entry: Pending = {
        ...(caller !== undefined ? { caller } : {}),
        resolve: () => {
          timer.cancel();
          resolve();
        },
        reject: (e) => {
          timer.cancel();
          reject(e);
        },
      };
      this.pending = entry;
    });
  }

  private commit(desired: NetModel, plan: NetPlan, makeSafe: boolean): void {
    const backups = plan.files.filter((f) => f.old === undefined || !isAgentWritten(f.old)).map((f) => ({ path: f.path, content: f.old ?? null }));
    this.repo.commitChange(backups, desired, makeSafe);
  }

  private async recordFailure(label: string, step: NetStep, e: unknown, rolledBack: RollbackReport | undefined): Promise<AgentError> {
    const { events, log } = this.deps;
    const detail = isAgentError(e) ? (e.detail ?? {}) : {};
    const stderr = typeof detail.stderr === 'string' ? detail.stderr : undefined;
    const lost = isAgentError(e) && e.code === 'NET_LOST_CONNECTION';
    const msg = (e as Error).message;
    const unrestored = rolledBack ? rollbackFailed(rolledBack) : [];
    if (unrestored.length) {
      // The host is now like neither the old nor the new config: say so loudly, never "rolled back".
      this.markDirty(label, unrestored);
      log.fatal({ err: e, step, change: label, rolledBack }, 'network change failed and its rollback failed');
      events.emit({
        severity: 'critical',
        object: 'network',
        code: 'NETWORK_ROLLBACK_FAILED',
        message: `${label} failed at ${step}: ${msg.slice(0, 300)}; the rollback could not restore ${unrestored.join('; ').slice(0, 300)}`,
        data: { step, change: label, error: isAgentError(e) ? e.code : 'INTERNAL', message: msg.slice(0, 1000), stderr, rolledBack, unrestored },
      });
      return new AgentError('NET_ROLLBACK_FAILED', `${label} failed at ${step} (${msg.slice(0, 300)}) and the rollback could not restore: ${unrestored.join('; ').slice(0, 500)}`, { step, stderr, rolledBack, unrestored });
    }
    const done = rolledBack ? '; rolled back' : '';
    log.error({ err: e, step, change: label, rolledBack }, `network change failed${done}`);
    const id = events.emit({
      severity: 'error',
      object: 'network',
      code: 'NETWORK_OPERATION_FAILED',
      message: `${lost ? 'LOST_CONNECTION: ' : ''}${label} failed at ${step}: ${msg.slice(0, 300)}${done}`,
      data: { step, change: label, error: isAgentError(e) ? e.code : 'INTERNAL', message: msg.slice(0, 1000), stderr, rolledBack: rolledBack ?? {}, ...(lost ? { reason: 'LOST_CONNECTION' } : {}) },
    });
    // rediscovery: read the host back; the event is acknowledged once it completes
    await this.rediscover(id).catch((err) => log.warn({ err }, 'rediscovery after a failed network change failed'));
    if (isAgentError(e) && e.code.startsWith('NET_')) return e;
    return new AgentError('NET_APPLY_FAILED', `${label} failed at ${step}${rolledBack ? ' and was rolled back' : ''}: ${msg.slice(0, 500)}`, { step, stderr, rolledBack });
  }

  /** Reads the host back after a failure and acknowledges the failure event when done. */
  async rediscover(eventId: number): Promise<void> {
    await this.deps.reader.read({ netns: this.netns });
    this.deps.hostState.set(NET_STATE_KEYS.lastDiscoveryAt, new Date(this.deps.clock.now()).toISOString());
    this.deps.events.acknowledge(eventId);
  }
}
