// ha.vmLeases libvirt: the <lease> in an HA VM's domain XML and qemu-sanlock.conf against golden
// files, the check of libvirt's files (the stock Debian files recorded here), the HA service
// handing the lease to the VM service, and the fall back to holder processes when libvirt is not set up.
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { textToVmCfg } from '../../../src/core/vm/vm-cfg.js';
import { vmCfgToDomainXml } from '../../../src/core/vm/domain-xml.js';
import { QEMU_CONF_LOCK_MANAGER, libvirtSanlockProblems, parseLibvirtConf, qemuSanlockConf } from '../../../src/core/ha/libvirt-leases.js';
import { lockspaceName, vmLeaseName } from '../../../src/services/ha/ha-service.js';
import { FakeHypervisor, REPO, sampleParams, startVmService } from '../../helpers/vm-fakes.js';
import { PoolSim } from '../../helpers/ha-pool-sim.js';
import type { FakeLeaseManager } from '../../helpers/fake-lease-manager.js';

const FIX = new URL('../../fixtures/', import.meta.url).pathname;
const read = (f: string) => readFileSync(join(FIX, f), 'utf8');
const POOL = '0004fb00-0001-0000-0000-00000000abcd';
const VM = '0004fb00-0006-0000-aaaa-bbbbccccdddd';

t.test('domain XML: one <lease> per HA VM in <devices>, nothing else changes', async (t) => {
  const doc = textToVmCfg(read('vm/hvm-iso/vm.cfg'));
  t.equal(lockspaceName(POOL), 'hv0004fb0000010000000000000000abcd');
  t.equal(vmLeaseName(VM), 'vm-0004fb0000060000aaaabbbbccccdddd');
  const lease = { lockspace: lockspaceName(POOL), key: vmLeaseName(VM), path: `/OVS/Repositories/0004fb0000030000a1b2c3d4e5f60718/.hvagent/ha/${vmLeaseName(VM)}.lease`, offset: 0 };
  const xml = vmCfgToDomainXml(doc, { hypervisor: 'kvm', leases: [lease] });
  t.equal(xml, read('ha-libvirt/domain-kvm-lease.xml'));
  const without = vmCfgToDomainXml(doc, { hypervisor: 'kvm' });
  t.equal(without, read('vm/hvm-iso/domain-kvm.xml'), 'no leases: the XML of before');
  t.equal(xml.replace(/\n {4}<lease>[\s\S]*?<\/lease>/, ''), without, 'the lease element is the only difference');
});

t.test('qemu-sanlock.conf: golden, and what the check asks of the stock files', async (t) => {
  t.equal(qemuSanlockConf(), read('ha-libvirt/qemu-sanlock.conf'));
  const stockQemu = read('ha-libvirt/stock-qemu.conf.excerpt');
  const stockSanlock = read('ha-libvirt/stock-qemu-sanlock.conf');
  t.equal(parseLibvirtConf(stockQemu).get('lock_manager'), undefined, 'commented out in the stock file');
  const stock = libvirtSanlockProblems(stockQemu, stockSanlock);
  t.equal(stock.length, 2, 'stock files: lock manager nop, leases required for disks');
  t.match(stock[0], /lock_manager = "sanlock" is not set/);
  t.match(stock[1], /require_lease_for_disks must be 0/);
  t.match(libvirtSanlockProblems(stockQemu, undefined), [/lock_manager/, /qemu-sanlock\.conf is missing.*libvirt-sanlock/]);
  const configured = libvirtSanlockProblems(`${stockQemu}\n${QEMU_CONF_LOCK_MANAGER}\n`, `${stockSanlock}\n${qemuSanlockConf()}`);
  t.same(configured, [], 'stock files plus our lines: nothing missing');
  t.match(libvirtSanlockProblems(`lock_manager = "lockd"\n`, 'auto_disk_leases = 1\nrequire_lease_for_disks = 0\n'), [/lock_manager is lockd/, /auto_disk_leases must be 0/]);
});

t.test('VM service: an HA VM is defined with the leases the HA service gives, a VM without HA with none', async (t) => {
  const hv = new FakeHypervisor('kvm');
  const asked: string[] = [];
  const lease = { lockspace: 'hvls', key: 'vm-x', path: '/pool/.hvagent/ha/vm-x.lease', offset: 0 };
  const { env, svc } = await startVmService(t, hv);
  env.deps.domainLeases = async (uuid) => (asked.push(uuid), [lease]);
  await svc.createVm(REPO, 'ha1', sampleParams({ OVM_high_availability: true }));
  await svc.createVm(REPO, 'plain', sampleParams({ OVM_high_availability: false, vif: [] }));
  await svc.startVm(REPO, 'ha1');
  await svc.startVm(REPO, 'plain');
  const xmls = [...hv.domains.values()].map((d) => [d.name, d.xml.includes("<target path='/pool/.hvagent/ha/vm-x.lease' offset='0'/>")]);
  t.same(Object.fromEntries(xmls), { ha1: true, plain: false });
  t.equal(asked.length, 1, 'asked for the HA VM only');
});

t.test('HA service: leases in the domain only when libvirt is set up; otherwise an event and holder processes', async (t) => {
  const sim = new PoolSim({ ioTimeout: 1, fence: 'stop-vms', placement: 'most-free', vmLeases: 'libvirt' });
  t.teardown(() => sim.cleanup());
  const m = sim.add(0, 4096);
  t.same(await m.svc.domainLeases(VM), [], 'not in the lockspace yet: none');
  await sim.run(4);
  t.same(await m.svc.domainLeases(VM), [], 'libvirt not set up: none');
  t.equal(m.kit.events.byCode('HA_LIBVIRT_LOCKS_OFF').length, 1, 'said once, with the reasons');
  t.match(m.kit.events.byCode('HA_LIBVIRT_LOCKS_OFF')[0].message, /lock_manager/);

  const sim2 = new PoolSim({ ioTimeout: 1, fence: 'stop-vms', placement: 'most-free', vmLeases: 'libvirt' });
  t.teardown(() => sim2.cleanup());
  mkdirSync(join(sim2.root, 'etc/libvirt'), { recursive: true });
  writeFileSync(join(sim2.root, 'etc/libvirt/qemu.conf'), `${QEMU_CONF_LOCK_MANAGER}\n`);
  writeFileSync(join(sim2.root, 'etc/libvirt/qemu-sanlock.conf'), qemuSanlockConf());
  const m2 = sim2.add(0, 4096);
  await sim2.run(4);
  const got = await m2.svc.domainLeases(VM);
  t.same(got, [{ lockspace: lockspaceName(POOL), key: vmLeaseName(VM), path: join(sim2.root, `pool/.hvagent/ha/${vmLeaseName(VM)}.lease`), offset: 0 }], 'the real path of the lease file on the pool FS');
  const leases = (m2.svc as unknown as { deps: { leases: FakeLeaseManager } }).deps.leases;
  t.ok(leases.calls.includes(`initResource ${vmLeaseName(VM)}`), 'its lease file formatted first (libvirt formats none)');
  t.equal(m2.kit.events.byCode('HA_LIBVIRT_LOCKS_OFF').length, 0);
  // qemu takes the lease through libvirt: no holder process before the start as well
  t.equal(await m2.svc.leaseBeforeStart({ uuid: VM, memMiB: 256 }), undefined, 'no holder lease before the start: qemu holds it');
  t.notOk(leases.calls.includes(`acquire ${vmLeaseName(VM)}`), 'the VM lease not acquired by the agent');
  t.type(await m.svc.leaseBeforeStart({ uuid: VM, memMiB: 256 }), 'function', 'libvirt not set up: the holder takes it before the start');
});
