// LiveOps → ip batch lines, sysfs writes and argv: one table row per op kind, the wiki's bonded
// trunk as a golden step list, refusal of unsafe tokens, and ip's failing-line message.
import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  dhcpArgv,
  ipBatchFailedLine,
  opToIpLine,
  opsToApplySteps,
  opsToIpBatch,
} from '../../src/core/net/ops-to-ip-batch.js';
import type { LiveOp } from '../../src/host/net/live-ops.js';
import { AgentError } from '../../src/core/errors.js';

const D = new URL('../fixtures/nethost/apply-wiki-trunk/', import.meta.url).pathname;

t.test('one ip line per iproute2 op', async (t) => {
  const table: Array<[LiveOp, string | undefined]> = [
    [{ op: 'link-add-bridge', name: 'xenbr0' }, 'link add name xenbr0 type bridge'],
    [{ op: 'link-add-bond', name: 'bond0', mode: 'active-backup', options: { miimon: '100', primary: 'eth0' } }, 'link add name bond0 type bond mode active-backup miimon 100 primary eth0'],
    [{ op: 'link-add-vlan', name: 'bond1.200', parent: 'bond1', id: 200 }, 'link add link bond1 name bond1.200 type vlan id 200'],
    [{ op: 'link-del', name: 'bond1.200' }, 'link del dev bond1.200'],
    [{ op: 'link-set-master', name: 'eth0', master: 'bond0' }, 'link set dev eth0 master bond0'],
    [{ op: 'link-set-nomaster', name: 'eth0' }, 'link set dev eth0 nomaster'],
    [{ op: 'link-set-up', name: 'eth0' }, 'link set dev eth0 up'],
    [{ op: 'link-set-down', name: 'eth0' }, 'link set dev eth0 down'],
    [{ op: 'link-set-mtu', name: 'eth0', mtu: 9000 }, 'link set dev eth0 mtu 9000'],
    [{ op: 'link-set-mac', name: 'br0', mac: '00:14:5e:c0:ff:ee' }, 'link set dev br0 address 00:14:5e:c0:ff:ee'],
    [{ op: 'bridge-set-option', name: 'br0', option: 'stp_state', value: '0' }, 'link set dev br0 type bridge stp_state 0'],
    [{ op: 'bridge-set-option', name: 'br0', option: 'forward_delay', value: '0' }, 'link set dev br0 type bridge forward_delay 0'],
    [{ op: 'addr-add', dev: 'br0', cidr: '10.1.1.101/24' }, 'address add 10.1.1.101/24 dev br0'],
    [{ op: 'addr-add', dev: 'br0', cidr: '10.1.1.101/24', broadcast: '10.1.1.255' }, 'address add 10.1.1.101/24 broadcast 10.1.1.255 dev br0'],
    [{ op: 'addr-del', dev: 'br0', cidr: '10.1.1.101/24' }, 'address del 10.1.1.101/24 dev br0'],
    [{ op: 'addr-flush', dev: 'br0' }, 'address flush dev br0 scope global'],
    [{ op: 'route-add-default', gateway: '10.1.1.1', dev: 'br0' }, 'route add default via 10.1.1.1 dev br0'],
    [{ op: 'route-del-default', dev: 'br0' }, 'route del default dev br0'],
    [{ op: 'route-del-default', gateway: '10.1.1.1', dev: 'br0' }, 'route del default via 10.1.1.1 dev br0'],
    [{ op: 'bond-set-option', name: 'bond0', option: 'miimon', value: '100' }, undefined],
    [{ op: 'dhcp-start', dev: 'br0' }, undefined],
    [{ op: 'dhcp-stop', dev: 'br0' }, undefined],
    [{ op: 'garp', dev: 'br0', ip: '10.1.1.101' }, undefined],
  ];
  for (const [op, line] of table) t.equal(opToIpLine(op), line, op.op);
  t.same(opsToIpBatch(table.map(([op]) => op)), table.map(([, l]) => l).filter(Boolean));
});

t.test('the wiki bonded trunk: steps golden (two batches around the sysfs bond option, then arping)', async (t) => {
  const ops = JSON.parse(readFileSync(D + 'ops.json', 'utf8')) as LiveOp[];
  const steps = opsToApplySteps(ops);
  t.same(steps, JSON.parse(readFileSync(D + 'steps.json', 'utf8')));
  t.same(steps.map((s) => s.kind), ['ip-batch', 'sysfs-write', 'ip-batch', 'exec']);
  // every op is covered exactly once, in order
  const covered = steps.flatMap((s) => (s.kind === 'ip-batch' ? s.opIndexes : [s.opIndex]));
  t.same(covered, ops.map((_, i) => i));
});

t.test('bond options ip does not know become sysfs writes right after the bond is created', async (t) => {
  const steps = opsToApplySteps([
    { op: 'link-add-bond', name: 'bond1', mode: '4', options: { mode: 'ignored', miimon: '100', arp_ip_target: '+10.0.0.1' } },
    { op: 'link-set-up', name: 'bond1' },
  ]);
  t.same(steps, [
    { kind: 'ip-batch', lines: ['link add name bond1 type bond mode 4 miimon 100'], opIndexes: [0] },
    { kind: 'sysfs-write', path: '/sys/class/net/bond1/bonding/arp_ip_target', value: '+10.0.0.1', opIndex: 0 },
    { kind: 'ip-batch', lines: ['link set dev bond1 up'], opIndexes: [1] },
  ]);
});

t.test('DHCP argv per client', async (t) => {
  t.same(dhcpArgv('dhclient', 'start', 'eth0'), ['dhclient', '-nw', '-pf', '/run/dhclient-eth0.pid', 'eth0']);
  t.same(dhcpArgv('dhclient', 'stop', 'eth0'), ['dhclient', '-r', '-pf', '/run/dhclient-eth0.pid', 'eth0']);
  t.same(dhcpArgv('dhcpcd', 'start', 'eth0'), ['dhcpcd', '-b', 'eth0']);
  t.same(dhcpArgv('dhcpcd', 'stop', 'eth0'), ['dhcpcd', '-k', 'eth0']);
  const [s] = opsToApplySteps([{ op: 'dhcp-start', dev: 'br0' }], { dhcpClient: 'dhcpcd' });
  t.same(s, { kind: 'exec', argv: ['dhcpcd', '-b', 'br0'], opIndex: 0 });
});

t.test('tokens that could break a batch line or a sysfs path are refused', async (t) => {
  const bad: Array<[LiveOp, string]> = [
    [{ op: 'link-add-bridge', name: 'br0 up\nlink del dev eth0' }, 'NET_INVALID'],
    [{ op: 'link-set-up', name: '' }, 'NET_INVALID'],
    [{ op: 'link-add-vlan', name: 'e.5', parent: 'e"', id: 5 }, 'NET_INVALID'],
    [{ op: 'bond-set-option', name: 'bond0', option: '../../x', value: '1' }, 'NET_INVALID'],
    [{ op: 'addr-add', dev: 'br0', cidr: '10.0.0.1' }, 'NET_BAD_ADDRESS'],
    [{ op: 'addr-del', dev: 'br0', cidr: '10.0.0.1/24 dev eth0' }, 'NET_BAD_ADDRESS'],
    [{ op: 'bogus' } as unknown as LiveOp, 'NET_INVALID'],
  ];
  for (const [op, code] of bad) {
    let code_: string | undefined;
    try {
      opsToApplySteps([op]);
    } catch (e) {
      code_ = e instanceof AgentError ? e.code : 'not an AgentError';
    }
    t.equal(code_, code, JSON.stringify(op));
  }
});

t.test("ip's failing line", async (t) => {
  t.equal(ipBatchFailedLine('Cannot find device "nope"\nCommand failed -:2\n'), 1);
  t.equal(ipBatchFailedLine('RTNETLINK answers: File exists\nCommand failed -:17'), 16);
  t.equal(ipBatchFailedLine('Segmentation fault'), undefined);
});
