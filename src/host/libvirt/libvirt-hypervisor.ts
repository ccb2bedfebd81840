// Hypervisor over @unraid/libvirt (one long-lived connection, reopened after a failure) plus
// `virsh -c <uri>` for what the binding lacks (reboot, migrate, domstats, send-key).
import { Hypervisor as LvHypervisor, type Domain as LvDomain } from '@unraid/libvirt';
import { AgentError, fail, isAgentError } from '../../core/errors.js';
import { domstatsToStats } from '../../core/vm/domstats.js';
import { hypervisorKindOfUri, type HypervisorKind } from '../../core/vm/domain-xml.js';
import { dashUuid } from '../../core/vm/vm-cfg.js';
import type { Exec } from '../exec.js';
import { DOMAIN_STATES, type DomainInfo, type DomainStats, type Hypervisor, type MigrateOptions, type NodeInfo } from './hypervisor.js';

export interface LibvirtHypervisorDeps {
  uri: string;
  exec: Exec;
  /** Test seam: builds the binding's connection object. */
  connect?: (uri: string) => LvHypervisor;
}

// Only libvirt's "no such domain" (VIR_ERR_NO_DOMAIN) means not found; a missing storage
// volume, network or file is another failure and must keep its meaning.
const NOT_FOUND_RE = /domain not found|no domain with matching|failed to get domain/i;
const CONN_RE = /not open|connection|client socket is closed|broken pipe|end of file|cannot recv|cannot send/i;

function lvMessage(e: unknown): string {
  return (e as Error)?.message ?? String(e);
}

export class LibvirtHypervisor implements Hypervisor {
  readonly uri: string;
  readonly kind: HypervisorKind;
  private conn: LvHypervisor | undefined;
  private opening: Promise<LvHypervisor> | undefined;

  constructor(private readonly deps: LibvirtHypervisorDeps) {
    this.uri = deps.uri;
    this.kind = hypervisorKindOfUri(deps.uri);
  }

  async open(): Promise<void> {
    await this.connection();
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    if (c) await c.connectClose().catch(() => {});
  }

  private connection(): Promise<LvHypervisor> {
    if (this.conn) return Promise.resolve(this.conn);
    this.opening ??= (async () => {
      const c = this.deps.connect ? this.deps.connect(this.uri) : new LvHypervisor({ uri: this.uri });
      try {
        await c.connectOpen();
      } catch (e) {
        throw fail('VM_HYPERVISOR_FAILED', `cannot connect to libvirt at ${this.uri}: ${lvMessage(e)}`);
      }
      this.conn = c;
      return c;
    })().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  /** Runs a binding call; a broken connection is reopened once (for calls safe to repeat). */
  private async call<T>(what: string, fn: (c: LvHypervisor) => Promise<T>, retry = true): Promise<T> {
    const c = await this.connection();
    try {
      return await fn(c);
    } catch (e) {
      if (isAgentError(e)) throw e;
      const msg = lvMessage(e);
      if (CONN_RE.test(msg) && !NOT_FOUND_RE.test(msg)) {
        this.conn = undefined;
        await c.connectClose().catch(() => {});
        if (retry) return this.call(what, fn, false);
      }
      if (NOT_FOUND_RE.test(msg)) throw fail('VM_NOT_FOUND', `${what}: ${msg}`);
      throw new AgentError('VM_HYPERVISOR_FAILED', `${what}: ${msg}`, { uri: this.uri });
    }
  }

  private async domain(c: LvHypervisor, uuid: string): Promise<LvDomain> {
    return c.domainLookupByUUIDString(dashUuid(uuid));
  }

  private async info(d: LvDomain): Promise<DomainInfo> {
    const [name, uuid, id, i] = await Promise.all([d.getName(), d.getUUIDString(), d.getID(), d.getInfo()]);
    return {
      name,
      uuid: uuid.toLowerCase(),
      id: id === null || id < 0 ? null : id,
      state: DOMAIN_STATES[i.state] ?? 'nostate',
      maxMemKiB: i.maxMem,
      memKiB: i.memory,
      vcpus: i.nrVirtCpu,
      cpuTimeNs: i.cpuTime,
    };
  }

  listDomains(): Promise<DomainInfo[]> {
    return this.call('list domains', async (c) => Promise.all((await c.connectListAllDomains()).map((d) => this.info(d))));
  }

  async lookup(uuid: string): Promise<DomainInfo | undefined> {
    try {
      return await this.call(`lookup ${uuid}`, async (c) => this.info(await this.domain(c, uuid)));
    } catch (e) {
      if (isAgentError(e) && e.code === 'VM_NOT_FOUND') return undefined;
      throw e;
    }
  }

  async lookupByName(name: string): Promise<DomainInfo | undefined> {
    try {
      return await this.call(`lookup ${name}`, async (c) => this.info(await c.domainLookupByName(name)));
    } catch (e) {
      if (isAgentError(e) && e.code === 'VM_NOT_FOUND') return undefined;
      throw e;
    }
  }

  define(xml: string): Promise<DomainInfo> {
    return this.call('define domain', async (c) => this.info(await c.domainDefineXML(xml)), false);
  }

  private act(what: string, uuid: string, fn: (d: LvDomain, c: LvHypervisor) => Promise<void>): Promise<void> {
    return this.call(`${what} ${uuid}`, async (c) => fn(await this.domain(c, uuid), c), false);
  }

  undefine(uuid: string): Promise<void> {
    return this.act('undefine', uuid, (d) => d.undefine());
  }
  start(uuid: string): Promise<void> {
    return this.act('start', uuid, (d) => d.create());
  }
  shutdown(uuid: string): Promise<void> {
    return this.act('shutdown', uuid, (d) => d.shutdown());
  }
  destroy(uuid: string): Promise<void> {
    return this.act('destroy', uuid, (d) => d.destroy());
  }
  suspend(uuid: string): Promise<void> {
    return this.act('suspend', uuid, (d) => d.suspend());
  }
  resume(uuid: string): Promise<void> {
    return this.act('resume', uuid, (d) => d.resume());
  }
  save(uuid: string, file: string): Promise<void> {
    return this.act('save', uuid, (d, c) => c.domainSave(d, file));
  }
  restore(file: string): Promise<void> {
    return this.call(`restore ${file}`, (c) => c.domainRestore(file), false);
  }
  getXml(uuid: string, inactive = false): Promise<string> {
    return this.call(`dumpxml ${uuid}`, async (c) => (await this.domain(c, uuid)).getXMLDesc(inactive ? 2 : 0));
  }
  nodeInfo(): Promise<NodeInfo> {
    return this.call('node info', async (c) => {
      const n = await c.nodeGetInfo();
      return { ...n, memoryKiB: n.memory };
    });
  }
  hostname(): Promise<string> {
    return this.call('hostname', (c) => c.connectGetHostname());
  }

  async bulkStats(): Promise<DomainStats[]> {
    const domains = await this.listDomains();
    if (this.kind === 'test') return domains; // virsh would open a second, different test world
    const r = await this.virsh(['domstats', '--raw'], 60_000);
    const byName = new Map(domstatsToStats(r).map((s) => [s.name, s]));
    return domains.map((d) => {
      const s = byName.get(d.name);
      if (!s) return d;
      return {
        ...d,
        cpuTimeNs: s.cpuTimeNs ?? d.cpuTimeNs,
        memKiB: s.balloonCurrentKiB ?? d.memKiB,
        vcpus: s.vcpus ?? d.vcpus,
        blockRdBytes: s.blockRdBytes,
        blockWrBytes: s.blockWrBytes,
        blockRdReqs: s.blockRdReqs,
        blockWrReqs: s.blockWrReqs,
        netRxBytes: s.netRxBytes,
        netTxBytes: s.netTxBytes,
      };
    });
  }

  async reboot(uuid: string): Promise<void> {
    this.needVirsh('reboot');
    await this.virsh(['reboot', dashUuid(uuid)]);
  }

  async migrate(uuid: string, opts: MigrateOptions): Promise<void> {
    this.needVirsh('live migration');
    const argv = ['migrate', ...(opts.live ? ['--live'] : []), '--persistent', '--undefinesource', dashUuid(uuid), opts.destUri];
    try {
      await this.virsh(argv, 30 * 60_000);
    } catch (e) {
      throw new AgentError('VM_MIGRATION_FAILED', `migration of ${uuid} to ${opts.destUri} failed: ${(e as Error).message}`, {
        dest: opts.destUri,
      });
    }
  }

  async sendKey(uuid: string, keys: readonly string[]): Promise<void> {
    this.needVirsh('send-key');
    await this.virsh(['send-key', dashUuid(uuid), '--codeset', 'linux', ...keys]);
  }

  /** The test driver's state lives in our one connection: a virsh process would see another world. */
  private needVirsh(what: string): void {
    if (this.kind === 'test') throw fail('VM_NOT_SUPPORTED_BY_DRIVER', `${what} is not supported by the libvirt test driver (${this.uri})`);
  }

  private async virsh(args: string[], timeoutMs = 120_000): Promise<string> {
    const r = await this.deps.exec.run(['virsh', '-c', this.uri, ...args], { timeoutMs, allowFail: true });
    if (r.code !== 0) {
      const msg = (r.stderr || r.stdout).trim().replace(/^error:\s*/gm, '').slice(0, 500);
      if (NOT_FOUND_RE.test(msg)) throw fail('VM_NOT_FOUND', `virsh ${args[0]}: ${msg}`);
      throw new AgentError('VM_HYPERVISOR_FAILED', `virsh ${args[0]} failed (exit ${r.code}): ${msg}`, { argv: r.argv, code: r.code });
    }
    return r.stdout;
  }
}
