// The VM methods over the XML-RPC wire format: encoded calls through the real Registry
// (ownership gate, zod params, faults) into VmService on libvirt's test driver, decoded replies.
import t from 'tap';
import { vmMethods } from '../../src/rpc/methods/vm.js';
import { Registry } from '../../src/rpc/registry.js';
import { respond } from '../helpers/inject.js';
import { REPO, sampleParams } from '../helpers/vm-fakes.js';
import { startTestDriverVms } from '../helpers/vm-test-driver.js';

t.test('VM API over the XML-RPC codec and registry', async (t) => {
  const { svc } = await startTestDriverVms(t);
  let owned = false;
  const reg = new Registry({ isOwned: () => owned }, vmMethods(svc));
  const call = (method: string, ...params: unknown[]) => respond(reg, method, params);

  t.match(await call('create_vm', REPO, 'vm1', sampleParams()), { ok: false, fault: { faultCode: 1004 } }, 'owned before ownership');
  t.match(await call('list_vms'), { ok: true }, 'list_vms is public');
  owned = true;

  t.strictSame(await call('create_vm', REPO, 'vm1', { ...sampleParams(), maxmem: 2048n }), { ok: true, value: null }, 'nil; i8 accepted');
  t.match(await call('create_vm', REPO, 'vm1', sampleParams()), { ok: false, fault: { faultCode: 5002, faultString: /^exceptions\.Exception:VM_EXISTS: / } });
  t.match(await call('create_vm', REPO, 'bad/id', sampleParams()), { ok: false, fault: { faultCode: 1003 } });
  t.match(await call('create_vm', REPO, 'vm9', sampleParams({ vif: Array.from({ length: 9 }, (_, i) => `mac=00:21:f6:00:01:0${i}`) })), {
    ok: false,
    fault: { faultCode: 5006, faultString: /VM_TOO_MANY_VNICS: a hvm guest may have at most 8 VNICs/ },
  });
  t.match(await call('get_vm_config', REPO, 'vm1'), { ok: true, value: { name: 'vm1', memory: 512, maxmem: 2048, vif: ['mac=00:21:f6:00:00:01,bridge=c0a80100'] } });
  t.strictSame(await call('start_vm', REPO, 'vm1'), { ok: true, value: null });
  const listed = await call('list_vms');
  t.match(listed, { ok: true, value: [{ name: 'Domain-0', domid: '0' }] });
  t.match(await call('list_vm', REPO, 'vm1'), { ok: true, value: { name: 'vm1', state: 'r-----', device: { vbd: [{ dev: 'xvda' }, { dev: 'hdc:cdrom' }] } } });
  t.match(await call('delete_vm', REPO, 'vm1'), { ok: false, fault: { faultCode: 5003, faultString: /VM_BAD_STATE/ } });
  t.match(await call('get_vm_stats', REPO, 'vm1'), { ok: true, value: { name: 'vm1' } });
  t.match(await call('get_host_stats'), { ok: true, value: { cpus: 16 } });
  t.strictSame(await call('stop_vm', REPO, 'vm1', true), { ok: true, value: null });
  t.strictSame(await call('list_vm', REPO, 'vm1'), { ok: true, value: null }, 'nil for a stopped VM');
  t.strictSame(await call('delete_vm', REPO, 'vm1'), { ok: true, value: null });
  t.match(await call('get_vm_config', REPO, 'vm1'), { ok: false, fault: { faultCode: 5001 } });
});
