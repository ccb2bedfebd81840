// VM life cycle over the Hypervisor adapter: vm.cfg is the source of truth, each start defines
// the domain from it. What it knows between calls is a VmIndex shared (by its methods) with the
// watcher (vm-watch.ts: adoption, crashes) and the reads (vm-queries.ts).
import { randomUUID } from 'node:crypto';
import { checkDiskPlaces } from '../../core/vm/disk-places.js';
import { fail } from '../../core/errors.js';
import { vmDir } from '../../core/ids.js';
import { vmCfgToDomainXml, type DomainLease, type DomainXmlOptions, type HypervisorKind } from '../../core/vm/domain-xml.js';
import { migrationDestToUri } from '../../core/vm/migration-uri.js';
import { cfgReplaceAll, cfgSet, normalizeCfgParams, normUuid, objectToVmCfg, vmCfgToModel, vmCfgToObject, type CfgValue, type VmCfgDoc, type VmModel } from '../../core/vm/vm-cfg.js';
import type { DomainInfo, Hypervisor } from '../../host/libvirt/hypervisor.js';
import type { ServiceDeps } from '../context.js';
import { VmFiles, safeIds } from './vm-files.js';
import { VmLifecycleLog, type Cause } from './vm-lifecycle-log.js';
import { VmStatsCache, type HostStatsEntry, type VmStatsEntry } from './vm-stats-cache.js';
import { VmStore } from '../../store/vm-store.js';
import { VmIndex } from './vm-index.js';
import { VmTemplates, type CloneResult } from './vm-templates.js';
import { INTENT_VM_CREATE, INTENT_VM_DELETE, registerVmRecoveries, retriedDelete, type VmCreateIntent, type VmDeleteIntent } from './vm-recovery.js';
import { VmQueries } from './vm-queries.js';
import { VmWatcher, isActive } from './vm-watch.js';
import { startUnderLease, type HaStartGate } from './vm-ha-gate.js';

export interface VmServiceDeps extends ServiceDeps {
  hypervisor: Hypervisor;
  uri: string;
  hypervisorKind: HypervisorKind;
  /** ha.vmLeases libvirt: the `<lease>` elements of an HA VM's domain (the HA service). */
  domainLeases?: (uuid: string) => Promise<DomainLease[]>;
}

interface VmRef {
  repoId: string;
  vmId: string;
  doc: VmCfgDoc;
  model: VmModel;
  uuid: string;
  dom: DomainInfo | undefined;
}

export { isActive };

export class VmService {
  haGate: HaStartGate | undefined; // the HA service's, set once it exists (built after this one)
  readonly files: VmFiles;
  readonly store: VmStore;
  readonly stats: VmStatsCache;
  readonly lifecycle: VmLifecycleLog;
  readonly templates: VmTemplates;
  private readonly queries: VmQueries;
  private readonly index = new VmIndex();
  private readonly watcher: VmWatcher;

  constructor(private readonly deps: VmServiceDeps) {
    this.files = new VmFiles(deps.fs);
    this.store = new VmStore(deps.db, () => deps.clock.now());
    this.lifecycle = new VmLifecycleLog({ fs: deps.fs, clock: deps.clock, events: deps.events, log: deps.log, file: `${deps.config.paths.logDir}/vm-events.log` });
    this.stats = new VmStatsCache({
      hypervisor: deps.hypervisor,
      clock: deps.clock,
      log: deps.log,
      intervalSec: deps.config.libvirt.statsInterval,
      onStopped: (gone) => this.watcher.stopsSeen(gone),
      beforeTick: () => this.watcher.connectAndAdopt(),
    });
    registerVmRecoveries({ fs: deps.fs, intents: deps.intents, files: this.files, store: this.store });
    const { hypervisor, uri, log, events } = deps;
    this.watcher = new VmWatcher({ hypervisor, uri, log, events, index: this.index, store: this.store, lifecycle: this.lifecycle, refresh: () => this.stats.refresh() });
    this.queries = new VmQueries({ hypervisor: deps.hypervisor, index: this.index, stats: this.stats, files: this.files, fs: deps.fs, log: deps.log });
    this.templates = new VmTemplates({
      intents: deps.intents,
      fs: deps.fs,
      files: this.files,
      log: deps.log,
      isRunning: (u) => this.isRunning(u),
      onVmCreated: async (repoId, vmId, doc, m) => {
        await this.save({ repoId, vmId }, doc, m);
        await this.lifecycle.record({ action: 'create', vm: { repoId, vmId, uuid: normUuid(m.cfg.uuid), name: m.cfg.name }, cause: 'manager', detail: 'clone' });
      },
    });
  }

  get xmlOptions(): DomainXmlOptions {
    const l = this.deps.config.libvirt;
    return { hypervisor: this.deps.hypervisorKind, accel: l.accel, emulator: l.emulator };
  }

  async start(): Promise<void> {
    const { log } = this.deps;
    this.index.reset(await this.files.scan((p, err) => log.warn({ path: p, err }, 'unreadable vm.cfg skipped')));
    await this.watcher.connectAndAdopt();
    this.stats.start();
  }

  async stop(): Promise<void> {
    this.stats.stop();
    await this.deps.hypervisor.close();
  }

  private isRunning = (uuid: string): Promise<boolean> => this.deps.hypervisor.lookup(uuid).then(isActive);

  /** Checks the ids, then runs fn. The caller holds `vm:<repo>/<vm>` (declared in rpc/methods/vm.ts). */
  private async checked<T>(repoId: string, vmId: string, fn: () => Promise<T>): Promise<T> {
    safeIds(repoId, vmId);
    return fn();
  }

  private async ref(repoId: string, vmId: string): Promise<VmRef> {
    const doc = await this.files.requireDoc('vm', repoId, vmId);
    const model = vmCfgToModel(doc);
    const uuid = normUuid(model.cfg.uuid);
    return { repoId, vmId, doc, model, uuid, dom: await this.deps.hypervisor.lookup(uuid) };
  }

  private requireActive(r: VmRef, what: string): DomainInfo {
    if (!r.dom || !isActive(r.dom)) throw fail('VM_BAD_STATE', `cannot ${what} VM ${r.vmId}: it is not running`);
    return r.dom;
  }

  private vmOf = (r: VmRef) => ({ repoId: r.repoId, vmId: r.vmId, uuid: r.uuid, name: r.model.cfg.name });

  /** Validates a new or edited vm.cfg, including that this hypervisor can run it. */
  private check(doc: VmCfgDoc): VmModel {
    const m = vmCfgToModel(doc);
    checkDiskPlaces(m.disks);
    vmCfgToDomainXml(m, this.xmlOptions);
    return m;
  }

  private async save(r: { repoId: string; vmId: string }, doc: VmCfgDoc, m: VmModel): Promise<void> {
    const uuid = normUuid(m.cfg.uuid);
    const other = this.index.whereIs(uuid);
    if (other && (other.repoId !== r.repoId || other.vmId !== r.vmId)) {
      throw fail('VM_EXISTS', `uuid ${m.cfg.uuid} already belongs to VM ${other.repoId}/${other.vmId}`);
    }
    await this.files.writeDoc('vm', r.repoId, r.vmId, doc);
    this.index.place(uuid, r);
    this.store.upsert(uuid, r.repoId, r.vmId, m.ha);
  }

  createVm(repoId: string, vmId: string, params: Record<string, CfgValue>): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      await this.files.requireRepo(repoId);
      if (await this.files.readDoc('vm', repoId, vmId)) throw fail('VM_EXISTS', `VM ${vmId} already exists in repository ${repoId}`);
      const p = normalizeCfgParams(params);
      const doc = objectToVmCfg({ name: vmId, uuid: randomUUID(), ...p });
      const m = this.check(doc);
      const dirExisted = (await this.deps.fs.stat(vmDir(repoId, vmId))) !== undefined;
      await this.deps.intents.run<VmCreateIntent, void>(INTENT_VM_CREATE, `vm:${repoId}/${vmId}`, { kind: 'vm', repoId, id: vmId, dirExisted, disks: [] }, () => this.save({ repoId, vmId }, doc, m));
      await this.lifecycle.record({ action: 'create', vm: { repoId, vmId, uuid: normUuid(m.cfg.uuid), name: m.cfg.name }, cause: 'manager' });
    });
  }

  /** Merges `params` into vm.cfg (configure_vm) or replaces all keys (set_vm_config). */
  editVm(repoId: string, vmId: string, params: Record<string, CfgValue>, mode: 'merge' | 'replace'): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      const p = normalizeCfgParams(params);
      if (isActive(r.dom) && p.uuid !== undefined && normUuid(String(p.uuid)) !== r.uuid) {
        throw fail('VM_BAD_STATE', `cannot change the uuid of running VM ${vmId}`);
      }
      if (mode === 'replace') cfgReplaceAll(r.doc, p);
      else for (const [k, v] of Object.entries(p)) cfgSet(r.doc, k, v);
      const m = this.check(r.doc);
      await this.save(r, r.doc, m);
      // A new uuid on a stopped VM: the old libvirt definition would clash by name at the next start.
      if (r.dom && normUuid(m.cfg.uuid) !== r.uuid) await this.deps.hypervisor.undefine(r.uuid);
    });
  }

  async getVmConfig(repoId: string, vmId: string): Promise<Record<string, CfgValue>> {
    return vmCfgToObject(await this.files.requireDoc('vm', repoId, vmId));
  }

  unconfigureVm(repoId: string, vmId: string): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (isActive(r.dom)) throw fail('VM_BAD_STATE', `VM ${vmId} is running: stop it first`);
      if (r.dom) await this.deps.hypervisor.undefine(r.uuid);
    });
  }

  deleteVm(repoId: string, vmId: string): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId).catch(retriedDelete(this.deps.intents, `vm:${repoId}/${vmId}`));
      if (!r) return;
      if (isActive(r.dom)) throw fail('VM_BAD_STATE', `VM ${vmId} is running: a VM is deleted only when stopped`);
      await this.deps.intents.run<VmDeleteIntent, void>(INTENT_VM_DELETE, `vm:${repoId}/${vmId}`, { kind: 'vm', repoId, id: vmId, uuid: r.uuid, disks: [] }, async (intent) => {
        if (r.dom) await this.deps.hypervisor.undefine(r.uuid);
        intent.step('removing');
        await this.deps.fs.removeTree(vmDir(repoId, vmId));
        this.store.remove(r.uuid);
      });
      this.index.remove(r.uuid, r);
      await this.lifecycle.record({ action: 'delete', vm: this.vmOf(r), cause: 'manager' });
    });
  }

  startVm(repoId: string, vmId: string, cause: Cause = 'manager'): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (r.dom && isActive(r.dom)) {
        this.deps.log.info({ vm: `${repoId}/${vmId}` }, 'start_vm: already running, nothing done');
        return;
      }
      checkDiskPlaces(r.model.disks); // again: vm.cfg may also come from a template archive or a host edit
      const xml = vmCfgToDomainXml(r.model, { ...this.xmlOptions, leases: r.model.ha ? await this.deps.domainLeases?.(r.uuid) : undefined });
      const h = this.deps.hypervisor;
      this.index.settleStop(r.uuid);
      const clash = await h.lookupByName(r.model.cfg.name);
      if (clash && normUuid(clash.uuid) !== r.uuid) {
        throw fail('VM_EXISTS', `libvirt already has a domain named ${r.model.cfg.name} with another uuid (${clash.uuid})`);
      }
      if (r.dom && r.dom.name !== r.model.cfg.name) await h.undefine(r.uuid); // renamed: libvirt refuses a redefine
      await startUnderLease(this.haGate, { ...this.vmOf(r), ha: r.model.ha, memMiB: r.model.cfg.maxmem ?? r.model.cfg.memory }, () => h.define(xml).then(() => h.start(r.uuid)));
      this.store.upsert(r.uuid, repoId, vmId, r.model.ha);
      this.store.setState(r.uuid, 'running');
      this.index.started(r.uuid, this.deps.clock.now() / 1000);
      this.stats.refreshSoon(); // one bulk refresh per start, so the new VM has statistics at once
      await this.lifecycle.record({ action: 'start', vm: this.vmOf(r), cause });
    });
  }

  stopVm(repoId: string, vmId: string, force: boolean): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (!isActive(r.dom)) return; // already stopped: nothing to do
      const h = this.deps.hypervisor;
      this.index.expectStop(r.uuid);
      try {
        await (force ? h.destroy(r.uuid) : h.shutdown(r.uuid));
      } catch (e) {
        this.index.settleStop(r.uuid);
        throw e;
      }
      if (force) return this.stopped(r, 'kill');
      const { clock, config } = this.deps;
      const deadline = clock.now() + config.libvirt.shutdownTimeout * 1000;
      while (clock.now() < deadline) {
        await clock.sleep(Math.min(config.libvirt.shutdownPollMs, Math.max(1, deadline - clock.now())));
        if (!isActive(await h.lookup(r.uuid))) return this.stopped(r, 'stop');
      }
      this.index.settleStop(r.uuid);
      const secs = config.libvirt.shutdownTimeout;
      await this.lifecycle.record({ action: 'shutdown-timeout', vm: this.vmOf(r), cause: 'guest', detail: `still running after ${secs}s; not killed` });
      throw fail('VM_SHUTDOWN_TIMEOUT', `VM ${vmId} did not shut down within ${secs}s; it was left running (use force to kill it)`);
    });
  }

  /**
   * A stop the agent made is settled: the cache forgets the domain and the expectation is
   * dropped in the same tick, so neither a later refresh nor a later real crash is misread.
   */
  private settled(uuid: string): void {
    this.stats.forget(uuid);
    this.index.settleStop(uuid);
  }

  private async stopped(r: VmRef, action: 'stop' | 'kill'): Promise<void> {
    this.settled(r.uuid);
    this.store.setState(r.uuid, 'stopped');
    this.index.stopped(r.uuid);
    await this.lifecycle.record({ action, vm: this.vmOf(r), cause: 'manager' });
  }

  rebootVm(repoId: string, vmId: string): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      this.requireActive(r, 'reboot');
      await this.deps.hypervisor.reboot(r.uuid);
      await this.lifecycle.record({ action: 'reboot', vm: this.vmOf(r), cause: 'manager' });
    });
  }

  pauseVm(repoId: string, vmId: string, pause: boolean): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      const d = this.requireActive(r, pause ? 'pause' : 'unpause');
      if (pause && d.state === 'paused') return;
      if (!pause && d.state !== 'paused') throw fail('VM_BAD_STATE', `VM ${vmId} is not paused`);
      await (pause ? this.deps.hypervisor.suspend(r.uuid) : this.deps.hypervisor.resume(r.uuid));
      await this.lifecycle.record({ action: pause ? 'pause' : 'unpause', vm: this.vmOf(r), cause: 'manager' });
    });
  }

  saveFile(repoId: string, vmId: string): string {
    return `${vmDir(repoId, vmId)}/vm.save`;
  }

  saveVm(repoId: string, vmId: string, checkpoint: boolean): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      this.requireActive(r, 'save');
      const file = this.deps.fs.resolve(this.saveFile(repoId, vmId));
      this.index.expectStop(r.uuid);
      try {
        await this.deps.hypervisor.save(r.uuid, file);
      } catch (e) {
        this.index.settleStop(r.uuid);
        throw e;
      }
      if (checkpoint) {
        await this.deps.hypervisor.restore(file);
        this.index.settleStop(r.uuid);
      } else {
        this.settled(r.uuid);
        this.store.setState(r.uuid, 'stopped');
      }
      await this.lifecycle.record({ action: 'save', vm: this.vmOf(r), cause: 'manager', detail: checkpoint ? 'checkpoint' : undefined });
    });
  }

  restoreVm(repoId: string, vmId: string, paused: boolean): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (isActive(r.dom)) throw fail('VM_BAD_STATE', `VM ${vmId} is already running`);
      const hostPath = this.saveFile(repoId, vmId);
      if (!(await this.deps.fs.exists(hostPath))) throw fail('VM_BAD_STATE', `VM ${vmId} has no saved state to restore`);
      await this.deps.hypervisor.restore(this.deps.fs.resolve(hostPath));
      if (paused) await this.deps.hypervisor.suspend(r.uuid);
      await this.deps.fs.remove(hostPath);
      this.store.setState(r.uuid, 'running');
      this.index.started(r.uuid, this.deps.clock.now() / 1000);
      this.stats.refreshSoon();
      await this.lifecycle.record({ action: 'restore', vm: this.vmOf(r), cause: 'manager', detail: paused ? 'paused' : undefined });
    });
  }

  migrationUri(dest: string, ssl: boolean): string {
    return migrationDestToUri(dest, ssl, this.deps.hypervisorKind);
  }

  migrateVm(repoId: string, vmId: string, dest: string, live: boolean, ssl: boolean): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      this.requireActive(r, 'migrate');
      const destUri = this.migrationUri(dest, ssl);
      this.index.expectStop(r.uuid);
      try {
        await this.deps.hypervisor.migrate(r.uuid, { destUri, live });
      } catch (e) {
        this.index.settleStop(r.uuid);
        throw e;
      }
      this.settled(r.uuid);
      this.store.setState(r.uuid, 'stopped');
      await this.lifecycle.record({ action: 'migrate', vm: this.vmOf(r), cause: 'manager', detail: `to ${destUri}${live ? ' live' : ''}` });
    });
  }

  configureVmHa(repoId: string, vmId: string, enable: boolean): Promise<void> {
    return this.checked(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      cfgSet(r.doc, 'OVM_high_availability', enable);
      await this.save(r, r.doc, vmCfgToModel(r.doc));
      this.store.setHa(r.uuid, enable);
      await this.lifecycle.record({ action: enable ? 'ha-enable' : 'ha-disable', vm: this.vmOf(r), cause: 'manager' });
    });
  }

  async sysrqVm(repoId: string, vmId: string, letter: string): Promise<void> {
    if (!/^[a-z0-9]$/i.test(letter)) throw fail('INVALID_ARGUMENT', `sysrq letter must be one letter or digit, got ${JSON.stringify(letter)}`);
    const r = await this.ref(repoId, vmId);
    this.requireActive(r, 'send sysrq to');
    await this.deps.hypervisor.sendKey(r.uuid, ['KEY_LEFTALT', 'KEY_SYSRQ', `KEY_${letter.toUpperCase()}`]);
  }

  async sendToGuest(repoId: string, vmId: string): Promise<void> {
    const r = await this.ref(repoId, vmId);
    this.requireActive(r, 'send a message to');
    throw fail('VM_NOT_SUPPORTED_BY_DRIVER', `send_to_guest needs the Oracle VM guest message channel, which libvirt's ${this.deps.hypervisorKind} driver does not offer`);
  }

  createTemplate(repoId: string, vmId: string, templateId: string, sparse: boolean): Promise<CloneResult> {
    return this.checked(repoId, vmId, () => this.templates.copy(repoId, vmId, 'template', repoId, templateId, sparse));
  }

  cloneVm(srcRepo: string, srcId: string, dstRepo: string, dstId: string, sparse: boolean): Promise<CloneResult> {
    return this.checked(srcRepo, srcId, () => this.checked(dstRepo, dstId, () => this.templates.copy(srcRepo, srcId, 'vm', dstRepo, dstId, sparse)));
  }

  // ---- reads (vm-queries.ts) ----------------------------------------------------------------

  vmsUsingRepository(repoUuid: string): Promise<string[]> {
    return this.queries.vmsUsingRepository(repoUuid);
  }
  listVms(): Promise<Array<Record<string, unknown>>> {
    return this.queries.listVms();
  }
  listVm(repoId: string, vmId: string): Promise<Record<string, unknown> | null> {
    return this.queries.listVm(repoId, vmId);
  }
  getVmStats(repoId?: string, vmId?: string): Promise<VmStatsEntry[] | VmStatsEntry | null> {
    return this.queries.getVmStats(repoId, vmId);
  }
  getHostStats(): Promise<HostStatsEntry | null> {
    return this.queries.getHostStats();
  }
}
