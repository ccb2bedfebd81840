// The VM methods of wire-api 3.8 (`Xen`): thin declarations over VmService, each naming what it
// holds: `vm:<repo>/<vm>` and `template:<repo>/<id>`, and its repositories shared.
import { z } from 'zod';
import type { CfgValue } from '../../core/vm/vm-cfg.js';
import type { VmService } from '../../services/vm/vm-service.js';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';
import { wireBool, wireBoolean, wireId, wireInt } from '../wire-types.js';
import { exclusive, shared, type LockRequest } from '../../core/locks.js';
import { repoResource } from '../../services/repo/repository-service.js';

/** Repository and VM ids name folders: one path component each, kept as sent. */
const repo = wireId('repo_id');
const id = wireId('vm_id');
const templateId = wireId('template_id');

const cfgValue: z.ZodType<CfgValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    // Beyond 2^53 a number would lose digits silently: such integers are refused instead.
    z
      .bigint()
      .refine((b) => b >= -(2n ** 53n) && b <= 2n ** 53n, { message: 'integer beyond 2^53: vm.cfg cannot store it exactly' })
      .transform((b) => Number(b)),
    z.boolean(),
    z.null(),
    z.array(cfgValue),
  ]),
) as z.ZodType<CfgValue>;

/** A vm.cfg as a struct: key → value. Keys follow Python identifier rules. */
export const vmParams = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'vm.cfg keys are identifiers'), cfgValue);

const vmRes = (r: string, v: string): string => `vm:${r}/${v}`;
const templateRes = (r: string, t: string): string => `template:${r}/${t}`;
/** A call that changes one VM: that VM alone, its repository kept from delete/unmount. */
const vmLocks = ([r, v]: readonly [string, string, ...unknown[]]): LockRequest[] => [exclusive(vmRes(r, v)), shared(repoResource(r))];

/** Mutating methods answer nil on the wire. */
const nil = (_done?: unknown): null => null;

/**
 * `admit`: throws when this host takes no new VMs now (HA maintenance mode); create_vm, start_vm,
 * restore_vm and clone_vm ask it first.
 */
export function vmMethods(vm: VmService, admit: () => void = () => {}): MethodDef[] {
  return [
    defineMethod({
      name: 'list_vms',
      result: R.structList,
      params: z.tuple([]),
      access: 'public',
      summary: 'Running domains (including the management domain) as xm-list structs',
      handler: () => vm.listVms(),
    }),
    defineMethod({
      name: 'list_vm',
      result: R.orNil(R.struct),
      params: z.tuple([repo, id]),
      access: 'public',
      summary: 'One VM as an xm-list struct with its VNC port, or nil when it is not running',
      handler: ([r, v]) => vm.listVm(r, v),
    }),
    defineMethod({
      name: 'get_vm_config',
      result: R.struct,
      params: z.tuple([repo, id]),
      access: 'public',
      summary: 'vm.cfg as a struct',
      handler: ([r, v]) => vm.getVmConfig(r, v),
    }),
    defineMethod({
      name: 'set_vm_config',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, vmParams]),
      access: 'owned',
      summary: 'Replace vm.cfg with the given struct (comments and kept keys stay in place)',
      handler: async ([r, v, p]) => nil(await vm.editVm(r, v, p, 'replace')),
    }),
    defineMethod({
      name: 'create_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, vmParams]),
      access: 'owned',
      summary: 'Write a new vm.cfg (name defaults to the vm id, uuid to a new one)',
      handler: async ([r, v, p]) => (admit(), nil(await vm.createVm(r, v, p))),
    }),
    defineMethod({
      name: 'configure_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, vmParams]),
      access: 'owned',
      summary: 'Merge keys into vm.cfg (applies at the next start)',
      handler: async ([r, v, p]) => nil(await vm.editVm(r, v, p, 'merge')),
    }),
    defineMethod({
      name: 'unconfigure_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id]),
      access: 'owned',
      summary: 'Remove the stopped VM from libvirt, keep its files',
      handler: async ([r, v]) => nil(await vm.unconfigureVm(r, v)),
    }),
    defineMethod({
      name: 'delete_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id]),
      access: 'owned',
      summary: 'Delete a stopped VM (its libvirt definition and its VirtualMachines folder)',
      handler: async ([r, v]) => nil(await vm.deleteVm(r, v)),
    }),
    defineMethod({
      name: 'start_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id]),
      access: 'owned',
      summary: 'Define the domain from vm.cfg and start it (no-op when running)',
      handler: async ([r, v]) => (admit(), nil(await vm.startVm(r, v))),
    }),
    defineMethod({
      name: 'stop_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, wireBoolean('force').optional().default(false)]),
      access: 'owned',
      summary: 'Shut down (fault VM_SHUTDOWN_TIMEOUT after libvirt.shutdownTimeout), or kill when force',
      handler: async ([r, v, force]) => nil(await vm.stopVm(r, v, force)),
    }),
    defineMethod({
      name: 'reboot_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, z.union([wireBool, wireInt()]).optional()]),
      access: 'owned',
      summary: 'Reboot the guest',
      handler: async ([r, v]) => nil(await vm.rebootVm(r, v)),
    }),
    defineMethod({
      name: 'pause_vm',
      result: R.nil,
      locks: vmLocks,
      summary: 'pause a running VM',
      params: z.tuple([repo, id]),
      access: 'owned',
      handler: async ([r, v]) => nil(await vm.pauseVm(r, v, true)),
    }),
    defineMethod({
      name: 'unpause_vm',
      result: R.nil,
      locks: vmLocks,
      summary: 'resume a paused VM',
      params: z.tuple([repo, id]),
      access: 'owned',
      handler: async ([r, v]) => nil(await vm.pauseVm(r, v, false)),
    }),
    defineMethod({
      name: 'save_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, wireBoolean('checkpoint').optional().default(false)]),
      access: 'owned',
      summary: 'Save the memory image to the VM folder (checkpoint: keep running)',
      handler: async ([r, v, checkpoint]) => nil(await vm.saveVm(r, v, checkpoint)),
    }),
    defineMethod({
      name: 'restore_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, wireBoolean('paused').optional().default(false)]),
      access: 'owned',
      summary: 'Restore a saved VM (paused: leave it paused)',
      handler: async ([r, v, paused]) => (admit(), nil(await vm.restoreVm(r, v, paused))),
    }),
    defineMethod({
      name: 'migrate_vm',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, z.string().min(1).max(512), wireBoolean('live').optional().default(true), wireBoolean('ssl').optional().default(false)]),
      access: 'owned',
      summary: 'Migrate to another host (dest: host name/address or a libvirt URI)',
      handler: async ([r, v, dest, live, ssl]) => nil(await vm.migrateVm(r, v, dest, live, ssl)),
    }),
    defineMethod({
      name: 'configure_vm_ha',
      result: R.nil,
      locks: vmLocks,
      params: z.tuple([repo, id, wireBoolean('enable')]),
      access: 'owned',
      summary: 'Set OVM_high_availability in vm.cfg and the agent database',
      handler: async ([r, v, enable]) => nil(await vm.configureVmHa(r, v, enable)),
    }),
    defineMethod({
      name: 'sysrq_vm',
      result: R.nil,
      summary: 'send a SysRq key to the guest (virsh send-key)',
      params: z.tuple([repo, id, z.string().regex(/^[A-Za-z0-9]$/, 'one letter or digit')]),
      access: 'owned',
      handler: async ([r, v, letter]) => nil(await vm.sysrqVm(r, v, letter)),
    }),
    defineMethod({
      name: 'send_to_guest',
      result: R.nil,
      summary: 'send a message to the guest (no libvirt channel: always faults VM_NOT_SUPPORTED_BY_DRIVER)',
      params: z.tuple([repo, id, z.record(z.string(), z.unknown())]),
      access: 'owned',
      handler: async ([r, v]) => nil(await vm.sendToGuest(r, v)),
    }),
    defineMethod({
      name: 'create_template',
      result: R.nil,
      locks: ([r, v, t]) => [exclusive(vmRes(r, v)), exclusive(templateRes(r, t)), shared(repoResource(r))],
      params: z.tuple([repo, id, templateId, wireBoolean('sparse').optional().default(true)]),
      access: 'owned',
      summary: 'create_template(repo_id, vm_id, template_id[, sparse]): a template from a stopped VM',
      handler: async ([r, v, t, sparse]) => nil(await vm.createTemplate(r, v, t, sparse)),
    }),
    defineMethod({
      name: 'clone_vm',
      result: R.nil,
      // The source (a VM or a template of that id) may be cloned twice at once, but not deleted meanwhile.
      locks: ([sr, s, dr, d]) => [
        shared(vmRes(sr, s)), shared(templateRes(sr, s)), exclusive(vmRes(dr, d)), shared(repoResource(sr)), shared(repoResource(dr)),
      ],
      aliases: ['clone'],
      params: z.tuple([repo, wireId('src_id'), wireId('dst_repo_id'), wireId('dst_vm_id'), wireBoolean('sparse').optional().default(true)]),
      access: 'owned',
      summary: 'clone_vm(src_repo, src_id, dst_repo, dst_vm_id[, sparse]): new VM from a VM or template',
      handler: async ([sr, s, dr, d, sparse]) => (admit(), nil(await vm.cloneVm(sr, s, dr, d, sparse))),
    }),
    defineMethod({
      name: 'get_template_config',
      result: R.struct,
      summary: 'a template vm.cfg as a struct',
      params: z.tuple([repo, templateId]),
      access: 'public',
      handler: ([r, t]) => vm.templates.getTemplateConfig(r, t),
    }),
    defineMethod({
      name: 'delete_template',
      result: R.nil,
      locks: ([r, t]) => [exclusive(templateRes(r, t)), shared(repoResource(r))],
      params: z.tuple([repo, templateId]),
      access: 'owned',
      summary: 'Delete a template and the disks only it uses',
      handler: async ([r, t]) => nil(await vm.templates.deleteTemplate(r, t)),
    }),
    defineMethod({
      name: 'get_vm_stats',
      result: z.union([R.structList, R.struct, R.nil]),
      params: z.tuple([repo.optional(), id.optional()]),
      access: 'public',
      summary: '(ext) cached per-VM statistics: all running VMs, or one VM (nil when stopped)',
      handler: ([r, v]) => vm.getVmStats(r, v),
    }),
    defineMethod({
      name: 'get_host_stats',
      result: R.orNil(R.struct),
      params: z.tuple([]),
      access: 'public',
      summary: '(ext) cached host statistics from the last bulk collection',
      handler: () => vm.getHostStats(),
    }),
  ];
}
