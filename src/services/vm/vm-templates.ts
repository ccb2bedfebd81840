// Templates and clones: a template from a stopped VM, a new VM from a VM or a template (new
// UUID, new 00:21:f6 MACs, writable disks copied sparse or full), template config and deletion.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { fail } from '../../core/errors.js';
import { REPOSITORIES_ROOT, repoPath } from '../../core/ids.js';
import {
  cfgSet, diskToText, normUuid, textToDisk, vifToText, vmCfgToModel, vmCfgToObject,
  type CfgValue, type VmCfgDoc, type VmModel,
} from '../../core/vm/vm-cfg.js';
import type { HostFs } from '../../host/host-fs.js';
import { copyFileSparse } from '../../host/sparse-copy.js';
import { dirOf, safeIds, type VmFiles, type VmKind } from './vm-files.js';
import type { Intents } from '../intents/intents.js';
import { INTENT_VM_CREATE, INTENT_VM_DELETE, type VmCreateIntent, type VmDeleteIntent } from './vm-recovery.js';

export interface VmTemplatesDeps {
  intents: Intents;
  fs: HostFs;
  files: VmFiles;
  log: Logger;
  isRunning: (uuid: string) => Promise<boolean>;
  /** Registers a VM written by a clone (index, database, life-cycle log). */
  onVmCreated?: (repoId: string, vmId: string, doc: VmCfgDoc, model: VmModel) => Promise<void>;
}

export const OVM_MAC_PREFIX = '00:21:f6';

export function randomMac(taken: Set<string>): string {
  for (;;) {
    const b = randomBytes(3);
    const mac = `${OVM_MAC_PREFIX}:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
    if (!taken.has(mac)) {
      taken.add(mac);
      return mac;
    }
  }
}

export interface CloneResult {
  uuid: string;
  disks: Array<{ from: string; to: string; size: number; written: number }>;
}

export class VmTemplates {
  constructor(private readonly deps: VmTemplatesDeps) {}

  private async macsInUse(repoId: string): Promise<Set<string>> {
    const taken = new Set<string>();
    for (const { doc } of await this.deps.files.allDocs(repoId)) {
      const vif = vmCfgToObject(doc).vif;
      if (Array.isArray(vif)) for (const s of vif) if (typeof s === 'string') {
        const mac = /mac=([0-9a-fA-F:]{17})/.exec(s)?.[1];
        if (mac) taken.add(mac.toLowerCase());
      }
    }
    return taken;
  }

  /** Where the source lives: a VM first, then a template of that id. */
  private async source(repoId: string, id: string): Promise<{ kind: VmKind; doc: VmCfgDoc }> {
    const vm = await this.deps.files.readDoc('vm', repoId, id);
    if (vm) return { kind: 'vm', doc: vm };
    const t = await this.deps.files.readDoc('template', repoId, id);
    if (t) return { kind: 'template', doc: t };
    throw fail('VM_NOT_FOUND', `no VM or template ${id} in repository ${repoId}`);
  }

  /** Copies `srcRepo/srcId` (VM or template) to a new VM or template `dstRepo/dstId`. */
  async copy(srcRepo: string, srcId: string, dstKind: VmKind, dstRepo: string, dstId: string, sparse: boolean): Promise<CloneResult> {
    safeIds(srcRepo, srcId, dstRepo, dstId);
    await this.deps.files.requireRepo(srcRepo);
    await this.deps.files.requireRepo(dstRepo);
    const src = await this.source(srcRepo, srcId);
    const m = vmCfgToModel(src.doc);
    if (src.kind === 'vm' && (await this.deps.isRunning(m.cfg.uuid))) {
      throw fail('VM_BAD_STATE', `VM ${srcId} is running: stop it before making a template or clone of it`);
    }
    if (await this.deps.files.readDoc(dstKind, dstRepo, dstId)) {
      throw fail('VM_EXISTS', `${dstKind === 'vm' ? 'VM' : 'template'} ${dstId} already exists in repository ${dstRepo}`);
    }
    const doc: VmCfgDoc = structuredClone(src.doc);
    const uuid = randomUUID();
    cfgSet(doc, 'uuid', uuid);
    cfgSet(doc, 'name', dstId);
    const taken = await this.macsInUse(dstRepo);
    if (m.vifs.length) {
      cfgSet(doc, 'vif', m.vifs.map((v) => vifToText({ ...v, mac: randomMac(taken) })));
    }
    const copied: CloneResult['disks'] = [];
    const created: string[] = [];
    const start: VmCreateIntent = { kind: dstKind, repoId: dstRepo, id: dstId, dirExisted: (await this.deps.fs.stat(dirOf(dstKind, dstRepo, dstId))) !== undefined, disks: [] };
    // The intent's recovery removes the copies and the folder unless the vm.cfg was written.
    await this.deps.intents.run(INTENT_VM_CREATE, `${dstKind}:${dstRepo}/${dstId}`, start, async (intent) => {
      const disks: CfgValue[] = [];
      for (const d of m.disks) {
        // Only private writable file disks are copied; CD-ROMs, shared (w!) and physical disks are referenced.
        if (d.kind !== 'file' || d.mode !== 'w' || d.cdrom) {
          disks.push(diskToText(d));
          continue;
        }
        if (!d.path.startsWith(`${REPOSITORIES_ROOT}/`) || d.path.split('/').includes('..')) {
          throw fail('REPO_BAD_PATH', `disk ${d.path} of ${srcId} is outside the repositories; refusing to copy it`);
        }
        const to = `${repoPath(dstRepo)}/VirtualDisks/${randomBytes(16).toString('hex')}.img`;
        const st = await this.deps.fs.stat(d.path);
        if (!st?.isFile()) throw fail('REPO_FILE_NOT_FOUND', `disk ${d.path} of ${srcId} does not exist`);
        await this.deps.fs.mkdirp(`${repoPath(dstRepo)}/VirtualDisks`);
        created.push(to);
        intent.step('copying-disk', { disks: [...created] });
        const r = await copyFileSparse(this.deps.fs.resolve(d.path), this.deps.fs.resolve(to), { sparse });
        copied.push({ from: d.path, to, size: r.size, written: r.written });
        disks.push(diskToText({ ...d, path: to }));
      }
      if (m.disks.length) cfgSet(doc, 'disk', disks);
      cfgSet(doc, 'OVM_high_availability', dstKind === 'vm' ? m.ha : false);
      const model = vmCfgToModel(doc);
      intent.step('writing-config');
      await this.deps.files.writeDoc(dstKind, dstRepo, dstId, doc);
      intent.step('config-written');
      if (dstKind === 'vm') await this.deps.onVmCreated?.(dstRepo, dstId, doc, model);
    });
    this.deps.log.info({ from: `${srcRepo}/${srcId}`, to: `${dstRepo}/${dstId}`, kind: dstKind, sparse, disks: copied.length }, 'copied VM');
    return { uuid: normUuid(uuid), disks: copied };
  }

  async getTemplateConfig(repoId: string, templateId: string): Promise<Record<string, CfgValue>> {
    return vmCfgToObject(await this.deps.files.requireDoc('template', repoId, templateId));
  }

  /**
   * Removes the template and the private disks no other VM or template of the repository uses.
   * Any vm.cfg that cannot be read refuses the whole call: its disks might be among these.
   */
  async deleteTemplate(repoId: string, templateId: string): Promise<void> {
    const doc = await this.deps.files.readDoc('template', repoId, templateId);
    if (!doc) return this.deps.intents.retriedDelete(INTENT_VM_DELETE, `template:${repoId}/${templateId}`, fail('TEMPLATE_NOT_FOUND', `no template ${templateId} in repository ${repoId}`));
    const used = new Set<string>();
    for (const o of await this.deps.files.allDocs(repoId, 'fail')) {
      if (o.kind === 'template' && o.id === templateId) continue;
      const disk = vmCfgToObject(o.doc).disk;
      if (Array.isArray(disk)) for (const s of disk) if (typeof s === 'string') used.add(s.split(',')[0]);
    }
    const prefix = `${repoPath(repoId)}/VirtualDisks/`;
    const disk = vmCfgToObject(doc).disk;
    const unused: string[] = [];
    for (const s of Array.isArray(disk) ? disk : []) {
      if (typeof s !== 'string') continue;
      const d = textToDisk(s);
      if (d.kind === 'file' && d.mode === 'w' && !d.cdrom && d.path.startsWith(prefix) && !used.has(s.split(',')[0])) unused.push(d.path);
    }
    const start: VmDeleteIntent = { kind: 'template', repoId, id: templateId, disks: unused };
    await this.deps.intents.run(INTENT_VM_DELETE, `template:${repoId}/${templateId}`, start, async (intent) => {
      intent.step('removing');
      for (const p of unused) await this.deps.fs.remove(p);
      await this.deps.fs.removeTree(dirOf('template', repoId, templateId));
    });
  }
}

