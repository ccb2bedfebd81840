// HA maintenance mode refuses new VMs: create_vm, start_vm, restore_vm and clone_vm ask the
// admission check first and change nothing when it refuses; other VM calls are not affected.
import t from 'tap';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError } from '../../src/core/errors.js';
import { vmMethods } from '../../src/rpc/methods/vm.js';
import { Registry } from '../../src/rpc/registry.js';
import { injector } from '../helpers/inject.js';
import { REPO, sampleParams } from '../helpers/vm-fakes.js';
import { startTestDriverVms } from '../helpers/vm-test-driver.js';

t.test('maintenance mode: no new VMs, nothing written', async (t) => {
  const { env, svc } = await startTestDriverVms(t);
  let maintenance = false;
  const admit = (): void => {
    if (maintenance) throw new AgentError('HA_MAINTENANCE', 'this server is in maintenance mode and takes no new VMs');
  };
  const call = injector(new Registry({ isOwned: () => true }, vmMethods(svc, admit)));
  t.equal(await call('create_vm', REPO, 'vm1', sampleParams()), null, 'admitted while not in maintenance');
  maintenance = true;
  await t.rejects(call('create_vm', REPO, 'vm2', sampleParams()), { code: 'HA_MAINTENANCE' });
  t.notOk(existsSync(join(env.root, 'OVS/Repositories', REPO, 'VirtualMachines/vm2')), 'no folder written');
  await t.rejects(call('start_vm', REPO, 'vm1'), { code: 'HA_MAINTENANCE' });
  await t.rejects(call('clone_vm', REPO, 'vm1', REPO, 'vm3'), { code: 'HA_MAINTENANCE' });
  t.notOk(existsSync(join(env.root, 'OVS/Repositories', REPO, 'VirtualMachines/vm3')), 'no clone made');
  t.same(await call('get_vm_config', REPO, 'vm1').then((c) => typeof c), 'object', 'reads still work');
  maintenance = false;
  t.equal(await call('start_vm', REPO, 'vm1'), null, 'admitted again after maintenance');
});
