// Real QEMU/TCG guests through private libvirt daemons: create → start → pause → resume →
// stop (reported timeout: a guest without an OS ignores ACPI) → kill → delete, plus a live
// migration between two daemons on this machine. Skips cleanly when the binaries are missing.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../src/host/clock.js';
import { HostExec } from '../../src/host/exec.js';
import { LibvirtHypervisor } from '../../src/host/libvirt/libvirt-hypervisor.js';
import { vmMethods } from '../../src/rpc/methods/vm.js';
import { VmService } from '../../src/services/vm/vm-service.js';
import { Registry } from '../../src/rpc/registry.js';
import { injector } from '../helpers/inject.js';
import { QEMU, daemonSkipReason, startPrivateLibvirt, type PrivateLibvirt } from '../helpers/libvirt-daemons.js';
import { REPO, vmTestEnv } from '../helpers/vm-fakes.js';

const reason = daemonSkipReason();

const guest = (mac: string) => ({
  OVM_domain_type: 'hvm',
  memory: 64,
  vcpus: 1,
  vfb: ['type=vnc,vncunused=1,vnclisten=127.0.0.1,keymap=en-us'],
  OVM_note: mac,
});

t.test('TCG guest life cycle and live migration', { skip: reason }, async (t) => {
  const daemons: PrivateLibvirt[] = [];
  t.teardown(async () => {
    for (const d of daemons) await d.stop();
  });
  const d1 = await startPrivateLibvirt('src', 'aaaaaaaa-0000-4000-8000-000000000001');
  daemons.push(d1);
  const d2 = await startPrivateLibvirt('dst', 'aaaaaaaa-0000-4000-8000-000000000002');
  daemons.push(d2);

  const hv = new LibvirtHypervisor({ uri: d1.uri, exec: new HostExec() });
  const hv2 = new LibvirtHypervisor({ uri: d2.uri, exec: new HostExec() });
  const env = vmTestEnv(
    hv,
    { libvirt: { uri: d1.uri, accel: 'tcg', emulator: QEMU, shutdownTimeout: 2, shutdownPollMs: 100, statsInterval: 3600 } },
    systemClock,
  );
  const svc = new VmService(env.deps);
  await svc.start();
  t.teardown(async () => {
    await svc.stop();
    await hv2.close();
    env.cleanup();
  });
  const call = injector(new Registry({ isOwned: () => true }, vmMethods(svc)));

  t.equal(await call('create_vm', REPO, 'tcg1', guest('a')), null);
  t.equal(await call('start_vm', REPO, 'tcg1'), null);
  const running = (await call('list_vm', REPO, 'tcg1')) as Record<string, unknown>;
  t.match(running, { name: 'tcg1', state: /^[rb-]{6}$/, memory: '64' });
  t.ok(Number(running.vnc_port) >= 5900, `VNC port ${running.vnc_port}`);
  const xml = await hv.getXml(String((await call('get_vm_config', REPO, 'tcg1') as Record<string, unknown>).uuid));
  t.match(xml, /<domain type='qemu'/);

  t.equal(await call('pause_vm', REPO, 'tcg1'), null);
  t.match(await call('list_vm', REPO, 'tcg1'), { state: '--p---' });
  t.equal(await call('unpause_vm', REPO, 'tcg1'), null);
  t.notMatch(((await call('list_vm', REPO, 'tcg1')) as Record<string, unknown>).state, /p/);

  await svc.stats.refresh();
  const st = (await call('get_vm_stats', REPO, 'tcg1')) as Record<string, number>;
  t.ok(st.cpu_time > 0, `cpu_time ${st.cpu_time} from virsh domstats`);
  t.equal(await call('sysrq_vm', REPO, 'tcg1', 'h'), null, 'send-key through virsh');
  t.equal(await call('reboot_vm', REPO, 'tcg1', false), null, 'reboot through virsh');

  await t.rejects(call('stop_vm', REPO, 'tcg1', false), { code: 'VM_SHUTDOWN_TIMEOUT' }, 'no OS answers ACPI: reported');
  t.ok(await call('list_vm', REPO, 'tcg1'), 'still running: not silently killed');
  t.equal(await call('stop_vm', REPO, 'tcg1', true), null);
  t.equal(await call('list_vm', REPO, 'tcg1'), null);
  t.equal(await call('delete_vm', REPO, 'tcg1'), null);
  t.same((await hv.listDomains()).map((d) => d.name), [], 'nothing left in libvirt');

  // Live migration to the second daemon (dest given as a libvirt URI).
  t.equal(await call('create_vm', REPO, 'mig1', guest('b')), null);
  t.equal(await call('start_vm', REPO, 'mig1'), null);
  const uuid = String(((await call('get_vm_config', REPO, 'mig1')) as Record<string, unknown>).uuid);
  t.equal(await call('migrate_vm', REPO, 'mig1', d2.uri, true, false), null);
  const there = await hv2.lookup(uuid);
  t.match(there, { name: 'mig1', state: 'running' }, 'running on the destination');
  t.equal(await hv.lookup(uuid), undefined, 'gone from the source (undefined there)');
  await hv2.destroy(uuid);
  await hv2.undefine(uuid).catch(() => {});
  const log = readFileSync(join(env.root, 'var/log/hvagent/vm-events.log'), 'utf8');
  for (const a of ['create', 'start', 'pause', 'unpause', 'reboot', 'shutdown-timeout', 'kill', 'delete', 'migrate']) t.match(log, new RegExp(`action=${a} `), a);
});
