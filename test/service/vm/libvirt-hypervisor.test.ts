// LibvirtHypervisor's boundary: one connection reused, reopened after a broken connection,
// libvirt errors translated to VM_* faults, virsh argv for what the binding lacks.
import t from 'tap';
import type { Hypervisor as LvHypervisor } from '@unraid/libvirt';
import { LibvirtHypervisor } from '../../../src/host/libvirt/libvirt-hypervisor.js';
import type { Exec, ExecOptions, ExecResult } from '../../../src/host/exec.js';

class FakeConn {
  opens = 0;
  closes = 0;
  failNext: string | undefined;
  constructor(readonly id: number) {}
  async connectOpen() {
    this.opens++;
  }
  async connectClose() {
    this.closes++;
  }
  async connectListAllDomains() {
    if (this.failNext) {
      const m = this.failNext;
      this.failNext = undefined;
      throw new Error(m);
    }
    return [
      {
        getName: async () => `dom-${this.id}`,
        getUUIDString: async () => '6B3C1A20-9E1F-4C55-8A77-0123456789AB',
        getID: async () => -1,
        getInfo: async () => ({ state: 5, maxMem: 2048, memory: 1024, nrVirtCpu: 2, cpuTime: 5 }),
      },
    ];
  }
  async domainLookupByUUIDString(u: string) {
    throw new Error(`Domain not found: no domain with matching uuid '${u}'`);
  }
}

class ScriptedExec implements Exec {
  calls: string[][] = [];
  constructor(private readonly reply: (argv: readonly string[]) => Partial<ExecResult>) {}
  async run(argv: readonly string[], _o?: ExecOptions): Promise<ExecResult> {
    this.calls.push([...argv]);
    return { argv, code: 0, stdout: '', stderr: '', ...this.reply(argv) };
  }
}

t.test('one connection, reopened once after a broken connection', async (t) => {
  const conns: FakeConn[] = [];
  const hv = new LibvirtHypervisor({
    uri: 'qemu:///system',
    exec: new ScriptedExec(() => ({})),
    connect: () => {
      const c = new FakeConn(conns.length);
      conns.push(c);
      return c as unknown as LvHypervisor;
    },
  });
  await hv.open();
  await hv.open();
  t.equal(conns.length, 1);
  t.match(await hv.listDomains(), [{ name: 'dom-0', uuid: '6b3c1a20-9e1f-4c55-8a77-0123456789ab', id: null, state: 'shutoff' }]);
  conns[0].failNext = 'internal error: client socket is closed';
  t.match(await hv.listDomains(), [{ name: 'dom-1' }], 'retried on a new connection');
  t.equal(conns.length, 2);
  t.equal(conns[0].closes, 1);
  conns[1].failNext = 'operation failed: something else';
  await t.rejects(hv.listDomains(), { code: 'VM_HYPERVISOR_FAILED' });
  t.equal(conns.length, 2, 'other errors do not reconnect');
  t.equal(await hv.lookup('6b3c1a209e1f4c558a770123456789ab'), undefined, 'not found is undefined');
  await t.rejects(hv.start('6b3c1a209e1f4c558a770123456789ab'), { code: 'VM_NOT_FOUND' });
  await hv.close();
  t.equal(conns[1].closes, 1);
});

t.test('virsh argv and the test-driver refusals', async (t) => {
  const exec = new ScriptedExec((argv) => (argv[3] === 'migrate' ? { code: 1, stderr: 'error: unable to connect to server' } : {}));
  const hv = new LibvirtHypervisor({ uri: 'qemu:///system', exec, connect: () => new FakeConn(0) as unknown as LvHypervisor });
  const u = '6b3c1a209e1f4c558a770123456789ab';
  await hv.reboot(u);
  await hv.sendKey(u, ['KEY_LEFTALT', 'KEY_SYSRQ', 'KEY_B']);
  await t.rejects(hv.migrate(u, { destUri: 'qemu+tcp://h2/system', live: true }), { code: 'VM_MIGRATION_FAILED' });
  t.same(exec.calls, [
    ['virsh', '-c', 'qemu:///system', 'reboot', '6b3c1a20-9e1f-4c55-8a77-0123456789ab'],
    ['virsh', '-c', 'qemu:///system', 'send-key', '6b3c1a20-9e1f-4c55-8a77-0123456789ab', '--codeset', 'linux', 'KEY_LEFTALT', 'KEY_SYSRQ', 'KEY_B'],
    ['virsh', '-c', 'qemu:///system', 'migrate', '--live', '--persistent', '--undefinesource', '6b3c1a20-9e1f-4c55-8a77-0123456789ab', 'qemu+tcp://h2/system'],
  ]);
  const stats = await hv.bulkStats();
  t.equal(stats.length, 1);
  t.same(exec.calls.at(-1), ['virsh', '-c', 'qemu:///system', 'domstats', '--raw']);

  const test = new LibvirtHypervisor({ uri: 'test:///default', exec, connect: () => new FakeConn(0) as unknown as LvHypervisor });
  const before = exec.calls.length;
  for (const p of [test.reboot(u), test.sendKey(u, ['KEY_A']), test.migrate(u, { destUri: 'x', live: false })]) {
    await t.rejects(p, { code: 'VM_NOT_SUPPORTED_BY_DRIVER' });
  }
  await test.bulkStats();
  t.equal(exec.calls.length, before, 'the test driver never shells out to virsh');
});

t.test('only "no such domain" means not found: other "not found" errors keep their meaning', async (t) => {
  class OtherNotFound extends FakeConn {
    override async domainLookupByUUIDString(): Promise<never> {
      throw new Error("Storage volume not found: no storage vol with matching path '/OVS/x.img'");
    }
  }
  const hv = new LibvirtHypervisor({ uri: 'qemu:///system', exec: new ScriptedExec(() => ({})), connect: () => new OtherNotFound(0) as unknown as LvHypervisor });
  await t.rejects(hv.lookup('6b3c1a209e1f4c558a770123456789ab'), { code: 'VM_HYPERVISOR_FAILED' }, 'a lookup failure is not "no such VM"');
  const exec = new ScriptedExec(() => ({ code: 1, stderr: "error: Network not found: no network with matching name 'x'" }));
  const hv2 = new LibvirtHypervisor({ uri: 'qemu:///system', exec, connect: () => new FakeConn(0) as unknown as LvHypervisor });
  await t.rejects(hv2.reboot('6b3c1a209e1f4c558a770123456789ab'), { code: 'VM_HYPERVISOR_FAILED' });
  const exec3 = new ScriptedExec(() => ({ code: 1, stderr: "error: failed to get domain 'x'\nerror: Domain not found: no domain with matching uuid 'x'" }));
  const hv3 = new LibvirtHypervisor({ uri: 'qemu:///system', exec: exec3, connect: () => new FakeConn(0) as unknown as LvHypervisor });
  await t.rejects(hv3.reboot('6b3c1a209e1f4c558a770123456789ab'), { code: 'VM_NOT_FOUND' });
});
