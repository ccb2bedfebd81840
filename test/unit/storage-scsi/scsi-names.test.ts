// iSCSI names, portals and CHAP credentials: what is accepted, what is refused (naming the
// argument, never echoing a secret), and the text forms given to iscsiadm and libiscsi.
import t from 'tap';
import {
  chapSecrets,
  iscsiByPathName,
  libiscsiUrl,
  parseChap,
  parseInitiatorNameFile,
  parseIscsiName,
  parseLun,
  parsePortal,
  portalText,
  redactSecrets,
} from '../../../src/core/storage/scsi/iscsi-names.js';

t.test('iSCSI names', async (t) => {
  for (const ok of ['iqn.2026-11.test.hvi:pool1', 'iqn.1993-08.org.debian:01:7e6f98a5d028', 'eui.02004567A425678D', 'naa.52004567BA64678D', 'iqn.2001-04.com.example'])
    t.equal(parseIscsiName(ok), ok, ok);
  for (const bad of ['', 'iqn', 'iqn.2026.test:x', 'foo.2026-11.x', 'eui.123', 'iqn.2026-11.test:a b', 'iqn.2026-11.test:a/b', `iqn.2026-11.test:${'x'.repeat(230)}`, 5, null])
    t.throws(() => parseIscsiName(bad, 'target'), { code: 'STORAGE_INVALID', message: /^target:/ }, String(bad));
});

t.test('portals', async (t) => {
  t.same(parsePortal('10.0.0.5'), { host: '10.0.0.5', port: 3260 });
  t.same(parsePortal('10.0.0.5:3262'), { host: '10.0.0.5', port: 3262 });
  t.same(parsePortal('10.0.0.5:3262,2'), { host: '10.0.0.5', port: 3262, tpgt: 2 });
  t.same(parsePortal('127.0.0.1,3262,1'), { host: '127.0.0.1', port: 3262, tpgt: 1 });
  t.same(parsePortal('[FD00::1]:3260,1'), { host: 'fd00::1', port: 3260, tpgt: 1 });
  t.same(parsePortal('fd00::1'), { host: 'fd00::1', port: 3260 });
  t.same(parsePortal('san-a.example.com'), { host: 'san-a.example.com', port: 3260 });
  t.equal(portalText(parsePortal('[fd00::1]:3261,1')), '[fd00::1]:3261');
  t.equal(portalText(parsePortal('10.0.0.5:3261,1'), true), '10.0.0.5:3261,1');
  for (const bad of ['', ' ', '10.0.0.5:0', '10.0.0.5:65536', '10.0.0.5:abc', '-o:3260', 'a b:3260', '10.0.0.5:3260,x', '1,2,3,4', '../etc', 'host;rm', null, 3260])
    t.throws(() => parsePortal(bad, 'portal'), { code: 'STORAGE_INVALID', message: /^portal:/ }, String(bad));
});

t.test('libiscsi URLs never carry credentials', async (t) => {
  const p = parsePortal('127.0.0.1:3262');
  t.equal(libiscsiUrl(p), 'iscsi://127.0.0.1:3262');
  t.equal(libiscsiUrl(p, 'iqn.2026-11.test.hvi:pool1', 2), 'iscsi://127.0.0.1:3262/iqn.2026-11.test.hvi:pool1/2');
  t.equal(libiscsiUrl(parsePortal('[fd00::1]')), 'iscsi://[fd00::1]:3260');
  t.equal(iscsiByPathName(p, 'iqn.2026-11.test.hvi:pool1', 1), 'ip-127.0.0.1:3262-iscsi-iqn.2026-11.test.hvi:pool1-lun-1');
});

t.test('CHAP credentials', async (t) => {
  t.equal(parseChap(undefined), undefined);
  t.equal(parseChap(''), undefined);
  t.equal(parseChap({}), undefined);
  t.same(parseChap({ username: 'u', password: 'secret123456' }), { username: 'u', password: 'secret123456' });
  t.same(parseChap({ username: 'u', password: 'p1', mutual_username: 't', mutual_password: 'p2' }), { username: 'u', password: 'p1', targetUsername: 't', targetPassword: 'p2' });
  t.same(parseChap({ username: 'u', password: 'p1', target_username: 't', target_password: 'p2' }), { username: 'u', password: 'p1', targetUsername: 't', targetPassword: 'p2' });
  const refusals: Array<[unknown, RegExp]> = [
    [{ username: 'u' }, /chap\.password/],
    [{ password: 'hidden-secret' }, /chap\.username/],
    [{ username: 'u', password: 'has space' }, /chap\.password/],
    [{ username: 'u', password: 'p', target_username: 't' }, /chap\.target_password/],
    [{ username: 'u', password: 'p', target_password: 'hidden-secret' }, /chap\.target_username/],
    ['text', /struct/],
  ];
  for (const [input, msg] of refusals) {
    const e = t.throws(() => parseChap(input)) as Error;
    t.match(e, { code: 'STORAGE_INVALID', message: msg });
    t.notMatch(e.message, /hidden-secret|has space/, 'the secret is not in the message');
  }
  t.same(chapSecrets({ username: 'u', password: 'a', targetUsername: 't', targetPassword: 'b' }), ['a', 'b']);
  t.equal(redactSecrets('-v s3cret -x s3cret', ['s3cret']), '-v *** -x ***');
});

t.test('initiator name and LUN numbers', async (t) => {
  t.equal(parseInitiatorNameFile('## comment\nInitiatorName=iqn.1993-08.org.debian:01:abc\n'), 'iqn.1993-08.org.debian:01:abc');
  t.equal(parseInitiatorNameFile('# nothing\n'), undefined);
  t.equal(parseLun('3'), 3);
  t.equal(parseLun(0), 0);
  for (const bad of [-1, 16384, '1a', 1.5, null]) t.throws(() => parseLun(bad), { code: 'STORAGE_INVALID' });
});
