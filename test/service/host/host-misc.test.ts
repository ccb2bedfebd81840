// Boot time, bounded log tails, system disk space, power (guarded and deferred) and the host
// statistics sample.
import t from 'tap';
import type { Test } from 'tap';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { hostDeps, rejectionCode, type HostTestDeps } from '../../helpers/host-deps.js';
import { HostService } from '../../../src/services/host/host-service.js';
import { HostStats } from '../../../src/services/host/host-stats.js';
import type { AgentConfigInput } from '../../../src/core/config/schema.js';

async function service(
  t: Test,
  fixture: string,
  config: AgentConfigInput = {},
  extra: Partial<ConstructorParameters<typeof HostService>[0]> = {},
): Promise<[HostService, HostTestDeps]> {
  const d = await hostDeps(fixture, config);
  t.teardown(d.cleanup);
  return [new HostService({ ...d, agentVersion: '1.2.3', ...extra }), d];
}

t.test('get_last_boot_time: btime and the clock, epoch seconds', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  t.same(await h.getLastBootTime(), { last_boot_time: 1700000000n, local_time: BigInt(Date.UTC(2026, 10, 22, 12, 0, 0) / 1000) });
  await fsp.writeFile(path.join(d.sysroot, 'proc/stat'), 'cpu 1 2 3\n');
  t.equal(await rejectionCode(h.getLastBootTime()), 'HOST_IO_FAILED');
});

t.test('get_log: agent logs from logDir under both names, bounded by bytes and lines', async (t) => {
  const [h, d] = await service(t, 'rhel-server', {}, { logTail: { maxBytes: 1000, maxLines: 5 } });
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i}`);
  await fsp.writeFile(path.join(d.logDir, 'agent.log'), lines.join('\n') + '\n');
  await fsp.writeFile(path.join(d.logDir, 'storage.log'), 'x'.repeat(5000) + '\nlast\n');
  const r = await h.getLog(['hvagent', 'ovs-agent', 'storage', 'vm-events', 'messages']);
  const tail = lines.slice(-5).join('\n') + '\n';
  t.equal(r.hvagent, tail);
  t.equal(r['ovs-agent'], tail);
  t.equal(r.storage, 'last\n', 'a line cut by the byte bound is dropped');
  t.equal(r['vm-events'], '', 'missing file reads as empty');
  t.match(r.messages, /chronyd version 3.4 starting/);
  t.same(Object.keys(r), ['hvagent', 'ovs-agent', 'storage', 'vm-events', 'messages']);
});

t.test('get_log: syslog on Debian, unknown names refused', async (t) => {
  const [h, d] = await service(t, 'real-vm');
  await fsp.mkdir(path.join(d.sysroot, 'var/log'), { recursive: true });
  await fsp.writeFile(path.join(d.sysroot, 'var/log/syslog'), 'debian says hi\n');
  t.same(await h.getLog(['messages', 'syslog']), { messages: 'debian says hi\n', syslog: 'debian says hi\n' });
  t.equal(await rejectionCode(h.getLog(['hvagent', '../../etc/shadow'])), 'INVALID_ARGUMENT');
  t.equal(await rejectionCode(h.getLog(['auth'])), 'INVALID_ARGUMENT');
});

t.test('get_system_disk_space: statfs of the sysroot and the / mount of /proc/mounts', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  const s = await h.getSystemDiskSpace();
  const real = await fsp.statfs(d.sysroot);
  t.equal(s.total, real.blocks * real.bsize);
  t.ok(s.total > 0 && s.used >= 0 && s.free <= s.total && s.available <= s.free);
  t.match(s, { path: '/', device: '/dev/mapper/vg_sys-lv_root', type: 'xfs' });
});

t.test('sys_shutdown / sys_reboot: refused in sandbox mode and when config says no', async (t) => {
  const [sb, d1] = await service(t, 'real-vm', { sandbox: true });
  t.equal(await rejectionCode(() => sb.sysShutdown()), 'DISABLED');
  t.equal(await rejectionCode(() => sb.sysReboot()), 'DISABLED');
  d1.clock.advance(60_000);
  t.same(d1.exec.calls, []);
  const [off, d2] = await service(t, 'real-vm', { power: { allowShutdown: false } });
  t.equal(await rejectionCode(() => off.sysReboot()), 'DISABLED');
  d2.clock.advance(60_000);
  t.same(d2.exec.calls, []);
  t.same(d2.events.events, []);
});

t.test('sys_shutdown / sys_reboot run after the answer, with an event', async (t) => {
  const [h, d] = await service(t, 'real-vm', {}, { powerDelayMs: 1500 });
  h.sysShutdown();
  t.same(d.exec.calls, [], 'nothing runs before the RPC answer');
  t.match(d.events.events, [{ severity: 'warning', object: 'host', code: 'HOST_SHUTDOWN' }]);
  d.clock.advance(1499);
  t.same(d.exec.calls, []);
  d.clock.advance(1);
  t.same(d.exec.calls, [['shutdown', '-h', 'now']]);
  h.sysReboot();
  d.clock.advance(1500);
  t.same(d.exec.calls.at(-1), ['shutdown', '-r', 'now']);
});

t.test('host stats: CPU usage between samples, memory, load, uptime, network, disk', async (t) => {
  const d = await hostDeps('rhel-server');
  t.teardown(d.cleanup);
  const stats = new HostStats(d);
  const first = await stats.collectHostStats();
  t.match(first, {
    time: Date.UTC(2026, 10, 22, 12, 0, 0) / 1000,
    cpu: { count: 8, usage: 1.6 },
    memory: { total: 263856128 * 1024, free: 255000000 * 1024, used: (263856128 - 255000000) * 1024 },
    load: [0.52, 0.4, 0.31],
    uptime: 86400,
    network: { eth0: { rx_bytes: 5000000000, rx_packets: 4000000, tx_bytes: 3000000000, tx_packets: 2500000 } },
  });
  t.ok(first.disk.total > 0);
  // 1000 more jiffies of which 250 idle → 75 % busy.
  await fsp.writeFile(path.join(d.sysroot, 'proc/stat'), 'cpu  1500 20 750 98200 450 0 80 0 0 0\nbtime 1700000000\n');
  t.equal((await stats.collectHostStats()).cpu.usage, 75);
  t.equal((await stats.collectHostStats()).cpu.usage, 0, 'no jiffies passed');
});

t.test('get_log over the method: control characters in a log never break the answer', async (t) => {
  const { hostMethods } = await import('../../../src/rpc/methods/host.js');
  const { encodeResponse } = await import('../../../src/rpc/codec/encode.js');
  const d = await hostDeps('rhel-server');
  t.teardown(d.cleanup);
  await fsp.writeFile(path.join(d.logDir, 'agent.log'), 'ok line\nbad \u0001\u0007 bytes\n');
  const host = new HostService({ ...d, agentVersion: '0.0.0' });
  const def = hostMethods(host).find((m) => m.name === 'get_log')!;
  const out = (await def.handler(def.params.parse([['hvagent']]), {} as never)) as Record<string, string>;
  t.match(out.hvagent, /ok line/);
  t.doesNotThrow(() => encodeResponse(out), 'the reply encodes');
});
