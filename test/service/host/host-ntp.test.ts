// NTP through chrony: sources read and rewritten in chrony.conf, the daemon driven through
// systemctl argv (or an in-memory stand-in in sandbox mode), its state from PID or chronyc.
import t from 'tap';
import type { Test } from 'tap';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { hostDeps, rejectionCode, type HostTestDeps } from '../../helpers/host-deps.js';
import { HostService } from '../../../src/services/host/host-service.js';
import type { AgentConfigInput } from '../../../src/core/config/schema.js';

async function service(t: Test, fixture: string, config: AgentConfigInput = {}): Promise<[HostService, HostTestDeps]> {
  const d = await hostDeps(fixture, config);
  t.teardown(d.cleanup);
  d.exec.answers.set('systemctl is-active', { code: 3 });
  d.exec.answers.set('chronyc', { code: 1, stderr: '506 Cannot talk to daemon' });
  return [new HostService({ ...d, agentVersion: '1.2.3' }), d];
}

const read = (d: HostTestDeps, p: string) => fsp.readFile(path.join(d.sysroot, p), 'utf8');

t.test('get_ntp on RHEL: servers, local source, running from the chronyd PID', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  t.same(await h.getNtp(), [['0.rhel.pool.ntp.org', '1.rhel.pool.ntp.org'], true, true]);
  t.same(d.exec.calls, [], 'the live PID answers without running anything');
  await fsp.writeFile(path.join(d.sysroot, 'proc/1234/comm'), 'bash\n');
  t.same((await h.getNtp())[2], false, 'a stale PID file whose process is not chronyd');
  t.same(d.exec.calls, [['systemctl', 'is-active', '--quiet', 'chronyd'], ['chronyc', '-n', 'tracking']]);
  d.exec.answers.set('chronyc', { code: 0 });
  t.same((await h.getNtp())[2], true, 'chronyc tracking answers');
});

t.test('get_ntp on Debian reads /etc/chrony/chrony.conf', async (t) => {
  const [h] = await service(t, 'real-vm');
  t.same(await h.getNtp(), [['2.debian.pool.ntp.org'], false, false]);
});

t.test('set_ntp(servers, true): sources rewritten, other lines kept, enable + restart', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  await h.setNtp(['ntp1.example.com', '10.1.1.1'], true);
  const conf = await read(d, 'etc/chrony.conf');
  t.equal(
    conf,
    '# Use public servers from the pool.ntp.org project.\nserver ntp1.example.com iburst\nserver 10.1.1.1 iburst\n# peer 10.0.0.9\ndriftfile /var/lib/chrony/drift\nmakestep 1.0 3\nrtcsync\n# Serve time even if not synchronized to a time source.\nlocal stratum 10\nlogdir /var/log/chrony\n',
  );
  t.same(d.exec.calls, [
    ['systemctl', 'enable', 'chronyd'],
    ['systemctl', 'restart', 'chronyd'],
  ]);
  t.same((await h.getNtp())[0], ['ntp1.example.com', '10.1.1.1']);
});

t.test('set_ntp(servers, false) stops and disables; Debian uses the chrony unit', async (t) => {
  const [h, d] = await service(t, 'real-vm');
  await h.setNtp(['a.example'], false);
  t.match(await read(d, 'etc/chrony/chrony.conf'), /^server a\.example iburst$/m);
  t.notMatch(await read(d, 'etc/chrony/chrony.conf'), /^pool /m);
  t.same(d.exec.calls, [
    ['systemctl', 'stop', 'chrony'],
    ['systemctl', 'disable', 'chrony'],
  ]);
});

t.test('set_ntp on a host without chrony.conf writes a minimal one', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  await fsp.rm(path.join(d.sysroot, 'etc/chrony.conf'));
  await h.setNtp(['ntp.example'], true);
  t.match(await read(d, 'etc/chrony.conf'), /driftfile[\s\S]*server ntp\.example iburst\n$/);
});

t.test('set_ntp refuses bad names and changes nothing', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  const before = await read(d, 'etc/chrony.conf');
  for (const bad of [['ok.example', 'evil\nlocal stratum 1'], ['a b'], ['x;reboot']]) {
    t.equal(await rejectionCode(h.setNtp(bad, true)), 'INVALID_ARGUMENT', JSON.stringify(bad));
  }
  t.equal(await read(d, 'etc/chrony.conf'), before);
  t.same(d.exec.calls, []);
});

t.test('enable_ntp / disable_ntp argv', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  await h.enableNtp();
  await h.disableNtp();
  t.same(d.exec.calls, [
    ['systemctl', 'enable', 'chronyd'],
    ['systemctl', 'start', 'chronyd'],
    ['systemctl', 'stop', 'chronyd'],
    ['systemctl', 'disable', 'chronyd'],
  ]);
});

t.test('sandbox mode never runs systemctl or chronyc; the stand-in remembers the state', async (t) => {
  const [h, d] = await service(t, 'real-vm', { sandbox: true });
  t.equal((await h.getNtp())[2], false);
  await h.setNtp(['a.example'], true);
  t.equal((await h.getNtp())[2], true);
  await h.disableNtp();
  t.equal((await h.getNtp())[2], false);
  await h.enableNtp();
  t.equal((await h.getNtp())[2], true);
  t.same(d.exec.calls, []);
  t.match(await read(d, 'etc/chrony/chrony.conf'), /server a\.example iburst/, 'the file under the sandbox sysroot is written');
});
