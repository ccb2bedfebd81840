// The lock manager seen from the wire: each method's declared holds, taken by the registry on a
// whole agent (buildAgent + inject): VM calls exclude each other per VM, delete_repository
// refuses while VMs run from the repository, delete_template and clones exclude each other,
// delete_template refuses on an unreadable vm.cfg.
import t from 'tap';
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startTestAgent } from '../helpers/test-agent.js';
import { sampleParams } from '../helpers/vm-fakes.js';

const R = '0004fb00000300001111111111111111';

async function withRepo(t: Parameters<typeof startTestAgent>[0]) {
  const a = await startTestAgent(t);
  mkdirSync(join(a.root, 'srv/r'), { recursive: true });
  await a.call('create_repository', '/srv/r', `/OVS/Repositories/${R}`, R, 'locks');
  writeFileSync(join(a.root, 'OVS/Repositories', R, 'VirtualDisks/sys.img'), Buffer.alloc(4096, 1));
  const params = sampleParams({ disk: [`file:/OVS/Repositories/${R}/VirtualDisks/sys.img,xvda,w`] });
  return { ...a, params };
}

t.test('two calls on one VM: the second faults BUSY naming the first; other VMs are free', async (t) => {
  const { call, hypervisor, params } = await withRepo(t);
  await call('create_vm', R, 'vm1', params);
  await call('create_vm', R, 'vm2', { ...params, vif: [] });
  await call('start_vm', R, 'vm1');
  hypervisor!.ignoreShutdown.add([...hypervisor!.domains.keys()][0]);
  const slow = call('stop_vm', R, 'vm1', 'False').then(() => 'stopped', (e: { code: string }) => e.code);
  await t.rejects(call('start_vm', R, 'vm1'), { code: 'BUSY', message: new RegExp(`stop_vm .* holds the vm:${R}/vm1 lock`) });
  t.equal(await call('get_vm_config', R, 'vm2').then(() => 'ok'), 'ok', 'reads take no lock');
  t.equal(await call('configure_vm', R, 'vm2', { memory: 600 }), null, 'another VM is not held');
  t.equal(await slow, 'VM_SHUTDOWN_TIMEOUT');
  t.equal(await call('stop_vm', R, 'vm1', true), null, 'the hold ended with the call');
});

t.test('delete_repository and unmount refuse while a VM runs from the repository, naming it', async (t) => {
  const { call, root, params } = await withRepo(t);
  await call('create_vm', R, 'web', params);
  await call('start_vm', R, 'web');
  const err = await call('delete_repository', R, 'True').then(() => undefined, (e: Error & { code: string }) => e);
  t.match(err, { code: 'REPO_IN_USE', message: new RegExp(`running VMs: ${R}/web`) });
  await t.rejects(call('unmount_repository_fs', `/OVS/Repositories/${R}`), { code: 'REPO_IN_USE' });
  t.ok(existsSync(join(root, 'OVS/Repositories', R, 'VirtualMachines/web/vm.cfg')), 'nothing was erased');
  t.ok(existsSync(join(root, 'OVS/Repositories', R, 'VirtualDisks/sys.img')), 'the disk is still there');
  await call('stop_vm', R, 'web', 1);
  t.equal(await call('delete_repository', R, true), null, 'stopped: the repository can go');
  t.notOk(existsSync(join(root, 'OVS/Repositories', R, 'VirtualDisks/sys.img')), 'erased');
});

t.test('a VM on another repository whose disk lives in this one keeps it too', async (t) => {
  const { call, root, params } = await withRepo(t);
  const R2 = '0004fb00000300002222222222222222';
  mkdirSync(join(root, 'srv/r2'), { recursive: true });
  await call('create_repository', '/srv/r2', `/OVS/Repositories/${R2}`, R2, 'other');
  await call('create_vm', R2, 'db', params); // its disk is in R
  await call('start_vm', R2, 'db');
  await t.rejects(call('delete_repository', R, false), { code: 'REPO_IN_USE', message: new RegExp(`${R2}/db`) });
  await call('stop_vm', R2, 'db', true);
  t.equal(await call('delete_repository', R, false), null, 'free once the VM stopped');
});

t.test('delete_template and a clone of that template exclude each other', async (t) => {
  const { call, params } = await withRepo(t);
  await call('create_vm', R, 'gold', params);
  await call('create_template', R, 'gold', 'tpl', false);
  const clone = call('clone_vm', R, 'tpl', R, 'copy1', false);
  await t.rejects(call('delete_template', R, 'tpl'), { code: 'BUSY', message: new RegExp(`clone_vm .* holds the template:${R}/tpl lock \\(shared\\)`) });
  t.equal(await clone, null);
  const del = call('delete_template', R, 'tpl');
  await t.rejects(call('clone_vm', R, 'tpl', R, 'copy2', false), { code: 'BUSY', message: /delete_template/ });
  t.equal(await del, null);
});

t.test('delete_template refuses when a vm.cfg of the repository cannot be read, deleting nothing', async (t) => {
  const { call, root, params } = await withRepo(t);
  await call('create_vm', R, 'gold', params);
  await call('create_template', R, 'gold', 'tpl', false);
  const tplDisks = await call('get_template_config', R, 'tpl') as { disk: string[] };
  const tplDisk = tplDisks.disk[0].split(',')[0].replace(/^file:/, '');
  mkdirSync(join(root, 'OVS/Repositories', R, 'VirtualMachines/broken'), { recursive: true });
  writeFileSync(join(root, 'OVS/Repositories', R, 'VirtualMachines/broken/vm.cfg'), 'disk = [ "file:' + tplDisk + ',xvda,w" \n memory = ((( \n');
  await t.rejects(call('delete_template', R, 'tpl'), { code: 'VM_BAD_CONFIG', message: /VirtualMachines\/broken\/vm\.cfg/ });
  t.ok(existsSync(join(root, tplDisk)), 'the template disk is kept');
  t.ok(existsSync(join(root, 'OVS/Repositories', R, 'Templates/tpl/vm.cfg')), 'the template is kept');
});
