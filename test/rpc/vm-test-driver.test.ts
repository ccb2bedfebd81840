// The whole VM API of wire-api 3.8 against libvirt's REAL test driver (test:///default),
// through the method declarations (zod params + handlers) and VmService, on a temp sysroot.
import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vmMethods } from '../../src/rpc/methods/vm.js';
import { Registry } from '../../src/rpc/registry.js';
import { injector } from '../helpers/inject.js';
import { REPO, sampleParams } from '../helpers/vm-fakes.js';
import { startTestDriverVms } from '../helpers/vm-test-driver.js';

const WIRE_NAMES = [
  'list_vms', 'list_vm', 'get_vm_config', 'set_vm_config', 'create_vm', 'configure_vm', 'unconfigure_vm', 'delete_vm',
  'start_vm', 'stop_vm', 'reboot_vm', 'pause_vm', 'unpause_vm', 'save_vm', 'restore_vm', 'migrate_vm', 'configure_vm_ha',
  'sysrq_vm', 'send_to_guest', 'create_template', 'get_template_config', 'delete_template', 'get_vm_stats', 'get_host_stats',
];

t.test('VM API on test:///default', async (t) => {
  const { hv, env, svc } = await startTestDriverVms(t);
  const defs = vmMethods(svc);
  for (const n of WIRE_NAMES) t.ok(defs.some((d) => d.name === n), `declares ${n}`);
  for (const d of defs) t.equal(d.access, /^(list_vms?|get_.*)$/.test(d.name) ? 'public' : 'owned', `${d.name} access`);
  const call = injector(new Registry({ isOwned: () => true }, defs));
  writeFileSync(join(env.root, 'OVS/Repositories', REPO, 'VirtualDisks/sys.img'), Buffer.alloc(8192, 1));

  // Bad input is refused before anything happens.
  await t.rejects(call('create_vm', '../x', 'vm1', sampleParams()), { code: 'INVALID_ARGUMENT' });
  await t.rejects(call('create_vm', REPO, 'vm1', { 'bad key': 1 }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(call('create_vm', REPO, 'vm1', sampleParams({ name: 'has space' })), { code: 'VM_INVALID' });

  t.equal(await call('create_vm', REPO, 'vm1', sampleParams()), null);
  t.equal(await call('create_vm', REPO, 'pv1', sampleParams({ OVM_domain_type: 'xen_pvm', vif: [], bootloader: '/usr/bin/pygrub' })), null);
  const cfg = (await call('get_vm_config', REPO, 'vm1')) as Record<string, unknown>;
  t.match(cfg, { name: 'vm1', memory: 512, OVM_domain_type: 'hvm' });
  t.equal(await call('configure_vm', REPO, 'vm1', { memory: 768 }), null);
  t.equal(await call('set_vm_config', REPO, 'vm1', { ...cfg, memory: 640 }), null);
  t.equal(((await call('get_vm_config', REPO, 'vm1')) as Record<string, unknown>).memory, 640);

  t.equal(await call('start_vm', REPO, 'vm1'), null);
  t.equal(await call('start_vm', REPO, 'pv1'), null);
  t.equal(await call('start_vm', REPO, 'vm1'), null, 'second start is a no-op');
  const list = (await call('list_vms')) as Array<Record<string, unknown>>;
  const names = list.map((x) => x.name);
  t.ok(names.includes('Domain-0') && names.includes('vm1') && names.includes('pv1') && names.includes('test'), names.join(','));
  const one = (await call('list_vm', REPO, 'vm1')) as Record<string, unknown>;
  t.match(one, { name: 'vm1', state: 'r-----', memory: '640', repo_id: REPO, vm_id: 'vm1' });
  t.match(one.device, { vif: [{ mac: '00:21:f6:00:00:01', bridge: 'c0a80100' }] });

  t.equal(await call('pause_vm', REPO, 'vm1'), null);
  t.match(await call('list_vm', REPO, 'vm1'), { state: '--p---' });
  t.equal(await call('unpause_vm', REPO, 'vm1'), null);
  t.equal(await call('save_vm', REPO, 'vm1', false), null);
  t.equal(await call('list_vm', REPO, 'vm1'), null);
  t.equal(await call('restore_vm', REPO, 'vm1', false), null);
  t.match(await call('list_vm', REPO, 'vm1'), { state: 'r-----' });

  await svc.stats.refresh();
  const stats = (await call('get_vm_stats')) as Array<Record<string, unknown>>;
  t.ok(stats.length >= 3);
  t.match(await call('get_vm_stats', REPO, 'vm1'), { name: 'vm1', memory: 640 });
  t.match(await call('get_host_stats'), { cpus: 16, running_vms: stats.length });

  for (const [m, args] of [['reboot_vm', [REPO, 'vm1', false]], ['migrate_vm', [REPO, 'vm1', 'host2', true, false]], ['sysrq_vm', [REPO, 'vm1', 'b']], ['send_to_guest', [REPO, 'vm1', { a: '1' }]]] as const) {
    await t.rejects(call(m, ...args), { code: 'VM_NOT_SUPPORTED_BY_DRIVER' }, `${m} faults clearly on the test driver`);
  }
  t.equal(await call('configure_vm_ha', REPO, 'vm1', true), null);
  t.match(readFileSync(join(env.root, 'OVS/Repositories', REPO, 'VirtualMachines/vm1/vm.cfg'), 'utf8'), /OVM_high_availability = True/);

  await t.rejects(call('delete_vm', REPO, 'vm1'), { code: 'VM_BAD_STATE' });
  await t.rejects(call('create_template', REPO, 'vm1', 'tpl1'), { code: 'VM_BAD_STATE' });
  t.equal(await call('stop_vm', REPO, 'vm1', false), null);
  t.equal(await call('stop_vm', REPO, 'pv1', true), null);
  t.equal(await call('list_vm', REPO, 'vm1'), null);
  t.equal(await call('create_template', REPO, 'vm1', 'tpl1', true), null);
  t.match(await call('get_template_config', REPO, 'tpl1'), { name: 'tpl1' });
  t.equal(await call('clone_vm', REPO, 'tpl1', REPO, 'vm2', true), null);
  t.equal(await call('clone', REPO, 'vm1', REPO, 'vm3', false), null, 'alias clone');
  t.equal(await call('start_vm', REPO, 'vm2'), null);
  t.match(await call('list_vm', REPO, 'vm2'), { name: 'vm2', state: 'r-----' });
  t.equal(await call('stop_vm', REPO, 'vm2', true), null);

  t.equal(await call('unconfigure_vm', REPO, 'vm1'), null);
  t.notOk(await hv.lookup(String(cfg.uuid)), 'unconfigured: gone from libvirt');
  t.ok(existsSync(join(env.root, 'OVS/Repositories', REPO, 'VirtualMachines/vm1/vm.cfg')), 'files kept');
  for (const v of ['vm1', 'vm2', 'vm3', 'pv1']) t.equal(await call('delete_vm', REPO, v), null, `delete ${v}`);
  t.equal(await call('delete_template', REPO, 'tpl1'), null);
  await t.rejects(call('get_vm_config', REPO, 'vm1'), { code: 'VM_NOT_FOUND' });
  const log = readFileSync(join(env.root, 'var/log/hvagent/vm-events.log'), 'utf8');
  for (const a of ['create', 'start', 'pause', 'unpause', 'save', 'restore', 'ha-enable', 'stop', 'kill', 'delete']) t.match(log, new RegExp(`action=${a} `), `logged ${a}`);
  const left = (await hv.listDomains()).map((d) => d.name);
  t.same(left, ['test'], 'only the driver default domain is left');
});
