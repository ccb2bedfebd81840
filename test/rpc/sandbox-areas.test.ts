// The sandbox agent across areas, driven over the wire as a manager would: a repository and a
// VM on libvirt's test driver, a bridged network applied for real in the sandbox's own
// namespace, and the network rebuilt from the safe config after a restart.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { sandboxDir, startSandbox, hv } from '../helpers/sandbox.js';

const REPO = '0004fb00000300001111111111111111';
const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const netnsList = () => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;

t.test('repository, VM and network through the sandbox', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const dir = sandboxDir(t, 'hvagent-sba-');
  const sb = await startSandbox(t, dir);
  const { call, netns } = sb;
  await call('take_ownership', '0004fb0000020000ba9aaf00ae5e2d73');

  await call('create_repository', '/data/repo1', `/OVS/Repositories/${REPO}`, REPO, 'myrepo');
  await call('create_vm', REPO, 'vm1', { memory: 512, vcpus: 1, OVM_domain_type: 'hvm' });
  t.ok(fs.existsSync(path.join(dir, 'root/data/repo1/VirtualMachines/vm1/vm.cfg')), 'vm.cfg written in the repository');
  await call('start_vm', REPO, 'vm1');
  t.match(await call('list_vm', REPO, 'vm1'), { state: 'r-----' });
  await t.rejects(call('delete_repository', REPO, 'True'), { code: 'REPO_IN_USE', message: /running VMs: .*vm1/ });
  await call('stop_vm', REPO, 'vm1', 'true');
  t.equal(await call('list_vm', REPO, 'vm1'), null, 'stopped');
  await call('delete_vm', REPO, 'vm1');

  const net = { vmnet: { nic: 'eth1', bridged: true, ipaddr: '192.0.2.10', netmask: '255.255.255.0', bootproto: 'none' } };
  const dry = (await call('setup_networks', net, {}, { dryRun: true })) as { operations: unknown[] };
  t.ok(dry.operations.length > 0);
  t.notOk(fs.existsSync(path.join(dir, 'root/etc/sysconfig/network-scripts/ifcfg-vmnet')), 'a dry run writes nothing');
  await call('setup_networks', net, {}, { commitOnSuccess: true });
  const addr = spawnSync('ip', ['-n', netns, '-j', 'addr', 'show', 'dev', 'vmnet'], { encoding: 'utf8' });
  t.match(addr.stdout, /192\.0\.2\.10/, 'the bridge carries the address inside the sandbox namespace');
  t.match(fs.readFileSync(path.join(dir, 'root/etc/sysconfig/network-scripts/ifcfg-vmnet'), 'utf8'), /^TYPE=Bridge$/m);
  await t.rejects(call('ovs_vlan_config', 'add', 'eth2', 5000), { code: 'NET_BAD_VLAN', message: /^exceptions\.Exception:NET_BAD_VLAN: / });

  t.equal(await sb.stop(), 0, sb.output());
  t.notOk(netnsList().includes(netns), 'the namespace is gone after stop');

  const again = await startSandbox(t, dir);
  const back = spawnSync('ip', ['-n', netns, '-j', 'addr', 'show', 'dev', 'vmnet'], { encoding: 'utf8' });
  t.match(back.stdout, /192\.0\.2\.10/, 'the safe config rebuilt the bridge at start');
  const status = hv(dir, 'status');
  t.equal(status.status, 0, status.stderr);
  t.match(status.stdout, /networks\s+vmnet/);
  t.equal(await again.stop(), 0);
  t.notOk(netnsList().includes(netns), 'and gone again');
});
