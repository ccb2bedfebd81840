// Pure editors and validators behind set_ntp, set_timezone and set_datetime: chrony.conf
// rewrite, KEY=value files, date parts and zone names.
import t from 'tap';
import { chronyConfToNtp, DEFAULT_CHRONY_CONF, NTP_SERVER_RE, ntpServersToChronyConf } from '../../../src/core/hostinfo/chrony-conf.js';
import { setShellVars } from '../../../src/core/hostinfo/shell-vars.js';
import {
  dateToDateArg,
  dateToParts,
  datetimePartsToDate,
  isZoneName,
  localtimeLinkToZone,
  type DateTimeParts,
} from '../../../src/core/hostinfo/time-settings.js';
import { AgentError } from '../../../src/core/errors.js';

const RHEL = '# servers\nserver a.example iburst\nserver b.example iburst\n# peer x\npeer 10.0.0.9\ndriftfile /var/lib/chrony/drift\nlocal stratum 10\n';
const DEBIAN = '# Use Debian vendor zone.\npool 2.debian.pool.ntp.org iburst\nsourcedir /run/chrony-dhcp\nkeyfile /etc/chrony/chrony.keys\n';

const readCases: Array<[string, string, string[], boolean]> = [
  ['RHEL servers, peer ignored, local stratum', RHEL, ['a.example', 'b.example'], true],
  ['Debian pool line', DEBIAN, ['2.debian.pool.ntp.org'], false],
  ['commented sources do not count', '#server x\n  # pool y\n#local stratum 10\n', [], false],
  ['indented lines count', '  server  10.0.0.1 iburst\n\tlocal\n', ['10.0.0.1'], true],
  ['empty', '', [], false],
];
for (const [name, text, servers, local] of readCases) {
  t.test(`chrony.conf read: ${name}`, async (t) => {
    t.same(chronyConfToNtp(text), { servers, localTimeSource: local });
  });
}

t.test('chrony.conf rewrite: sources replaced in place, everything else kept', async (t) => {
  const out = ntpServersToChronyConf(RHEL, ['ntp1.example.com', '10.1.1.1']);
  t.equal(
    out,
    '# servers\nserver ntp1.example.com iburst\nserver 10.1.1.1 iburst\n# peer x\npeer 10.0.0.9\ndriftfile /var/lib/chrony/drift\nlocal stratum 10\n',
  );
  t.same(chronyConfToNtp(out).servers, ['ntp1.example.com', '10.1.1.1']);
  t.equal(ntpServersToChronyConf(out, ['ntp1.example.com', '10.1.1.1']), out, 'idempotent');
});

t.test('chrony.conf rewrite: pool replaced; no sources appends; none yet uses the default', async (t) => {
  t.equal(
    ntpServersToChronyConf(DEBIAN, ['x.example']),
    '# Use Debian vendor zone.\nserver x.example iburst\nsourcedir /run/chrony-dhcp\nkeyfile /etc/chrony/chrony.keys\n',
  );
  t.equal(ntpServersToChronyConf('driftfile /d', ['a']), 'driftfile /d\nserver a iburst\n');
  t.equal(ntpServersToChronyConf(undefined, ['a']), DEFAULT_CHRONY_CONF + 'server a iburst\n');
  t.same(chronyConfToNtp(ntpServersToChronyConf(RHEL, [])).servers, [], 'empty list removes every source');
});

t.test('NTP server names', async (t) => {
  for (const ok of ['pool.ntp.org', '10.0.0.1', 'fe80::1', 'ntp-1.example.com.', 'a']) t.ok(NTP_SERVER_RE.test(ok), ok);
  for (const bad of ['', 'a b', 'x;rm -rf /', 'x\nserver evil', '-bad.example', 'under_score.example']) t.notOk(NTP_SERVER_RE.test(bad), JSON.stringify(bad));
});

t.test('KEY=value files: set in place, add missing, keep comments', async (t) => {
  t.equal(setShellVars('# c\nZONE="America/New_York"\nUTC=true\nARC=false\n', { ZONE: 'Europe/Oslo', UTC: 'false' }), '# c\nZONE=Europe/Oslo\nUTC=false\nARC=false\n');
  t.equal(setShellVars(undefined, { ZONE: 'UTC', UTC: 'true' }), 'ZONE=UTC\nUTC=true\n');
  t.equal(setShellVars('', { A: 'with space' }), '\nA="with space"\n'.slice(1));
});

const goodDates: Array<[DateTimeParts, string]> = [
  [[2026, 11, 22, 15, 4, 5], '2026-11-22 15:04:05'],
  [[2024, 2, 29, 0, 0, 0], '2024-02-29 00:00:00'],
  [[1970, 1, 1, 0, 0, 0], '1970-01-01 00:00:00'],
  [[2099, 12, 31, 23, 59, 59], '2099-12-31 23:59:59'],
];
for (const [parts, arg] of goodDates) {
  t.test(`datetime ok: ${arg}`, async (t) => {
    const d = datetimePartsToDate(parts);
    t.equal(dateToDateArg(d), arg);
    t.same(dateToParts(d), parts);
  });
}

const badDates: Array<[DateTimeParts, RegExp]> = [
  [[2023, 2, 29, 0, 0, 0], /day 29 does not exist in 2023-02/],
  [[2026, 13, 1, 0, 0, 0], /month 13/],
  [[2026, 0, 1, 0, 0, 0], /month 0/],
  [[1969, 12, 31, 0, 0, 0], /year 1969/],
  [[2026, 4, 31, 0, 0, 0], /day 31/],
  [[2026, 1, 1, 24, 0, 0], /hour 24/],
  [[2026, 1, 1, 0, 60, 0], /minute 60/],
  [[2026, 1, 1, 0, 0, 60], /second 60/],
  [[2026, 1, 1.5, 0, 0, 0], /day 1.5/],
];
for (const [parts, re] of badDates) {
  t.test(`datetime refused: ${parts.join(',')}`, async (t) => {
    let err: unknown;
    try {
      datetimePartsToDate(parts);
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof AgentError, 'an AgentError');
    t.equal((err as AgentError).code, 'INVALID_ARGUMENT');
    t.match((err as AgentError).message, re);
  });
}

t.test('zone names', async (t) => {
  for (const ok of ['UTC', 'Europe/Oslo', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'EST5EDT']) t.ok(isZoneName(ok), ok);
  for (const bad of ['', '../etc/passwd', 'Europe/../../x', '/Europe/Oslo', 'Europe/Oslo/', 'a b', 'x'.repeat(200), 'Europe/./Oslo']) {
    t.notOk(isZoneName(bad), JSON.stringify(bad));
  }
  t.equal(localtimeLinkToZone('/usr/share/zoneinfo/Etc/UTC'), 'Etc/UTC');
  t.equal(localtimeLinkToZone('../usr/share/zoneinfo/Europe/Oslo'), 'Europe/Oslo');
  t.equal(localtimeLinkToZone('/usr/share/zoneinfo/posix/Asia/Tokyo'), 'Asia/Tokyo');
  t.equal(localtimeLinkToZone('/etc/somewhere'), undefined);
});
