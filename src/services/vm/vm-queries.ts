// The read side of the VM area: running domains as xm-list entries, cached statistics, and
// which running VMs use a repository. Reads the VM index through its methods, changes nothing.
import type { Logger } from 'pino';
import { isAgentError } from '../../core/errors.js';
import { normUuid, vmCfgToModel, vmCfgToObject } from '../../core/vm/vm-cfg.js';
import type { HostFs } from '../../host/host-fs.js';
import type { DomainInfo, Hypervisor } from '../../host/libvirt/hypervisor.js';
import type { VmIndex } from './vm-index.js';
import { safeIds, type VmFiles } from './vm-files.js';
import { domainToListEntry, managementDomainEntry } from './vm-list.js';
import { vmsUsingRepository } from './vm-repo-usage.js';
import type { HostStatsEntry, VmStatsCache, VmStatsEntry } from './vm-stats-cache.js';
import { isActive } from './vm-watch.js';

export interface VmQueriesDeps {
  hypervisor: Hypervisor;
  index: VmIndex;
  stats: VmStatsCache;
  files: VmFiles;
  fs: HostFs;
  log: Logger;
}

export class VmQueries {
  constructor(private readonly deps: VmQueriesDeps) {}

  async listVms(): Promise<Array<Record<string, unknown>>> {
    const h = this.deps.hypervisor;
    const out: Array<Record<string, unknown>> = [];
    const doms = (await h.listDomains()).filter(isActive).sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
    if (!doms.some((d) => d.id === 0)) out.push(managementDomainEntry(await h.nodeInfo()));
    for (const d of doms) out.push(await this.entry(d));
    return out;
  }

  async listVm(repoId: string, vmId: string): Promise<Record<string, unknown> | null> {
    const doc = await this.deps.files.requireDoc('vm', repoId, vmId);
    const dom = await this.deps.hypervisor.lookup(normUuid(vmCfgToModel(doc).cfg.uuid));
    return dom && isActive(dom) ? this.entry(dom) : null;
  }

  private async entry(d: DomainInfo): Promise<Record<string, unknown>> {
    const u = normUuid(d.uuid);
    const xml = await this.deps.hypervisor.getXml(d.uuid).catch((e) => {
      if (isAgentError(e) && e.code === 'VM_NOT_FOUND') return undefined;
      throw e;
    });
    const extra = { ...this.deps.index.whereIs(u), startTime: this.deps.index.startTime(u) };
    try {
      return domainToListEntry(d, xml, extra);
    } catch (err) {
      // A domain libvirt describes in a way we cannot read is still listed, without devices.
      this.deps.log.warn({ err, domain: d.name }, 'unreadable domain XML');
      return domainToListEntry(d, undefined, extra);
    }
  }

  private async filledStats(): Promise<void> {
    if (!this.deps.stats.filled) await this.deps.stats.refresh();
    else await this.deps.stats.settle();
  }

  async getVmStats(repoId?: string, vmId?: string): Promise<VmStatsEntry[] | VmStatsEntry | null> {
    await this.filledStats();
    const { stats } = this.deps;
    if (repoId === undefined || vmId === undefined) return stats.allVms();
    safeIds(repoId, vmId);
    // The index answers without touching the disk; the file is read only for VMs it lacks.
    const known = this.deps.index.uuidOf(repoId, vmId);
    if (known) return stats.vm(known) ?? null;
    const uuid = vmCfgToObject(await this.deps.files.requireDoc('vm', repoId, vmId)).uuid;
    return typeof uuid === 'string' ? (stats.vm(uuid) ?? null) : null;
  }

  async getHostStats(): Promise<HostStatsEntry | null> {
    await this.filledStats();
    return this.deps.stats.hostStats() ?? null;
  }

  /** Running VMs that use the repository (delete_repository and unmount refuse over them). */
  vmsUsingRepository(repoUuid: string): Promise<string[]> {
    const { hypervisor, fs, index } = this.deps;
    return vmsUsingRepository({ hypervisor, resolve: (p) => fs.resolve(p), whereIs: (u) => index.whereIs(u) }, repoUuid);
  }
}
