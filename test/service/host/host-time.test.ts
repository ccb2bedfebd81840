// Clock and time zone: set_datetime runs `date -u -s` (never in sandbox mode), set_timezone
// writes the /etc/localtime link and the distribution's files, bad input changes nothing.
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
  return [new HostService({ ...d, agentVersion: '1.2.3' }), d];
}

const read = (d: HostTestDeps, p: string) => fsp.readFile(path.join(d.sysroot, p), 'utf8');

t.test('get_datetime: the injected clock, in UTC', async (t) => {
  const [h, d] = await service(t, 'real-vm');
  t.same(h.getDatetime(), [2026, 11, 22, 12, 0, 0]);
  d.clock.t = Date.UTC(2024, 1, 29, 23, 59, 58);
  t.same(h.getDatetime(), [2024, 2, 29, 23, 59, 58]);
});

t.test('set_datetime: date -u -s, then the RTC (its failure only logged)', async (t) => {
  const [h, d] = await service(t, 'real-vm');
  d.exec.answers.set('hwclock', { code: 1, stderr: 'no RTC' });
  await h.setDatetime([2026, 1, 2, 3, 4, 5]);
  t.same(d.exec.calls, [
    ['date', '-u', '-s', '2026-01-02 03:04:05'],
    ['hwclock', '--systohc', '--utc'],
  ]);
});

t.test('set_datetime: invalid dates run nothing', async (t) => {
  const [h, d] = await service(t, 'real-vm');
  t.equal(await rejectionCode(h.setDatetime([2026, 2, 30, 0, 0, 0])), 'INVALID_ARGUMENT');
  t.equal(await rejectionCode(h.setDatetime([2026, 1, 1, 25, 0, 0])), 'INVALID_ARGUMENT');
  t.same(d.exec.calls, []);
});

t.test('set_datetime: refused in sandbox mode, the clock untouched', async (t) => {
  const [h, d] = await service(t, 'real-vm', { sandbox: true });
  t.equal(await rejectionCode(h.setDatetime([2026, 1, 2, 3, 4, 5])), 'DISABLED');
  t.same(d.exec.calls, []);
});

t.test('get_timezone: /etc/sysconfig/clock on RHEL, the link or /etc/timezone on Debian', async (t) => {
  const [rh] = await service(t, 'rhel-server');
  t.same(await rh.getTimezone(), ['America/New_York', true]);
  const [deb, d] = await service(t, 'real-vm');
  t.same(await deb.getTimezone(), ['Etc/UTC', true], 'from /etc/timezone (no link recorded)');
  await fsp.symlink('/usr/share/zoneinfo/Europe/Oslo', path.join(d.sysroot, 'etc/localtime'));
  t.same(await deb.getTimezone(), ['Europe/Oslo', true], 'the link wins over /etc/timezone');
  await fsp.writeFile(path.join(d.sysroot, 'etc/adjtime'), '0.0 0 0.0\n0\nLOCAL\n');
  t.same(await deb.getTimezone(), ['Europe/Oslo', false], 'RTC in local time per /etc/adjtime');
});

t.test('set_timezone on RHEL: link, sysconfig/clock (comments kept), adjtime', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  await h.setTimezone('Europe/Oslo', false);
  t.equal(await fsp.readlink(path.join(d.sysroot, 'etc/localtime')), '../usr/share/zoneinfo/Europe/Oslo');
  t.equal(await read(d, 'etc/sysconfig/clock'), '# set by anaconda\nZONE=Europe/Oslo\nUTC=false\n');
  t.equal(await read(d, 'etc/adjtime'), '0.0 0 0.0\n0\nLOCAL\n');
  t.same(await h.getTimezone(), ['Europe/Oslo', false]);
  t.notOk(await fsp.stat(path.join(d.sysroot, 'etc/timezone')).catch(() => undefined), 'no Debian file on RHEL');
  t.same(d.exec.calls, [], 'no command needed');
  // The link resolves inside the sysroot to the real zone file.
  t.equal((await fsp.readFile(path.join(d.sysroot, 'etc/localtime'))).subarray(0, 4).toString(), 'TZif');
});

t.test('set_timezone on Debian writes /etc/timezone', async (t) => {
  const [h, d] = await service(t, 'real-vm');
  await fsp.mkdir(path.join(d.sysroot, 'usr/share/zoneinfo/Asia'), { recursive: true });
  await fsp.copyFile('/usr/share/zoneinfo/Asia/Tokyo', path.join(d.sysroot, 'usr/share/zoneinfo/Asia/Tokyo'));
  await h.setTimezone('Asia/Tokyo', true);
  t.equal(await read(d, 'etc/timezone'), 'Asia/Tokyo\n');
  t.equal(await fsp.readlink(path.join(d.sysroot, 'etc/localtime')), '../usr/share/zoneinfo/Asia/Tokyo');
  t.notOk(await fsp.stat(path.join(d.sysroot, 'etc/sysconfig/clock')).catch(() => undefined), 'no RHEL file on Debian');
});

t.test('set_timezone refuses unknown zones, non-zone files and traversal; nothing changes', async (t) => {
  const [h, d] = await service(t, 'rhel-server');
  const before = await read(d, 'etc/sysconfig/clock');
  for (const tz of ['Mars/Olympus', 'bogus', '../../etc/passwd', 'America', '']) {
    t.equal(await rejectionCode(h.setTimezone(tz, true)), 'INVALID_ARGUMENT', JSON.stringify(tz));
  }
  t.equal(await read(d, 'etc/sysconfig/clock'), before);
  t.equal(await fsp.readlink(path.join(d.sysroot, 'etc/localtime')), '../usr/share/zoneinfo/America/New_York');
});
