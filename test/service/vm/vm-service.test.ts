// VmService against a fake hypervisor and a temp sysroot: files written, hypervisor calls made,
// life-cycle log lines and events, shutdown timeout reported (never killed), adoption, clones.
import t from 'tap';
import { readFileSync, writeFileSync, statSync, existsSync, openSync, writeSync, closeSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { VmService } from '../../../src/services/vm/vm-service.js';
import { textToVmCfg, vmCfgToObject } from '../../../src/core/vm/vm-cfg.js';
import { FakeHypervisor, REPO, sampleParams, startVmService, vmTestEnv } from '../../helpers/vm-fakes.js';

const cfgFile = (root: string, vm: string) => join(root, 'OVS/Repositories', REPO, 'VirtualMachines', vm, 'vm.cfg');
const eventsLog = (root: string) => readFileSync(join(root, 'var/log/hvagent/vm-events.log'), 'utf8');

async function setup(t: { teardown(fn: () => unknown): void }, kind: 'kvm' | 'xen' | 'test' = 'kvm') {
  const hv = new FakeHypervisor(kind);
  return { hv, ...(await startVmService(t, hv)) };
}

t.test('create, start, list, stop, delete', async (t) => {
  const { hv, env, svc } = await setup(t);
  t.ok(hv.opened, 'start() opens the connection');
  await svc.createVm(REPO, 'vm1', sampleParams());
  const cfg = vmCfgToObject(textToVmCfg(readFileSync(cfgFile(env.root, 'vm1'), 'utf8')));
  t.equal(cfg.name, 'vm1');
  t.match(cfg.uuid, /^[0-9a-f-]{36}$/);
  await t.rejects(svc.createVm(REPO, 'vm1', sampleParams()), { code: 'VM_EXISTS' });
  await t.rejects(svc.createVm('nope', 'vm2', sampleParams()), { code: 'REPO_NOT_FOUND' });
  await t.rejects(svc.createVm(REPO, 'vm2', sampleParams({ OVM_domain_type: 'xen_pvm' })), { code: 'VM_UNSUPPORTED_DOMAIN_TYPE' });
  t.notOk(existsSync(cfgFile(env.root, 'vm2')), 'nothing written on a refused create');

  await svc.startVm(REPO, 'vm1');
  const uuid = String(cfg.uuid).replace(/-/g, '');
  t.same(hv.calls, ['define', `start ${uuid}`]);
  await svc.startVm(REPO, 'vm1');
  t.same(hv.calls, ['define', `start ${uuid}`], 'start of a running VM is a no-op');

  const list = await svc.listVms();
  t.equal(list.length, 2);
  t.match(list[0], { name: 'Domain-0', domid: 0, state: 'r-----' });
  t.match(list[1], { name: 'vm1', state: 'r-----', memory: '512', repo_id: REPO, vm_id: 'vm1', vnc_port: '5901' });
  t.match(list[1].device, { vif: [{ mac: '00:21:f6:00:00:01', bridge: 'c0a80100' }], vbd: [{ dev: 'xvda', mode: 'w' }, { dev: 'hdc:cdrom', mode: 'r' }] });
  t.match(await svc.listVm(REPO, 'vm1'), { vnc_port: '5901' });

  await t.rejects(svc.deleteVm(REPO, 'vm1'), { code: 'VM_BAD_STATE' }, 'no delete while running');
  await svc.createVm(REPO, 'twin', sampleParams({ name: 'vm1', vif: [] }));
  await t.rejects(svc.startVm(REPO, 'twin'), { code: 'VM_EXISTS' }, 'a libvirt name clash is a clear fault');
  await svc.deleteVm(REPO, 'twin');
  await svc.pauseVm(REPO, 'vm1', true);
  t.match(await svc.listVm(REPO, 'vm1'), { state: '--p---' });
  await svc.pauseVm(REPO, 'vm1', false);
  await t.rejects(svc.pauseVm(REPO, 'vm1', false), { code: 'VM_BAD_STATE' });
  await svc.stopVm(REPO, 'vm1', false);
  t.equal(await svc.listVm(REPO, 'vm1'), null);
  await svc.deleteVm(REPO, 'vm1');
  t.notOk(existsSync(cfgFile(env.root, 'vm1')));
  t.notOk(hv.domains.size, 'undefined in libvirt');
  const log = eventsLog(env.root);
  for (const a of ['create', 'start', 'pause', 'unpause', 'stop', 'delete']) t.match(log, new RegExp(`action=${a} vm=${REPO}/vm1 .*cause=manager`), a);
  t.match(log, /host=fakehost/);
  t.ok(env.events.byCode('VM_STARTED').length === 1);
});

t.test('configure_vm merges, set_vm_config replaces, comments survive', async (t) => {
  const { env, svc } = await setup(t);
  await svc.createVm(REPO, 'vm1', sampleParams());
  const p = cfgFile(env.root, 'vm1');
  writeFileSync(p, '# keep me\n' + readFileSync(p, 'utf8') + 'unknown_key = 7\n');
  await svc.editVm(REPO, 'vm1', { memory: '1024' as never, OVM_description: 'x' }, 'merge');
  let text = readFileSync(p, 'utf8');
  t.match(text, /^# keep me\n/);
  t.match(text, /\nmemory = 1024\n/);
  t.match(text, /unknown_key = 7/);
  t.match(text, /OVM_description = 'x'/);
  await t.rejects(svc.editVm(REPO, 'vm1', { vif: Array.from({ length: 9 }, (_, i) => `mac=00:21:f6:00:00:1${i}`) }, 'merge'), { code: 'VM_TOO_MANY_VNICS' });
  t.equal(readFileSync(p, 'utf8'), text, 'a refused change writes nothing');
  const cur = await svc.getVmConfig(REPO, 'vm1');
  delete cur.unknown_key;
  await svc.editVm(REPO, 'vm1', cur, 'replace');
  text = readFileSync(p, 'utf8');
  t.notMatch(text, /unknown_key/);
  t.match(text, /^# keep me\n/);
  // A stopped VM given a new uuid still starts: its old definition is dropped.
  await svc.startVm(REPO, 'vm1');
  await svc.stopVm(REPO, 'vm1', true);
  await svc.editVm(REPO, 'vm1', { uuid: '11111111-2222-4333-8444-555555555555' }, 'merge');
  await svc.startVm(REPO, 'vm1');
  t.match(await svc.listVm(REPO, 'vm1'), { uuid: '11111111-2222-4333-8444-555555555555' });
  await t.rejects(svc.editVm(REPO, 'vm1', { uuid: '11111111-2222-4333-8444-666666666666' }, 'merge'), { code: 'VM_BAD_STATE' });
});

t.test('a shutdown that does not finish is reported, never killed', async (t) => {
  const { hv, env, svc } = await setup(t);
  await svc.createVm(REPO, 'vm1', sampleParams());
  await svc.startVm(REPO, 'vm1');
  const uuid = [...hv.domains.keys()][0];
  hv.ignoreShutdown.add(uuid);
  await t.rejects(svc.stopVm(REPO, 'vm1', false), { code: 'VM_SHUTDOWN_TIMEOUT' });
  t.notOk(hv.calls.some((c) => c.startsWith('destroy')), 'no destroy');
  t.equal(hv.domains.get(uuid)!.state, 'running');
  t.equal(env.events.byCode('VM_SHUTDOWN_TIMEOUT').length, 1);
  t.match(eventsLog(env.root), /action=shutdown-timeout/);
  await svc.stopVm(REPO, 'vm1', true);
  t.ok(hv.calls.includes(`destroy ${uuid}`));
  t.match(eventsLog(env.root), /action=kill/);
});

t.test('crash detection by the bulk refresh; expected stops are not crashes; HA', async (t) => {
  const { hv, env, svc } = await setup(t);
  await svc.createVm(REPO, 'a', sampleParams());
  await svc.createVm(REPO, 'b', sampleParams({ vif: ['mac=00:21:f6:00:00:02,bridge=x'] }));
  await svc.configureVmHa(REPO, 'b', true);
  t.match(readFileSync(cfgFile(env.root, 'b'), 'utf8'), /OVM_high_availability = True/);
  await svc.startVm(REPO, 'a');
  await svc.startVm(REPO, 'b');
  await svc.stats.refresh();
  const [ua, ub] = [...hv.domains.keys()];
  await svc.stopVm(REPO, 'a', true);
  hv.guestStops(ub, true);
  await svc.stats.refresh();
  const log = eventsLog(env.root);
  t.notMatch(log, /action=crash vm=[^ ]+\/a /, 'our own kill is not a crash');
  t.match(log, new RegExp(`action=crash vm=${REPO}/b .*cause=hypervisor`));
  t.match(log, /action=ha-crash vm=[^ ]+\/b/);
  t.equal(env.events.byCode('VM_HA_DOWN').length, 1);
  // A later real crash of a VM the agent once stopped itself is still seen.
  await svc.startVm(REPO, 'a');
  await svc.stats.refresh();
  hv.guestStops(ua, true);
  await svc.stats.refresh();
  t.match(eventsLog(env.root), new RegExp(`action=crash vm=${REPO}/a .*cause=hypervisor`));
});

t.test('adoption after an agent restart: nothing restarted twice', async (t) => {
  const hv = new FakeHypervisor('kvm');
  const env = vmTestEnv(hv);
  t.teardown(env.cleanup);
  const s1 = new VmService(env.deps);
  await s1.start();
  await s1.createVm(REPO, 'a', sampleParams());
  await s1.createVm(REPO, 'b', sampleParams({ vif: [] }));
  await s1.startVm(REPO, 'a');
  await s1.startVm(REPO, 'b');
  await s1.stop();
  // While the agent is down, b dies.
  const ub = String(vmCfgToObject(textToVmCfg(readFileSync(cfgFile(env.root, 'b'), 'utf8'))).uuid).replace(/-/g, '');
  hv.guestStops(ub);
  hv.calls = [];
  const s2 = new VmService(env.deps);
  await s2.start();
  await s2.startVm(REPO, 'a');
  t.same(hv.calls, [], 'adopted VM is not started again');
  const log = eventsLog(env.root);
  t.match(log, new RegExp(`action=adopt vm=${REPO}/a `));
  t.match(log, new RegExp(`action=stopped-while-away vm=${REPO}/b `));
  t.match(await s2.listVm(REPO, 'a'), { name: 'a' });
  await s2.stop();
});

t.test('the service starts without libvirt and adopts once libvirt answers', async (t) => {
  const hv = new FakeHypervisor('kvm');
  const env = vmTestEnv(hv);
  t.teardown(env.cleanup);
  const s1 = new VmService(env.deps);
  await s1.start();
  await s1.createVm(REPO, 'a', sampleParams());
  await s1.startVm(REPO, 'a');
  await s1.stop();
  hv.failOpen = true;
  const s2 = new VmService(env.deps);
  await s2.start();
  t.equal(env.events.byCode('VM_HYPERVISOR_UNAVAILABLE').length, 1);
  t.notMatch(eventsLog(env.root), /action=adopt/);
  env.clock.tick(env.deps.config.libvirt.statsInterval * 1000);
  await s2.stats.lastTick;
  t.equal(env.events.byCode('VM_HYPERVISOR_UNAVAILABLE').length, 1, 'reported once');
  hv.failOpen = false;
  env.clock.tick(env.deps.config.libvirt.statsInterval * 1000);
  await s2.stats.lastTick;
  t.match(eventsLog(env.root), new RegExp(`action=adopt vm=${REPO}/a `), 'adopted on the first tick that reaches libvirt');
  t.notMatch(eventsLog(env.root), /stopped-while-away/);
  await s2.stop();
});

t.test('save/restore, migrate, reboot, sysrq, send_to_guest', async (t) => {
  const { hv, env, svc } = await setup(t);
  await svc.createVm(REPO, 'vm1', sampleParams());
  await svc.startVm(REPO, 'vm1');
  const u = [...hv.domains.keys()][0];
  await svc.saveVm(REPO, 'vm1', false);
  t.ok(existsSync(join(env.root, 'OVS/Repositories', REPO, 'VirtualMachines/vm1/vm.save')));
  t.equal(await svc.listVm(REPO, 'vm1'), null);
  await svc.restoreVm(REPO, 'vm1', true);
  t.match(await svc.listVm(REPO, 'vm1'), { state: '--p---' });
  t.notOk(existsSync(join(env.root, 'OVS/Repositories', REPO, 'VirtualMachines/vm1/vm.save')));
  await t.rejects(svc.restoreVm(REPO, 'vm1', false), { code: 'VM_BAD_STATE' });
  await svc.pauseVm(REPO, 'vm1', false);
  await svc.rebootVm(REPO, 'vm1');
  await svc.sysrqVm(REPO, 'vm1', 's');
  t.ok(hv.calls.includes(`send-key ${u} KEY_LEFTALT KEY_SYSRQ KEY_S`));
  await t.rejects(svc.sysrqVm(REPO, 'vm1', '!!'), { code: 'INVALID_ARGUMENT' });
  await t.rejects(svc.sendToGuest(REPO, 'vm1'), { code: 'VM_NOT_SUPPORTED_BY_DRIVER' });
  t.equal(svc.migrationUri('10.0.0.2', false), 'qemu+tcp://10.0.0.2/system');
  t.equal(svc.migrationUri('fe80::1', true), 'qemu+tls://[fe80::1]/system');
  t.throws(() => svc.migrationUri('a b;rm', false), { code: 'INVALID_ARGUMENT' });
  await svc.migrateVm(REPO, 'vm1', 'host2', true, false);
  t.ok(hv.calls.includes(`migrate ${u} qemu+tcp://host2/system live=true`));
  await svc.stats.refresh();
  const log = eventsLog(env.root);
  t.match(log, /action=migrate .*detail="to qemu\+tcp:\/\/host2\/system live"/);
  t.notMatch(log, /action=crash/, 'a migrated VM is not a crash');
});

t.test('stats come from the cache: one bulk call per refresh, not per request', async (t) => {
  const { hv, svc, env } = await setup(t);
  await svc.createVm(REPO, 'vm1', sampleParams());
  await svc.startVm(REPO, 'vm1');
  const before = hv.bulkCalls;
  for (let i = 0; i < 50; i++) await svc.getVmStats();
  t.equal(hv.bulkCalls, before, 'requests do not call the hypervisor');
  await svc.stats.refresh();
  t.equal(hv.bulkCalls, before + 1);
  t.match(await svc.getVmStats(REPO, 'vm1'), { name: 'vm1', memory: 512, net_rx_bytes: 3 });
  t.match(await svc.getHostStats(), { cpus: 8, running_vms: 1, memory_vms: 512 });
  env.clock.tick(env.deps.config.libvirt.statsInterval * 1000);
  await svc.stats.lastTick;
  t.equal(hv.bulkCalls, before + 2, 'the timer refreshes once per interval');
});

t.test('templates and clones: new uuid, new MACs, sparse disk copies', async (t) => {
  const { svc, env } = await setup(t);
  const disk = join(env.root, 'OVS/Repositories', REPO, 'VirtualDisks/sys.img');
  const fd = openSync(disk, 'w');
  writeSync(fd, Buffer.alloc(4096, 7), 0, 4096, 0);
  writeSync(fd, Buffer.alloc(4096, 9), 0, 4096, 64 * 1024 * 1024);
  ftruncateSync(fd, 128 * 1024 * 1024);
  closeSync(fd);
  await svc.createVm(REPO, 'src', sampleParams());
  await svc.startVm(REPO, 'src');
  await t.rejects(svc.createTemplate(REPO, 'src', 'tpl', true), { code: 'VM_BAD_STATE' });
  await svc.stopVm(REPO, 'src', true);
  await svc.createTemplate(REPO, 'src', 'tpl', true);
  const tpl = await svc.templates.getTemplateConfig(REPO, 'tpl');
  await svc.cloneVm(REPO, 'tpl', REPO, 'clone1', true);
  await svc.cloneVm(REPO, 'src', REPO, 'clone2', false);
  const src = await svc.getVmConfig(REPO, 'src');
  const c1 = await svc.getVmConfig(REPO, 'clone1');
  const c2 = await svc.getVmConfig(REPO, 'clone2');
  const uuids = new Set([src.uuid, tpl.uuid, c1.uuid, c2.uuid]);
  t.equal(uuids.size, 4, 'every copy has its own uuid');
  const macs = [src, tpl, c1, c2].map((c) => String((c.vif as string[])[0]).slice(4, 21));
  t.equal(new Set(macs).size, 4, 'every copy has its own MAC');
  for (const m of macs.slice(1)) t.match(m, /^00:21:f6:/);
  const d1 = String((c1.disk as string[])[0]).split(',')[0].slice(5);
  const d2 = String((c2.disk as string[])[0]).split(',')[0].slice(5);
  t.equal((c1.disk as string[])[1], (src.disk as string[])[1], 'the ISO is referenced, not copied');
  const s1 = statSync(join(env.root, d1));
  const s2 = statSync(join(env.root, d2));
  t.equal(s1.size, 128 * 1024 * 1024);
  t.equal(s2.size, 128 * 1024 * 1024);
  t.ok(s1.blocks * 512 < 4 * 1024 * 1024, `sparse copy allocates little (${s1.blocks * 512} bytes)`);
  t.ok(s2.blocks * 512 >= 128 * 1024 * 1024, `full copy allocates all (${s2.blocks * 512} bytes)`);
  t.same(readFileSync(join(env.root, d1)).subarray(64 * 1024 * 1024, 64 * 1024 * 1024 + 4096), Buffer.alloc(4096, 9));
  await t.rejects(svc.cloneVm(REPO, 'tpl', REPO, 'clone1', true), { code: 'VM_EXISTS' });
  await svc.startVm(REPO, 'clone1');
  const tplDisk = String((tpl.disk as string[])[0]).split(',')[0].slice(5);
  await svc.templates.deleteTemplate(REPO, 'tpl');
  t.notOk(existsSync(join(env.root, tplDisk)), 'template disk removed');
  t.ok(existsSync(join(env.root, d1)), 'clone disk kept');
  await t.rejects(svc.templates.getTemplateConfig(REPO, 'tpl'), { code: 'TEMPLATE_NOT_FOUND' });
});

t.test('xen: xen_pvm accepted, Domain-0 not synthesized when listed', async (t) => {
  const { hv, svc } = await setup(t, 'xen');
  await svc.createVm(REPO, 'pv', sampleParams({ OVM_domain_type: 'xen_pvm', bootloader: '/usr/bin/pygrub' }));
  await svc.startVm(REPO, 'pv');
  const xml = [...hv.domains.values()][0].xml;
  t.match(xml, /<bootloader>\/usr\/bin\/pygrub<\/bootloader>/);
  t.match(xml, /machine='xenpv'>linux</);
  hv.domains.set('0'.repeat(32), { xml: "<domain type='xen' id='0'><name>Domain-0</name><uuid>00000000-0000-0000-0000-000000000000</uuid></domain>", name: 'Domain-0', uuid: '00000000-0000-0000-0000-000000000000', state: 'running', id: 0, memKiB: 1024, vcpus: 1, cpuTimeNs: 0 });
  const list = await svc.listVms();
  t.equal(list.filter((x) => x.name === 'Domain-0').length, 1);
});

t.test('start_vm checks the disks again: a vm.cfg edited on the host to use a disk outside the repositories never starts', async (t) => {
  const { hv, env, svc } = await setup(t);
  await svc.createVm(REPO, 'vm1', sampleParams());
  const p = cfgFile(env.root, 'vm1');
  const text = readFileSync(p, 'utf8');
  for (const bad of ['file:/etc/shadow', 'file:/OVS/Repositories/../../etc/shadow', 'phy:/etc/shadow', 'file:/poolfsmnt/x/.hvagent/ha/master.lease']) {
    writeFileSync(p, text.replace(/disk = \[[^\]]*\]/, `disk = ['${bad},xvda,w']`));
    await t.rejects(svc.startVm(REPO, 'vm1'), { code: 'VM_BAD_CONFIG', message: /disk xvda/ }, bad);
  }
  t.same(hv.calls, [], 'nothing was defined or started');
  writeFileSync(p, text);
  await svc.startVm(REPO, 'vm1');
  t.equal(hv.calls.length, 2, 'the untouched vm.cfg starts');
});

t.test('an HA VM starts only under its lease: taken before the domain starts, given back when the start fails', async (t) => {
  const { hv, svc } = await setup(t);
  const gate: string[] = [];
  svc.haGate = async ({ uuid }) => {
    gate.push(`take ${uuid}`);
    return async () => void gate.push(`undo ${uuid}`);
  };
  await svc.createVm(REPO, 'plain', sampleParams());
  await svc.startVm(REPO, 'plain');
  t.same(gate, [], 'no lease for a VM without HA');

  await svc.createVm(REPO, 'ha1', sampleParams({ name: 'ha1', vif: [] }));
  await svc.configureVmHa(REPO, 'ha1', true);
  hv.calls.length = 0;
  const origDefine = hv.define.bind(hv);
  hv.define = async (xml: string) => {
    gate.push('define'); // the order the hypervisor saw
    return origDefine(xml);
  };
  await svc.startVm(REPO, 'ha1');
  t.match(gate, [/^take [0-9a-f]{32}$/, 'define'], 'lease first, then the domain');

  await svc.stopVm(REPO, 'ha1', true);
  gate.length = 0;
  const origStart = hv.start.bind(hv);
  hv.start = async () => {
    throw new Error('boot failed');
  };
  await t.rejects(svc.startVm(REPO, 'ha1'), /boot failed/);
  t.match(gate, [/^take /, 'define', /^undo /], 'the lease given back');
  hv.start = origStart;

  gate.length = 0;
  svc.haGate = async () => {
    throw Object.assign(new Error('held elsewhere'), { code: 'HA_LEASE_FAILED' });
  };
  hv.calls.length = 0;
  await t.rejects(svc.startVm(REPO, 'ha1'), { code: 'HA_LEASE_FAILED' });
  t.same(gate, [], 'no domain defined without the lease');
  t.notOk(hv.calls.some((c) => c === 'define' || c.startsWith('start')), 'no domain defined or started without the lease');
});
