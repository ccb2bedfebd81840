// vm.cfg and template files of the repositories: read, validate, write (atomically, only on
// change) and find by UUID. Every path goes through HostFs and the safe ids of core/ids.ts.
import { fail } from '../../core/errors.js';
import { REPOSITORIES_ROOT, isSafeComponent, repoPath, vmCfgPath, vmDir } from '../../core/ids.js';
import { normUuid, textToVmCfg, vmCfgToObject, vmCfgToText, type VmCfgDoc } from '../../core/vm/vm-cfg.js';
import type { HostFs } from '../../host/host-fs.js';

export type VmKind = 'vm' | 'template';

export function safeIds(...ids: string[]): void {
  for (const id of ids) if (!isSafeComponent(id)) throw fail('INVALID_ARGUMENT', `invalid id ${JSON.stringify(id)}: must be one path component`);
}

export function templateDir(repoId: string, templateId: string): string {
  return `${repoPath(repoId)}/Templates/${templateId}`;
}

export function cfgPathOf(kind: VmKind, repoId: string, id: string): string {
  safeIds(repoId, id);
  return kind === 'vm' ? vmCfgPath(repoId, id) : `${templateDir(repoId, id)}/vm.cfg`;
}

export function dirOf(kind: VmKind, repoId: string, id: string): string {
  safeIds(repoId, id);
  return kind === 'vm' ? vmDir(repoId, id) : templateDir(repoId, id);
}

export class VmFiles {
  constructor(private readonly fs: HostFs) {}

  async requireRepo(repoId: string): Promise<void> {
    safeIds(repoId);
    const st = await this.fs.stat(repoPath(repoId));
    if (!st?.isDirectory()) throw fail('REPO_NOT_FOUND', `repository ${repoId} is not present on this host`);
  }

  async readDoc(kind: VmKind, repoId: string, id: string): Promise<VmCfgDoc | undefined> {
    const text = await this.fs.readTextIfExists(cfgPathOf(kind, repoId, id));
    return text === undefined ? undefined : textToVmCfg(text);
  }

  async requireDoc(kind: VmKind, repoId: string, id: string): Promise<VmCfgDoc> {
    const doc = await this.readDoc(kind, repoId, id);
    if (doc) return doc;
    if (kind === 'template') throw fail('TEMPLATE_NOT_FOUND', `no template ${id} in repository ${repoId}`);
    throw fail('VM_NOT_FOUND', `no VM ${id} in repository ${repoId}`);
  }

  async writeDoc(kind: VmKind, repoId: string, id: string, doc: VmCfgDoc): Promise<boolean> {
    return (await this.fs.writeAtomic(cfgPathOf(kind, repoId, id), vmCfgToText(doc))).changed;
  }

  /** Every vm.cfg of every repository, as uuid → (repo, vm); unreadable files are skipped. */
  async scan(onBad?: (path: string, err: unknown) => void): Promise<Map<string, { repoId: string; vmId: string }>> {
    const out = new Map<string, { repoId: string; vmId: string }>();
    for (const repoId of await this.fs.list(REPOSITORIES_ROOT)) {
      if (!isSafeComponent(repoId)) continue;
      for (const vmId of await this.fs.list(`${repoPath(repoId)}/VirtualMachines`)) {
        if (!isSafeComponent(vmId)) continue;
        const p = vmCfgPath(repoId, vmId);
        try {
          const text = await this.fs.readTextIfExists(p);
          if (text === undefined) continue;
          const uuid = vmCfgToObject(textToVmCfg(text)).uuid;
          if (typeof uuid === 'string') out.set(normUuid(uuid), { repoId, vmId });
        } catch (e) {
          onBad?.(p, e);
        }
      }
    }
    return out;
  }

  /**
   * vm.cfg texts of all VMs and templates of a repository. 'skip' leaves unreadable ones out
   * (MACs in use: a miss only risks a retry); 'fail' refuses with VM_BAD_CONFIG naming the file,
   * for callers that decide from the list what is unused and may be deleted.
   */
  async allDocs(repoId: string, unreadable: 'skip' | 'fail' = 'skip'): Promise<Array<{ kind: VmKind; id: string; doc: VmCfgDoc }>> {
    const out: Array<{ kind: VmKind; id: string; doc: VmCfgDoc }> = [];
    for (const [kind, sub] of [['vm', 'VirtualMachines'], ['template', 'Templates']] as const) {
      for (const id of await this.fs.list(`${repoPath(repoId)}/${sub}`)) {
        if (!isSafeComponent(id)) continue;
        let doc: VmCfgDoc | undefined;
        try {
          doc = await this.readDoc(kind, repoId, id);
        } catch (e) {
          if (unreadable === 'fail') {
            throw fail('VM_BAD_CONFIG', `cannot read ${cfgPathOf(kind, repoId, id)}: ${(e as Error).message}`, { path: cfgPathOf(kind, repoId, id) });
          }
        }
        if (doc) out.push({ kind, id, doc });
      }
    }
    return out;
  }
}
