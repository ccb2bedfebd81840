// The sandbox agent across areas, as a newcomer drives it with `hvagent call`: a repository
// and a VM on libvirt's test driver, a bridged network applied for real in the sandbox's own
// namespace, and the network rebuilt from the safe config after a restart.
import t from 'tap';
import type { Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from '../helpers/service-kit.js';
import { startSandbox, stopSandbox, hv } from '../helpers/sandbox.js';
import { sandboxNetnsName } from '../../src/host/net/sandbox-netns.js';

const REPO = '0004fb00000300001111111111111111';
const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;

function ok(t: Test, r: ReturnType<typeof hv>, what: string): unknown {
  t.equal(r.status, 0, `${what}: ${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    return r.stdout;
  }
}

t.test('repository, VM and network through the sandbox', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const dir = tempDir('hvagent-sba-');
  const sb = await startSandbox(dir);
  t.teardown(() => {
    if (sb.child.exitCode === null) sb.child.kill('SIGKILL');
  });
  const netns = sandboxNetnsName(path.resolve(dir));
  ok(t, hv(dir, 'call', 'take_ownership', '0004fb0000020000ba9aaf00ae5e2d73'), 'take_ownership');

  ok(t, hv(dir, 'call', 'create_repository', '/data/repo1', `/OVS/Repositories/${REPO}`, REPO, 'myrepo'), 'create_repository');
  ok(t, hv(dir, 'call', 'create_vm', REPO, 'vm1', '{"memory":512,"vcpus":1,"OVM_domain_type":"hvm"}'), 'create_vm');
  t.ok(fs.existsSync(path.join(dir, 'root/data/repo1/VirtualMachines/vm1/vm.cfg')), 'vm.cfg written in the repository');
  ok(t, hv(dir, 'call', 'start_vm', REPO, 'vm1'), 'start_vm');
  const listed = ok(t, hv(dir, 'call', 'list_vm', REPO, 'vm1'), 'list_vm') as Record<string, unknown>;
  t.equal(listed.state, 'r-----');
  ok(t, hv(dir, 'call', 'stop_vm', REPO, 'vm1', 'true'), 'stop_vm force');
  t.equal(ok(t, hv(dir, 'call', 'list_vm', REPO, 'vm1'), 'list_vm after stop'), null);
  ok(t, hv(dir, 'call', 'delete_vm', REPO, 'vm1'), 'delete_vm');

  const net = '{"vmnet":{"nic":"eth1","bridged":true,"ipaddr":"192.0.2.10","netmask":"255.255.255.0","bootproto":"none"}}';
  const dry = ok(t, hv(dir, 'call', 'setup_networks', net, '{}', '{"dryRun":true}'), 'dry run') as { operations: unknown[] };
  t.ok(dry.operations.length > 0);
  t.notOk(fs.existsSync(path.join(dir, 'root/etc/sysconfig/network-scripts/ifcfg-vmnet')), 'a dry run writes nothing');
  ok(t, hv(dir, 'call', 'setup_networks', net, '{}', '{"commitOnSuccess":true}'), 'setup_networks');
  const addr = spawnSync('ip', ['-n', netns, '-j', 'addr', 'show', 'dev', 'vmnet'], { encoding: 'utf8' });
  t.match(addr.stdout, /192\.0\.2\.10/, 'the bridge carries the address inside the sandbox namespace');
  t.match(fs.readFileSync(path.join(dir, 'root/etc/sysconfig/network-scripts/ifcfg-vmnet'), 'utf8'), /^TYPE=Bridge$/m);
  const refused = hv(dir, 'call', 'ovs_vlan_config', 'add', 'eth2', '5000');
  t.equal(refused.status, 1);
  t.match(refused.stderr, /exceptions\.Exception:NET_BAD_VLAN: /);

  t.equal(await stopSandbox(sb.child), 0, sb.output());
  t.notOk(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(netns), 'the namespace is gone after stop');

  const again = await startSandbox(dir);
  t.teardown(() => {
    if (again.child.exitCode === null) again.child.kill('SIGKILL');
  });
  const back = spawnSync('ip', ['-n', netns, '-j', 'addr', 'show', 'dev', 'vmnet'], { encoding: 'utf8' });
  t.match(back.stdout, /192\.0\.2\.10/, 'the safe config rebuilt the bridge at start');
  const status = hv(dir, 'status');
  t.equal(status.status, 0, status.stderr);
  t.match(status.stdout, /networks\s+vmnet/);
  t.equal(await stopSandbox(again.child), 0);
});
