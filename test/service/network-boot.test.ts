// Management network (setup_management_network), boot restore from the safe config and the
// emergency reset (CLI prepare + agent-start trigger), against a simulated host.
import t from 'tap';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';
import { run as restoreCli } from '../../src/cli/commands/restore-networks.js';
import { run as resetCli } from '../../src/cli/commands/reset-networking.js';
import { applyResetTrigger } from '../../src/services/network/reset.js';
import { FakeNetHost, port } from '../helpers/fake-net-host.js';
import { makeHarness } from '../helpers/net-harness.js';

const DIR = '/etc/sysconfig/network-scripts';
const host = (): HostNetSnapshot => ({
  links: [
    port('eth0', '52:54:00:00:00:01', { addresses: [{ family: 'inet', address: '192.168.1.10', prefixlen: 24, dynamic: false }] }),
    port('eth1', '52:54:00:00:00:02'),
    port('eth2', '52:54:00:00:00:03'),
  ],
  routes: [{ dst: 'default', gateway: '192.168.1.1', dev: 'eth0' }],
});

t.test('management network: Oracle VM default on the client interface, then compliant = no change', async (t) => {
  const h = makeHarness(host());
  t.teardown(h.cleanup);
  await h.svc.setupManagementNetwork(null, '192.168.1.10');
  t.equal(h.host.link('bond0')?.bond?.mode, 'active-backup');
  t.same(h.host.link('bond0')?.bond?.slaves, ['eth0']);
  t.same(h.host.link('c0a80100')?.bridge?.ports, ['bond0'], 'bridge named after the network id in hex');
  t.same(h.host.link('c0a80100')?.addresses.map((a) => a.address), ['192.168.1.10'], 'address inherited');
  t.same(h.host.snap.routes, [{ dst: 'default', gateway: '192.168.1.1', dev: 'c0a80100' }]);
  t.match(readFileSync(join(h.sysroot, DIR, 'meta-c0a80100'), 'utf8'), /METADATA=ethernet:c0a80100\{c0a80100\}:MANAGEMENT,CLUSTER_HEARTBEAT,LIVE_MIGRATE:/);
  t.ok(h.svc.pipe.repo.get('safe')?.networks.c0a80100, 'made safe');
  const n = h.host.applied.length;
  await h.svc.setupManagementNetwork({ name: 'c0a80100' }, '192.168.1.10');
  t.equal(h.host.applied.length, n, 'already compliant: nothing done');
});

t.test('management network: refusals are events with their codes', async (t) => {
  const h = makeHarness(host());
  t.teardown(h.cleanup);
  await h.svc.brConfig('start', 'xenbr0', 'eth0', '192.168.1.10');
  const e1 = await h.svc.setupManagementNetwork({ name: 'mgmt' }, '192.168.1.10').catch((e) => e);
  t.equal(e1.code, 'NET_INVALID_MGMT_INTERFACE');
  t.equal(h.events.byCode('INVALID_INTERFACE_FOR_MANAGEMENT_NETWORK_CONFIGURATION').length, 1);
  const h2 = makeHarness(host());
  t.teardown(h2.cleanup);
  const e2 = await h2.svc.setupManagementNetwork({ name: 'mgmt', vlan: 10 }, '192.168.1.10').catch((e) => e);
  t.equal(e2.code, 'NET_MGMT_VLAN_MISMATCH');
  t.equal(h2.events.byCode('VLAN_ID_MISMATCH_FOR_MANAGEMENT_NETWORK_CONFIGURATION').length, 1);
  h2.host.fail = { atOp: 0 };
  const e3 = await h2.svc.setupManagementNetwork({ name: 'mgmt', mtu: 1500 }, '192.168.1.10').catch((e) => e);
  t.equal(e3.code, 'NET_APPLY_FAILED');
  t.equal(h2.events.byCode('SETUP_NETWORK_FAILED_FOR_MANAGEMENT_NETWORK_CONFIGURATION').length, 1);
  t.same(h2.host.link('eth0')?.addresses.map((a) => a.address), ['192.168.1.10'], 'rolled back');
});

t.test('restore-networks rebuilds a wiped host from the safe config, skipping a missing NIC', async (t) => {
  const h = makeHarness(host());
  t.teardown(h.cleanup);
  await h.svc.setupNetworks(
    { vm50: { bonding: 'bond1', vlan: 50 }, stor: { nic: 'eth2', bridged: false, ipaddr: '10.9.0.2', netmask: '255.255.0.0', mtu: 9000 } },
    { bond1: { nics: ['eth1'], options: 'mode=1 miimon=100' } },
    { commitOnSuccess: true },
  );
  const before = structuredClone(h.host.snap);
  // wipe: the host boots with bare NICs and no files; eth2 is gone
  h.host.snap = { links: [port('eth0', '52:54:00:00:00:01', { addresses: before.links.find((l) => l.name === 'eth0')!.addresses }), port('eth1', '52:54:00:00:00:02')], routes: before.routes };
  for (const f of readdirSync(join(h.sysroot, DIR))) if (f !== 'ifcfg-eth0') await h.fs.remove(`${DIR}/${f}`);
  const lines: string[] = [];
  const code = await restoreCli([], { network: () => h.svc, out: (l) => lines.push(l) });
  t.equal(code, 0);
  t.equal(h.host.link('bond1')?.bond?.mode, 'active-backup');
  t.same(h.host.link('vm50')?.bridge?.ports, ['bond1.50']);
  const report = h.svc.getRestoreReport() as { entries: Array<{ name: string; result: string; reason?: string }> };
  t.match(report.entries.find((e) => e.name === 'eth2'), { result: 'skipped', reason: /not present/ });
  t.match(report.entries.find((e) => e.name === 'vm50'), { result: 'restored' });
  t.ok(existsSync(join(h.sysroot, DIR, 'ifcfg-vm50')), 'files rewritten');
  t.ok(lines.some((l) => /skipped\s+port\s+eth2/.test(l)));
});

t.test('emergency reset: CLI prepares, agent start applies the trigger', async (t) => {
  const h = makeHarness(host());
  t.teardown(h.cleanup);
  await h.svc.setupNetworks({ vm50: { bonding: 'bond1', vlan: 50 } }, { bond1: { nics: ['eth1', 'eth2'], options: 'mode=4 miimon=100' } }, { commitOnSuccess: true });
  const argvRun: string[][] = [];
  const out: string[] = [];
  const env = {
    fs: h.fs,
    exec: { run: async (argv: readonly string[]) => (argvRun.push([...argv]), { argv, code: 0, stdout: '', stderr: '' }) },
    backend: 'ifcfg' as const,
    stateDir: '/var/lib/hvagent',
    isPoolMember: () => true,
    setMasterAddress: (ip: string) => out.push(`master=${ip}`),
    prompt: async () => 'no',
    out: (l: string) => out.push(l),
    err: (l: string) => out.push(l),
  };
  const args = ['--device', 'eth1', '--mode', 'static', '--ip', '10.0.0.7', '--netmask', '255.255.255.0', '--gateway', '10.0.0.1', '--master', '10.0.0.2', '--no-reboot'];
  t.equal(await resetCli(args, env), 1, 'not confirmed');
  t.same(argvRun, [], 'nothing run');
  t.ok(existsSync(join(h.sysroot, DIR, 'ifcfg-bond1')), 'nothing removed');
  t.equal(await resetCli([...args, '--vlan', 'x'], { ...env, prompt: async () => 'yes' }), 2, 'bad --vlan');
  t.equal(await resetCli(args, { ...env, prompt: async () => 'yes' }), 0);
  t.same(argvRun, [['systemctl', 'stop', 'hvagent'], ['systemctl', 'start', 'hvagent']]);
  t.ok(out.includes('master=10.0.0.2'));
  t.notOk(existsSync(join(h.sysroot, DIR, 'ifcfg-bond1')), 'bond config removed');
  t.notOk(existsSync(join(h.sysroot, DIR, 'ifcfg-vm50')), 'bridge config removed');
  t.match(readFileSync(join(h.sysroot, DIR, 'ifcfg-eth1'), 'utf8'), /IPADDR=10.0.0.7\n/);
  const trigger = readFileSync(join(h.sysroot, 'var/lib/hvagent/network-reset'), 'utf8');
  t.equal(trigger, 'DEVICE=eth1\nMODE=static\nIP=10.0.0.7\nNETMASK=255.255.255.0\nGATEWAY=10.0.0.1\n');

  // the host reboots: bonds are gone, the NICs remain
  h.host.snap = { links: host().links, routes: host().routes };
  h.host.snap.routes = [];
  h.host.snap.links[0].addresses = [];
  t.equal(await applyResetTrigger(h.svc), true);
  t.same(h.host.link('eth1')?.addresses.map((a) => a.address), ['10.0.0.7']);
  t.same(h.host.snap.routes, [{ dst: 'default', gateway: '10.0.0.1', dev: 'eth1' }]);
  t.notOk(existsSync(join(h.sysroot, 'var/lib/hvagent/network-reset')), 'trigger deleted');
  t.equal(h.events.byCode('NETWORK_RESET').length, 1);
  t.notOk(h.svc.pipe.repo.get('safe')?.ifaces.bond1, 'stored bonds dropped');
  t.equal(await applyResetTrigger(h.svc), false, 'no trigger: nothing to do');
});
