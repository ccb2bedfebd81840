// VM life cycle over the Hypervisor adapter: vm.cfg is the source of truth, each start defines
// the domain from it; stops the agent did not ask for are logged as crashes; running domains
// are adopted again after an agent restart (by UUID), never started twice.
import { checkDiskPlaces } from '../../core/vm/disk-places.js';
import { randomUUID } from 'node:crypto';
import { fail, isAgentError } from '../../core/errors.js';
import { vmDir } from '../../core/ids.js';
import { vmCfgToDomainXml, type DomainXmlOptions, type HypervisorKind } from '../../core/vm/domain-xml.js';
import { migrationDestToUri } from '../../core/vm/migration-uri.js';
import {
  cfgReplaceAll, cfgSet, normalizeCfgParams, normUuid, objectToVmCfg, vmCfgToModel, vmCfgToObject,
  type CfgValue, type VmCfgDoc, type VmModel,
} from '../../core/vm/vm-cfg.js';
import type { DomainInfo, Hypervisor } from '../../host/libvirt/hypervisor.js';
import type { ServiceDeps } from '../context.js';
import { KeyedLock } from './keyed-lock.js';
import { VmFiles, safeIds } from './vm-files.js';
import { VmLifecycleLog, type Cause } from './vm-lifecycle-log.js';
import { domainToListEntry, managementDomainEntry } from './vm-list.js';
import { VmStatsCache, type HostStatsEntry, type VmStatsEntry } from './vm-stats-cache.js';
import { VmStore } from './vm-store.js';
import { VmTemplates, type CloneResult } from './vm-templates.js';
import { adoptRunningDomains, handleUnexpectedStops, isActive, type VmWatchState } from './vm-watch.js';

export interface VmServiceDeps extends ServiceDeps {
  hypervisor: Hypervisor;
  uri: string;
  hypervisorKind: HypervisorKind;
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
  readonly files: VmFiles;
  readonly store: VmStore;
  readonly stats: VmStatsCache;
  readonly lifecycle: VmLifecycleLog;
  readonly templates: VmTemplates;
  private readonly locks = new KeyedLock();
  private index = new Map<string, { repoId: string; vmId: string }>();
  /** `repo/vm` → uuid, the reverse of `index`. */
  private byVm = new Map<string, string>();
  private readonly expectedStops = new Set<string>();
  private readonly startTimes = new Map<string, number>();
  private adopted = false;
  private unreachableReported = false;

  constructor(private readonly deps: VmServiceDeps) {
    this.files = new VmFiles(deps.fs);
    this.store = new VmStore(deps.db, () => deps.clock.now());
    this.lifecycle = new VmLifecycleLog({ fs: deps.fs, clock: deps.clock, events: deps.events, log: deps.log, file: `${deps.config.paths.logDir}/vm-events.log` });
    this.stats = new VmStatsCache({
      hypervisor: deps.hypervisor,
      clock: deps.clock,
      log: deps.log,
      intervalSec: deps.config.libvirt.statsInterval,
      onStopped: (gone) => handleUnexpectedStops(this.watchState(), gone),
      beforeTick: () => this.connectAndAdopt(),
    });
    this.templates = new VmTemplates({
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
    this.index = await this.files.scan((p, err) => log.warn({ path: p, err }, 'unreadable vm.cfg skipped'));
    this.byVm = new Map([...this.index].map(([u, w]) => [`${w.repoId}/${w.vmId}`, u]));
    await this.connectAndAdopt();
    this.stats.start();
  }

  /**
   * The agent must come up even when libvirtd does not (yet): until libvirt answers once,
   * every statistics tick tries again, and VM calls fault VM_HYPERVISOR_FAILED meanwhile.
   */
  private async connectAndAdopt(): Promise<boolean> {
    if (this.adopted) return true;
    const { hypervisor, log, events } = this.deps;
    try {
      await hypervisor.open();
      this.lifecycle.host = await hypervisor.hostname().catch(() => '-');
      await adoptRunningDomains(this.watchState());
      this.adopted = true;
    } catch (err) {
      log.error({ err, uri: this.deps.uri }, 'libvirt is not reachable; retrying at each statistics interval');
      if (!this.unreachableReported) {
        this.unreachableReported = true;
        events.emit({ severity: 'error', object: 'host', code: 'VM_HYPERVISOR_UNAVAILABLE', message: `libvirt at ${this.deps.uri} is not reachable: ${(err as Error).message}` });
      }
      return false;
    }
    await this.stats.refresh().catch((err) => log.warn({ err }, 'first statistics refresh failed'));
    return true;
  }

  async stop(): Promise<void> {
    this.stats.stop();
    await this.deps.hypervisor.close();
  }

  private watchState(): VmWatchState {
    const { hypervisor } = this.deps;
    return { hypervisor, index: this.index, store: this.store, lifecycle: this.lifecycle, expectedStops: this.expectedStops, startTimes: this.startTimes };
  }

  private isRunning(uuid: string): Promise<boolean> {
    return this.deps.hypervisor.lookup(uuid).then(isActive);
  }

  private lock<T>(repoId: string, vmId: string, fn: () => Promise<T>): Promise<T> {
    safeIds(repoId, vmId);
    return this.locks.with(`vm:${repoId}/${vmId}`, fn);
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

  private vmOf(r: VmRef) {
    return { repoId: r.repoId, vmId: r.vmId, uuid: r.uuid, name: r.model.cfg.name };
  }

  /** Validates a new or edited vm.cfg, including that this hypervisor can run it. */
  private check(doc: VmCfgDoc): VmModel {
    const m = vmCfgToModel(doc);
    checkDiskPlaces(m.disks);
    vmCfgToDomainXml(m, this.xmlOptions);
    return m;
  }

  private async save(r: { repoId: string; vmId: string }, doc: VmCfgDoc, m: VmModel): Promise<void> {
    const uuid = normUuid(m.cfg.uuid);
    const other = this.index.get(uuid);
    if (other && (other.repoId !== r.repoId || other.vmId !== r.vmId)) {
      throw fail('VM_EXISTS', `uuid ${m.cfg.uuid} already belongs to VM ${other.repoId}/${other.vmId}`);
    }
    await this.files.writeDoc('vm', r.repoId, r.vmId, doc);
    const key = `${r.repoId}/${r.vmId}`;
    const previous = this.byVm.get(key);
    if (previous && previous !== uuid) this.index.delete(previous);
    this.index.set(uuid, { repoId: r.repoId, vmId: r.vmId });
    this.byVm.set(key, uuid);
    this.store.upsert(uuid, r.repoId, r.vmId, m.ha);
  }

  createVm(repoId: string, vmId: string, params: Record<string, CfgValue>): Promise<void> {
    return this.lock(repoId, vmId, async () => {
      await this.files.requireRepo(repoId);
      if (await this.files.readDoc('vm', repoId, vmId)) throw fail('VM_EXISTS', `VM ${vmId} already exists in repository ${repoId}`);
      const p = normalizeCfgParams(params);
      const doc = objectToVmCfg({ name: vmId, uuid: randomUUID(), ...p });
      const m = this.check(doc);
      await this.save({ repoId, vmId }, doc, m);
      await this.lifecycle.record({ action: 'create', vm: { repoId, vmId, uuid: normUuid(m.cfg.uuid), name: m.cfg.name }, cause: 'manager' });
    });
  }

  /** Merges `params` into vm.cfg (configure_vm) or replaces all keys (set_vm_config). */
  editVm(repoId: string, vmId: string, params: Record<string, CfgValue>, mode: 'merge' | 'replace'): Promise<void> {
    return this.lock(repoId, vmId, async () => {
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
    return this.lock(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (isActive(r.dom)) throw fail('VM_BAD_STATE', `VM ${vmId} is running: stop it first`);
      if (r.dom) await this.deps.hypervisor.undefine(r.uuid);
    });
  }

  deleteVm(repoId: string, vmId: string): Promise<void> {
    return this.lock(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (isActive(r.dom)) throw fail('VM_BAD_STATE', `VM ${vmId} is running: a VM is deleted only when stopped`);
      if (r.dom) await this.deps.hypervisor.undefine(r.uuid);
      await this.deps.fs.removeTree(vmDir(repoId, vmId));
      this.index.delete(r.uuid);
      this.byVm.delete(`${repoId}/${vmId}`);
      this.store.remove(r.uuid);
      await this.lifecycle.record({ action: 'delete', vm: this.vmOf(r), cause: 'manager' });
    });
  }

  startVm(repoId: string, vmId: string, cause: Cause = 'manager'): Promise<void> {
    return this.lock(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (r.dom && isActive(r.dom)) {
        this.deps.log.info({ vm: `${repoId}/${vmId}` }, 'start_vm: already running, nothing done');
        return;
      }
      const xml = vmCfgToDomainXml(r.model, this.xmlOptions);
      const h = this.deps.hypervisor;
      this.expectedStops.delete(r.uuid);
      const clash = await h.lookupByName(r.model.cfg.name);
      if (clash && normUuid(clash.uuid) !== r.uuid) {
        throw fail('VM_EXISTS', `libvirt already has a domain named ${r.model.cfg.name} with another uuid (${clash.uuid})`);
      }
      if (r.dom && r.dom.name !== r.model.cfg.name) await h.undefine(r.uuid); // renamed: libvirt refuses a redefine
      await h.define(xml);
      await h.start(r.uuid);
      this.store.upsert(r.uuid, repoId, vmId, r.model.ha);
      this.store.setState(r.uuid, 'running');
      this.startTimes.set(r.uuid, this.deps.clock.now() / 1000);
      this.stats.refreshSoon(); // one bulk refresh per start, so the new VM has statistics at once
      await this.lifecycle.record({ action: 'start', vm: this.vmOf(r), cause });
    });
  }

  stopVm(repoId: string, vmId: string, force: boolean): Promise<void> {
    return this.lock(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (!isActive(r.dom)) return; // already stopped: nothing to do
      const h = this.deps.hypervisor;
      this.expectedStops.add(r.uuid);
      try {
        await (force ? h.destroy(r.uuid) : h.shutdown(r.uuid));
      } catch (e) {
        this.expectedStops.delete(r.uuid);
        throw e;
      }
      if (force) return this.stopped(r, 'kill');
      const { clock, config } = this.deps;
      const deadline = clock.now() + config.libvirt.shutdownTimeout * 1000;
      while (clock.now() < deadline) {
        await clock.sleep(Math.min(config.libvirt.shutdownPollMs, Math.max(1, deadline - clock.now())));
        if (!isActive(await h.lookup(r.uuid))) return this.stopped(r, 'stop');
      }
      this.expectedStops.delete(r.uuid);
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
    this.expectedStops.delete(uuid);
  }

  private async stopped(r: VmRef, action: 'stop' | 'kill'): Promise<void> {
    this.settled(r.uuid);
    this.store.setState(r.uuid, 'stopped');
    this.startTimes.delete(r.uuid);
    await this.lifecycle.record({ action, vm: this.vmOf(r), cause: 'manager' });
  }

  rebootVm(repoId: string, vmId: string): Promise<void> {
    return this.lock(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      this.requireActive(r, 'reboot');
      await this.deps.hypervisor.reboot(r.uuid);
      await this.lifecycle.record({ action: 'reboot', vm: this.vmOf(r), cause: 'manager' });
    });
  }

  pauseVm(repoId: string, vmId: string, pause: boolean): Promise<void> {
    return this.lock(repoId, vmId, async () => {
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
    return this.lock(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      this.requireActive(r, 'save');
      const file = this.deps.fs.resolve(this.saveFile(repoId, vmId));
      this.expectedStops.add(r.uuid);
      try {
        await this.deps.hypervisor.save(r.uuid, file);
      } catch (e) {
        this.expectedStops.delete(r.uuid);
        throw e;
      }
      if (checkpoint) {
        await this.deps.hypervisor.restore(file);
        this.expectedStops.delete(r.uuid);
      } else {
        this.settled(r.uuid);
        this.store.setState(r.uuid, 'stopped');
      }
      await this.lifecycle.record({ action: 'save', vm: this.vmOf(r), cause: 'manager', detail: checkpoint ? 'checkpoint' : undefined });
    });
  }

  restoreVm(repoId: string, vmId: string, paused: boolean): Promise<void> {
    return this.lock(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      if (isActive(r.dom)) throw fail('VM_BAD_STATE', `VM ${vmId} is already running`);
      const hostPath = this.saveFile(repoId, vmId);
      if (!(await this.deps.fs.exists(hostPath))) throw fail('VM_BAD_STATE', `VM ${vmId} has no saved state to restore`);
      await this.deps.hypervisor.restore(this.deps.fs.resolve(hostPath));
      if (paused) await this.deps.hypervisor.suspend(r.uuid);
      await this.deps.fs.remove(hostPath);
      this.store.setState(r.uuid, 'running');
      this.startTimes.set(r.uuid, this.deps.clock.now() / 1000);
      this.stats.refreshSoon();
      await this.lifecycle.record({ action: 'restore', vm: this.vmOf(r), cause: 'manager', detail: paused ? 'paused' : undefined });
    });
  }

  migrationUri(dest: string, ssl: boolean): string {
    return migrationDestToUri(dest, ssl, this.deps.hypervisorKind);
  }

  migrateVm(repoId: string, vmId: string, dest: string, live: boolean, ssl: boolean): Promise<void> {
    return this.lock(repoId, vmId, async () => {
      const r = await this.ref(repoId, vmId);
      this.requireActive(r, 'migrate');
      const destUri = this.migrationUri(dest, ssl);
      this.expectedStops.add(r.uuid);
      try {
        await this.deps.hypervisor.migrate(r.uuid, { destUri, live });
      } catch (e) {
        this.expectedStops.delete(r.uuid);
        throw e;
      }
      this.settled(r.uuid);
      this.store.setState(r.uuid, 'stopped');
      await this.lifecycle.record({ action: 'migrate', vm: this.vmOf(r), cause: 'manager', detail: `to ${destUri}${live ? ' live' : ''}` });
    });
  }

  configureVmHa(repoId: string, vmId: string, enable: boolean): Promise<void> {
    return this.lock(repoId, vmId, async () => {
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
    return this.lock(repoId, vmId, () => this.templates.copy(repoId, vmId, 'template', repoId, templateId, sparse));
  }

  cloneVm(srcRepo: string, srcId: string, dstRepo: string, dstId: string, sparse: boolean): Promise<CloneResult> {
    return this.lock(srcRepo, srcId, () => this.lock(dstRepo, dstId, () => this.templates.copy(srcRepo, srcId, 'vm', dstRepo, dstId, sparse)));
  }

  async listVms(): Promise<Array<Record<string, unknown>>> {
    const h = this.deps.hypervisor;
    const out: Array<Record<string, unknown>> = [];
    const doms = (await h.listDomains()).filter(isActive).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    if (!doms.some((d) => d.id === 0)) out.push(managementDomainEntry(await h.nodeInfo()));
    for (const d of doms) out.push(await this.entry(d));
    return out;
  }

  private async entry(d: DomainInfo): Promise<Record<string, unknown>> {
    const u = normUuid(d.uuid);
    const xml = await this.deps.hypervisor.getXml(d.uuid).catch((e) => {
      if (isAgentError(e) && e.code === 'VM_NOT_FOUND') return undefined;
      throw e;
    });
    const extra = { ...this.index.get(u), startTime: this.startTimes.get(u) };
    try {
      return domainToListEntry(d, xml, extra);
    } catch (err) {
      // A domain libvirt describes in a way we cannot read is still listed, without devices.
      this.deps.log.warn({ err, domain: d.name }, 'unreadable domain XML');
      return domainToListEntry(d, undefined, extra);
    }
  }

  async listVm(repoId: string, vmId: string): Promise<Record<string, unknown> | null> {
    const r = await this.ref(repoId, vmId);
    return r.dom && isActive(r.dom) ? this.entry(r.dom) : null;
  }

  private async filledStats(): Promise<void> {
    if (!this.stats.filled) await this.stats.refresh();
    else await this.stats.settle();
  }

  async getVmStats(repoId?: string, vmId?: string): Promise<VmStatsEntry[] | VmStatsEntry | null> {
    await this.filledStats();
    if (repoId === undefined || vmId === undefined) return this.stats.allVms();
    safeIds(repoId, vmId);
    // The index answers without touching the disk; the file is read only for VMs it lacks.
    const known = this.byVm.get(`${repoId}/${vmId}`);
    if (known) return this.stats.vm(known) ?? null;
    const uuid = vmCfgToObject(await this.files.requireDoc('vm', repoId, vmId)).uuid;
    return typeof uuid === 'string' ? (this.stats.vm(uuid) ?? null) : null;
  }

  async getHostStats(): Promise<HostStatsEntry | null> {
    await this.filledStats();
    return this.stats.hostStats() ?? null;
  }
}
