// Crash recovery of VM and template folders: create_vm, clones and templates record what they
// are making, delete_vm and delete_template what they are removing; an unfinished create is
// undone, an unfinished delete that had begun removing files is finished.
import { isAgentError } from '../../core/errors.js';
import { normUuid, vmCfgToObject } from '../../core/vm/vm-cfg.js';
import { isWriteTemp } from '../../host/temp-file.js';
import type { HostFs } from '../../host/host-fs.js';
import type { Intents } from '../intents/intents.js';
import { dirOf, type VmFiles, type VmKind } from './vm-files.js';
import type { VmStore } from '../../store/vm-store.js';

export const INTENT_VM_CREATE = 'vm-create';
export const INTENT_VM_DELETE = 'vm-delete';

export interface VmCreateIntent {
  kind: VmKind;
  repoId: string;
  id: string;
  /** The folder was there before: recovery only clears temp files from it. */
  dirExisted: boolean;
  /** Disk files this change created (copies of a clone), removed when it is undone. */
  disks: string[];
}

export interface VmDeleteIntent {
  kind: VmKind;
  repoId: string;
  id: string;
  uuid?: string;
  /** Disk files the delete removes with the folder. */
  disks: string[];
}

/** The catch of a delete's lookup: "not found" goes through the one retried-delete check; anything else is rethrown. */
export function retriedDelete(intents: Intents, key: string): (e: unknown) => undefined {
  return (e) => {
    if (!isAgentError(e) || !/_NOT_FOUND$/.test(e.code)) throw e;
    intents.retriedDelete(INTENT_VM_DELETE, key, e);
    return undefined;
  };
}

export function registerVmRecoveries(d: { fs: HostFs; intents: Intents; files: VmFiles; store: VmStore }): void {
  const { fs, intents, files, store } = d;
  intents.register<VmCreateIntent>(INTENT_VM_CREATE, async (p) => {
    // Undone whole, even when only the intent's removal was missing: the caller had no answer,
    // and its retry then succeeds. create_vm and clones refuse an existing vm.cfg before they
    // start, so a vm.cfg here is this call's.
    const dir = dirOf(p.kind, p.repoId, p.id);
    const doc = await files.readDoc(p.kind, p.repoId, p.id).catch(() => undefined);
    if (doc && p.kind === 'vm') {
      const uuid = vmCfgToObject(doc).uuid;
      if (typeof uuid === 'string') store.remove(normUuid(uuid));
    }
    if (p.dirExisted) await fs.remove(`${dir}/vm.cfg`);
    for (const disk of p.disks) await fs.remove(disk);
    if (!p.dirExisted) await fs.removeTree(dir);
    else for (const name of await fs.list(dir)) if (isWriteTemp(name)) await fs.remove(`${dir}/${name}`);
    return { outcome: 'rolled-back', detail: `removed the unfinished ${p.kind} ${p.repoId}/${p.id}${p.disks.length ? ` and ${p.disks.length} disk(s)` : ''}` };
  });
  intents.register<VmDeleteIntent>(INTENT_VM_DELETE, async (p, step) => {
    if (step === 'begin') return { outcome: 'rolled-back', detail: 'nothing had been removed' };
    for (const disk of p.disks) await fs.remove(disk);
    await fs.removeTree(dirOf(p.kind, p.repoId, p.id));
    if (p.uuid) store.remove(p.uuid);
    return { outcome: 'rolled-forward', detail: `${p.kind} ${p.repoId}/${p.id} removed` };
  });
}
