// The sandbox's network namespaces for real: eth0..eth3 in <name> with peers on a switch in
// <name>-peer, seen as physical ports by the reader, carrying traffic; reuse and deletion.
import t from 'tap';
import { HostExec } from '../../src/host/exec.js';
import { SysrootFs } from '../../src/host/host-fs.js';
import { listNetns } from '../../src/host/net/netns.js';
import { IpNetReader } from '../../src/host/net/ip-reader.js';
import { createSandboxNetns, destroySandboxNetns, sandboxNetnsName } from '../../src/host/net/sandbox-netns.js';
import { canUseNetns, uniqueNetnsName } from '../helpers/netns-harness.js';

t.test('sandbox namespace', { skip: canUseNetns() ? false : 'needs root' }, async (t) => {
  const exec = new HostExec();
  const name = uniqueNetnsName('hvsb');
  t.teardown(() => destroySandboxNetns(name, { exec }));
  const sb = await createSandboxNetns(name, { exec });
  t.same(sb.ports, ['eth0', 'eth1', 'eth2', 'eth3']);
  t.equal(sb.peerNetns, `${name}-peer`);
  const names = await listNetns(exec);
  t.ok(names.includes(name) && names.includes(`${name}-peer`));

  const reader = new IpNetReader({ exec, fs: new SysrootFs('/') });
  const snap = await reader.read({ netns: name });
  t.same(snap.links.map((l) => [l.name, l.kind]), [['lo', 'loopback'], ['eth0', 'physical'], ['eth1', 'physical'], ['eth2', 'physical'], ['eth3', 'physical']]);
  t.ok(snap.links[0].up, 'loopback is up');
  t.ok(snap.links.slice(1).every((l) => !l.up), 'ports start down, like unconfigured NICs');
  const peer = await reader.read({ netns: sb.peerNetns });
  t.same(peer.links.find((l) => l.name === 'sw0')?.bridge?.ports, ['peer0', 'peer1', 'peer2', 'peer3']);

  // a port carries traffic to the switch side
  await exec.run(['ip', 'addr', 'add', '10.88.0.2/24', 'dev', 'eth0'], { netns: name });
  await exec.run(['ip', 'link', 'set', 'dev', 'eth0', 'up'], { netns: name });
  await exec.run(['ip', 'addr', 'add', '10.88.0.1/24', 'dev', 'sw0'], { netns: sb.peerNetns });
  const ping = await exec.run(['ping', '-c', '1', '-W', '1', '10.88.0.1'], { netns: name, allowFail: true });
  t.equal(ping.code, 0, 'ping from the sandbox host to the switch side');

  // creating again reuses what is there (same MAC on eth0)
  const mac = snap.links[1].mac;
  await createSandboxNetns(name, { exec });
  t.equal((await reader.read({ netns: name })).links.find((l) => l.name === 'eth0')?.mac, mac);

  await destroySandboxNetns(name, { exec });
  const after = await listNetns(exec);
  t.notOk(after.includes(name) || after.includes(`${name}-peer`), 'both namespaces are gone');
  await destroySandboxNetns(name, { exec }); // absent: fine
});

t.test('namespace names derived from a sandbox directory', async (t) => {
  t.match(sandboxNetnsName('/work/.sandbox'), /^hvsb-[0-9a-f]{8}$/);
  t.equal(sandboxNetnsName('/a'), sandboxNetnsName('/a'));
  t.not(sandboxNetnsName('/a'), sandboxNetnsName('/b'));
  await t.rejects(createSandboxNetns('bad name'), { code: 'NET_BAD_NAME' });
});
