// Test doubles for the VM area: an in-memory Hypervisor that records calls, a clock whose sleep
// advances time, and a deps builder with a temp sysroot holding one repository.
import { ManualClock } from './manual-clock.js';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseConfig, type AgentConfigInput } from '../../src/core/config/schema.js';
import { AgentError, fail } from '../../src/core/errors.js';
import { REPO_SUBDIRS } from '../../src/core/ids.js';
import type { HypervisorKind } from '../../src/core/vm/domain-xml.js';
import { normUuid, type CfgValue } from '../../src/core/vm/vm-cfg.js';
import type { Clock } from '../../src/host/clock.js';
import type { Exec, ExecResult } from '../../src/host/exec.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import type { DomainInfo, DomainStateName, DomainStats, Hypervisor, MigrateOptions, NodeInfo } from '../../src/host/libvirt/hypervisor.js';
import { EventJournal } from '../../src/services/events/event-journal.js';
import { JobRunner } from '../../src/services/jobs/job-runner.js';
import { Intents } from '../../src/services/intents/intents.js';
import { VmService, type VmServiceDeps } from '../../src/services/vm/vm-service.js';
import { openDatabase, type Db } from '../../src/store/db.js';
import { HostStateRepo } from '../../src/store/host-state.js';
import { LockManager } from '../../src/core/locks.js';

interface FakeDomain {
  xml: string;
  name: string;
  uuid: string;
  state: DomainStateName;
  id: number | null;
  memKiB: number;
  vcpus: number;
  cpuTimeNs: number;
}

export class FakeHypervisor implements Hypervisor {
  readonly uri: string;
  calls: string[] = [];
  domains = new Map<string, FakeDomain>();
  saved = new Map<string, FakeDomain>();
  /** Guests that ignore a shutdown request (ACPI not handled). */
  ignoreShutdown = new Set<string>();
  opened = false;
  bulkCalls = 0;
  private nextId = 1;

  constructor(readonly kind: HypervisorKind = 'kvm') {
    this.uri = kind === 'test' ? 'test:///default' : kind === 'xen' ? 'xen:///system' : 'qemu:///system';
  }

  private get(uuid: string): FakeDomain {
    const d = this.domains.get(normUuid(uuid));
    if (!d) throw fail('VM_NOT_FOUND', `no domain ${uuid}`);
    return d;
  }

  private info(d: FakeDomain): DomainInfo {
    return { name: d.name, uuid: d.uuid, id: d.id, state: d.state, maxMemKiB: d.memKiB, memKiB: d.memKiB, vcpus: d.vcpus, cpuTimeNs: d.cpuTimeNs };
  }

  /** open() fails while set (libvirtd not running). */
  failOpen = false;
  async open() {
    if (this.failOpen) throw new AgentError('VM_HYPERVISOR_FAILED', 'cannot connect to libvirt: no such socket');
    this.opened = true;
  }
  async close() {
    this.opened = false;
  }
  async listDomains() {
    return [...this.domains.values()].map((d) => this.info(d));
  }
  async lookup(uuid: string) {
    const d = this.domains.get(normUuid(uuid));
    return d ? this.info(d) : undefined;
  }
  async lookupByName(name: string) {
    const d = [...this.domains.values()].find((x) => x.name === name);
    return d ? this.info(d) : undefined;
  }
  async define(xml: string) {
    this.calls.push('define');
    const name = /<name>([^<]+)<\/name>/.exec(xml)![1];
    const uuid = /<uuid>([^<]+)<\/uuid>/.exec(xml)![1];
    const memKiB = Number(/<currentMemory unit='KiB'>(\d+)/.exec(xml)![1]);
    const old = this.domains.get(normUuid(uuid));
    const d: FakeDomain = old ? { ...old, xml, name } : { xml, name, uuid, state: 'shutoff', id: null, memKiB, vcpus: 1, cpuTimeNs: 0 };
    this.domains.set(normUuid(uuid), d);
    return this.info(d);
  }
  async undefine(uuid: string) {
    this.calls.push(`undefine ${normUuid(uuid)}`);
    const d = this.get(uuid);
    if (d.id !== null) throw new AgentError('VM_HYPERVISOR_FAILED', 'cannot undefine a running transient domain');
    this.domains.delete(normUuid(uuid));
  }
  async start(uuid: string) {
    this.calls.push(`start ${normUuid(uuid)}`);
    const d = this.get(uuid);
    if (d.id !== null) throw new AgentError('VM_HYPERVISOR_FAILED', 'domain is already running');
    d.id = this.nextId++;
    d.state = 'running';
  }
  async shutdown(uuid: string) {
    this.calls.push(`shutdown ${normUuid(uuid)}`);
    const d = this.get(uuid);
    if (!this.ignoreShutdown.has(normUuid(uuid))) {
      d.id = null;
      d.state = 'shutoff';
    }
  }
  async destroy(uuid: string) {
    this.calls.push(`destroy ${normUuid(uuid)}`);
    const d = this.get(uuid);
    d.id = null;
    d.state = 'shutoff';
  }
  async suspend(uuid: string) {
    this.calls.push(`suspend ${normUuid(uuid)}`);
    this.get(uuid).state = 'paused';
  }
  async resume(uuid: string) {
    this.calls.push(`resume ${normUuid(uuid)}`);
    this.get(uuid).state = 'running';
  }
  async save(uuid: string, file: string) {
    this.calls.push(`save ${normUuid(uuid)}`);
    const d = this.get(uuid);
    this.saved.set(file, { ...d });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'saved');
    d.id = null;
    d.state = 'shutoff';
  }
  async restore(file: string) {
    this.calls.push('restore');
    const s = this.saved.get(file);
    if (!s) throw new AgentError('VM_HYPERVISOR_FAILED', 'no such save file');
    const d = this.get(s.uuid);
    d.id = this.nextId++;
    d.state = 'running';
  }
  async getXml(uuid: string) {
    const d = this.get(uuid);
    return d.id !== null ? d.xml.replace("port='-1'", `port='${5900 + d.id}'`) : d.xml;
  }
  async nodeInfo(): Promise<NodeInfo> {
    return { model: 'x86_64', memoryKiB: 16 * 1024 * 1024, cpus: 8, mhz: 2000, nodes: 1, sockets: 1, cores: 4, threads: 2 };
  }
  async hostname() {
    return 'fakehost';
  }
  async bulkStats(): Promise<DomainStats[]> {
    this.bulkCalls++;
    return (await this.listDomains()).map((d) => ({ ...d, blockRdBytes: 1, blockWrBytes: 2, netRxBytes: 3, netTxBytes: 4 }));
  }
  async reboot(uuid: string) {
    this.calls.push(`reboot ${normUuid(uuid)}`);
    if (this.kind === 'test') throw fail('VM_NOT_SUPPORTED_BY_DRIVER', 'test driver');
  }
  async migrate(uuid: string, opts: MigrateOptions) {
    this.calls.push(`migrate ${normUuid(uuid)} ${opts.destUri} live=${opts.live}`);
    this.domains.delete(normUuid(uuid));
  }
  async sendKey(uuid: string, keys: readonly string[]) {
    this.calls.push(`send-key ${normUuid(uuid)} ${keys.join(' ')}`);
  }
  /** Simulates the guest powering off by itself (or crashing when `crash`). */
  guestStops(uuid: string, crash = false) {
    const d = this.get(uuid);
    d.id = null;
    d.state = 'shutoff';
    if (crash) this.domains.delete(normUuid(uuid));
  }
}

/** The VM tests' clock: the shared manual clock from 2026-01-01, advanced with `tick`. */
export class FakeClock extends ManualClock {
  constructor() {
    super(Date.parse('2026-01-01T00:00:00Z'));
  }
  tick(ms: number): void {
    this.advance(ms);
  }
}

export class RecordingExec implements Exec {
  calls: string[][] = [];
  async run(argv: readonly string[]): Promise<ExecResult> {
    this.calls.push([...argv]);
    return { argv, code: 0, stdout: '', stderr: '' };
  }
}

export const REPO = '0004fb0000030000aaaaaaaaaaaaaaaa';

export interface VmTestEnv {
  deps: VmServiceDeps;
  root: string;
  db: Db;
  clock: FakeClock;
  events: EventJournal;
  cleanup(): void;
}

export function vmTestEnv(hypervisor: Hypervisor, over: AgentConfigInput = {}, clock: Clock = new FakeClock()): VmTestEnv {
  const root = mkdtempSync(join(tmpdir(), 'hvagent-vm-'));
  for (const sub of REPO_SUBDIRS) mkdirSync(join(root, 'OVS/Repositories', REPO, sub), { recursive: true });
  const parsed = parseConfig({ ...over, paths: { sysroot: root }, libvirt: { uri: hypervisor.uri, shutdownTimeout: 5, ...(over.libvirt ?? {}) } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const db = openDatabase({ file: ':memory:' });
  const log = pino({ level: 'silent' });
  const events = new EventJournal({ db, clock, eventUrl: () => undefined });
  const deps: VmServiceDeps = {
    config: parsed.config,
    log,
    db,
    hostState: new HostStateRepo(db),
    clock,
    exec: new RecordingExec(),
    fs: new SysrootFs(root),
    events,
    jobs: new JobRunner({ db, clock, log }),
    intents: new Intents({ db, events, log }),
    locks: new LockManager(),
    hypervisor,
    uri: hypervisor.uri,
    hypervisorKind: hypervisor.kind,
  };
  return { deps, root, db, clock: clock as FakeClock, events, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** A started VmService over `hypervisor`, stopped and its sysroot removed when the test ends. */
export async function startVmService(
  t: { teardown(fn: () => unknown): void },
  hypervisor: Hypervisor,
  over: AgentConfigInput = {},
  clock?: Clock,
): Promise<{ env: VmTestEnv; svc: VmService }> {
  const env = vmTestEnv(hypervisor, over, clock);
  const svc = new VmService(env.deps);
  await svc.start();
  t.teardown(async () => {
    await svc.stop();
    env.cleanup();
  });
  return { env, svc };
}

export function sampleParams(over: Record<string, unknown> = {}): Record<string, CfgValue> {
  return {
    OVM_simple_name: 'web 01',
    OVM_domain_type: 'hvm',
    memory: 512,
    vcpus: 1,
    vif: ['mac=00:21:f6:00:00:01,bridge=c0a80100'],
    disk: [`file:/OVS/Repositories/${REPO}/VirtualDisks/sys.img,xvda,w`, `file:/OVS/Repositories/${REPO}/ISOs/boot.iso,hdc:cdrom,r`],
    vfb: ['type=vnc,vncunused=1,vnclisten=127.0.0.1,keymap=en-us'],
    ...over,
  } as Record<string, CfgValue>;
}
