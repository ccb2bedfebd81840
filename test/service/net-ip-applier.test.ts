// IpLiveApplier against a scripted Exec and a temp sysroot: the recorded command sequence of
// the wiki's bond/VLAN apply, sysfs writes of bond options, and failures mapped to op indexes.
import t from 'tap';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SysrootFs } from '../../src/host/host-fs.js';
import { IpLiveApplier } from '../../src/host/net/ip-applier.js';
import type { LiveOp } from '../../src/host/net/live-ops.js';
import { FakeExec, type ExecCall } from '../helpers/fake-exec.js';
import { failure } from '../helpers/failure.js';

const D = new URL('../fixtures/nethost/apply-wiki-trunk/', import.meta.url).pathname;
const wikiOps = () => JSON.parse(readFileSync(D + 'ops.json', 'utf8')) as LiveOp[];

function tempSysroot(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'hvagent-applier-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}


t.test('the wiki bonded trunk in a namespace: the recorded command sequence', async (t) => {
  const exec = new FakeExec();
  const r = await new IpLiveApplier({ exec, fs: new SysrootFs(tempSysroot(t)) }).apply(wikiOps(), { netns: 'hvsb-test' });
  t.same(r, { ran: wikiOps().length });
  t.same(exec.calls, JSON.parse(readFileSync(D + 'commands.json', 'utf8')));
});

t.test('on the host a bond option is written to sysfs under the sysroot', async (t) => {
  const root = tempSysroot(t);
  mkdirSync(join(root, 'sys/class/net/bond0/bonding'), { recursive: true });
  writeFileSync(join(root, 'sys/class/net/bond0/bonding/xmit_hash_policy'), 'layer2 0\n');
  const exec = new FakeExec();
  await new IpLiveApplier({ exec, fs: new SysrootFs(root) }).apply(wikiOps());
  t.equal(readFileSync(join(root, 'sys/class/net/bond0/bonding/xmit_hash_policy'), 'utf8'), 'layer2\n');
  t.same(exec.calls.map((c) => c.argv[0]), ['ip', 'ip', 'arping'], 'two ip processes and arping, no tee');
  t.ok(exec.calls.every((c) => c.netns === undefined));
});

t.test('a missing sysfs attribute fails at the bond option op and nothing after it runs', async (t) => {
  const exec = new FakeExec();
  const e = await failure(new IpLiveApplier({ exec, fs: new SysrootFs(tempSysroot(t)) }).apply(wikiOps()));
  t.equal(e.code, 'NET_APPLY_FAILED');
  t.equal(e.detail?.index, 8);
  t.same(e.detail?.op, wikiOps()[8]);
  t.equal(e.detail?.path, '/sys/class/net/bond0/bonding/xmit_hash_policy');
  t.equal(exec.calls.length, 1, 'only the first batch ran');
});

t.test('a failing batch line is mapped back to its op', async (t) => {
  // the 5th line of the second batch is op 13: link set dev bond0.50 master vlan50
  const exec = new FakeExec((c: ExecCall) =>
    c.argv[0] === 'ip' && c.input?.startsWith('link add link bond0 name bond0.50')
      ? { code: 1, stderr: 'Cannot find device "vlan50"\nCommand failed -:5\n' }
      : undefined,
  );
  const e = await failure(new IpLiveApplier({ exec, fs: new SysrootFs(tempSysroot(t)) }).apply(wikiOps(), { netns: 'ns1' }));
  t.equal(e.code, 'NET_APPLY_FAILED');
  t.equal(e.detail?.index, 13);
  t.same(e.detail?.op, { op: 'link-set-master', name: 'bond0.50', master: 'vlan50' });
  t.equal(e.detail?.line, 'link set dev bond0.50 master vlan50');
  t.same(e.detail?.argv, ['ip', 'netns', 'exec', 'ns1', 'ip', '-batch', '-']);
  t.match(String(e.detail?.stderr), /Cannot find device/);
  t.match(e.message, /operation 13 \(link-set-master\)/);
  t.equal(exec.calls.length, 3, 'ip, tee, ip: arping never ran');
});

t.test('a batch failure without a line number blames the first op of the batch', async (t) => {
  const exec = new FakeExec(() => ({ code: 139, stderr: 'Segmentation fault' }));
  const e = await failure(new IpLiveApplier({ exec, fs: new SysrootFs(tempSysroot(t)) }).apply([{ op: 'link-set-up', name: 'eth9' }, { op: 'link-set-up', name: 'eth8' }]));
  t.equal(e.detail?.index, 0);
});

t.test('gratuitous ARP failure is reported at its op', async (t) => {
  const exec = new FakeExec((c) => (c.argv[0] === 'arping' ? { code: 2, stderr: 'arping: Cannot assign requested address' } : undefined));
  const ops: LiveOp[] = [{ op: 'addr-add', dev: 'br0', cidr: '10.0.0.5/24' }, { op: 'garp', dev: 'br0', ip: '10.0.0.5' }];
  const e = await failure(new IpLiveApplier({ exec, fs: new SysrootFs(tempSysroot(t)) }).apply(ops, { netns: 'n' }));
  t.equal(e.detail?.index, 1);
  t.same(exec.calls[1].argv, ['arping', '-U', '-c', '2', '-I', 'br0', '10.0.0.5']);
});

t.test('DHCP: the client found is used; none installed is a clear failure before anything runs', async (t) => {
  const ops: LiveOp[] = [{ op: 'link-set-up', name: 'eth0' }, { op: 'dhcp-start', dev: 'eth0' }];
  const withDhcpcd = new FakeExec((c) => (c.argv[0] === 'dhclient' ? { code: 127, stderr: 'not found' } : undefined));
  await new IpLiveApplier({ exec: withDhcpcd, fs: new SysrootFs(tempSysroot(t)), dhcpClient: 'auto' }).apply(ops);
  t.same(withDhcpcd.calls.map((c) => c.argv.join(' ')), ['dhclient --version', 'dhcpcd --version', 'ip -batch -', 'dhcpcd -b eth0']);

  const none = new FakeExec((c) => (c.argv[1] === '--version' ? { code: 127 } : undefined));
  const e = await failure(new IpLiveApplier({ exec: none, fs: new SysrootFs(tempSysroot(t)) }).apply(ops));
  t.equal(e.code, 'NET_APPLY_FAILED');
  t.equal(e.detail?.index, 1);
  t.match(e.message, /no DHCP client/);
  t.notOk(none.calls.some((c) => c.argv[0] === 'ip'), 'nothing was applied');
});

t.test('nothing to apply runs nothing', async (t) => {
  const exec = new FakeExec();
  t.same(await new IpLiveApplier({ exec, fs: new SysrootFs(tempSysroot(t)) }).apply([], { netns: 'n' }), { ran: 0 });
  t.equal(exec.calls.length, 0);
});
