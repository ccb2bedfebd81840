// iscsiadm's outputs as recorded on this machine (open-iscsi 2.1.8, offline record DB) and the
// documented session list: records, node/discovery lists, sessions, exit codes.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  classifyIscsiadmExit,
  nodeRecordView,
  parseIscsiRecord,
  parsePortalTargetList,
  parseSessionList,
} from '../../../src/core/storage/scsi/iscsiadm-output.js';

const dir = path.resolve(import.meta.dirname, '../../fixtures/scsi/iscsiadm');
const fx = (n: string): string => fs.readFileSync(path.join(dir, n), 'utf8');

t.test('node record (-o show): CHAP and mutual CHAP, secrets masked', async (t) => {
  const rec = parseIscsiRecord(fx('node-show.txt'));
  t.equal(rec.version, '2.1.8');
  t.equal(rec.values.size, 107);
  t.equal(rec.values.get('iface.initiatorname'), '', '<empty> reads as empty');
  t.same(nodeRecordView(rec), {
    target: 'iqn.2026-11.test.hvi:pool1',
    tpgt: 1,
    portal: { host: '127.0.0.1', port: 3262 },
    startup: 'automatic',
    iface: 'default',
    auth: { method: 'CHAP', username: 'hviuser', passwordSet: true, usernameIn: 'hvitgt', passwordInSet: true },
  });
});

t.test('the record file iscsiadm writes reads the same', async (t) => {
  const file = nodeRecordView(parseIscsiRecord(fx('node-record-default')));
  const shown = nodeRecordView(parseIscsiRecord(fx('node-show.txt')));
  t.same(file, shown);
});

t.test('discovery record', async (t) => {
  const st = parseIscsiRecord(fx('st-show.txt')).values;
  t.equal(st.get('discovery.sendtargets.address'), '127.0.0.1');
  t.equal(st.get('discovery.sendtargets.port'), '3262');
  t.equal(st.get('discovery.sendtargets.auth.authmethod'), 'CHAP');
  t.equal(st.get('discovery.sendtargets.auth.password'), '********');
  // The file after a plain `-m discovery -t st` run: that form rewrote the record with defaults,
  // dropping the CHAP settings (why the adapter uses `-m discoverydb ... --discover`).
  const file = parseIscsiRecord(fx('st_config')).values;
  t.equal(file.get('discovery.sendtargets.auth.authmethod'), 'None');
  t.equal(file.get('discovery.sendtargets.auth.username'), undefined);
});

t.test('node and discovery lists', async (t) => {
  t.same(parsePortalTargetList(fx('node-list.txt')), [{ portal: { host: '127.0.0.1', port: 3262, tpgt: 1 }, target: 'iqn.2026-11.test.hvi:pool1' }]);
  t.same(parsePortalTargetList('iscsiadm: warning\n[fd00::5]:3260,1 iqn.2026-11.test.hvi:b\n10.0.0.5:3260,-1 iqn.2026-11.test.hvi:c\n'), [
    { portal: { host: 'fd00::5', port: 3260, tpgt: 1 }, target: 'iqn.2026-11.test.hvi:b' },
    { portal: { host: '10.0.0.5', port: 3260 }, target: 'iqn.2026-11.test.hvi:c' },
  ]);
  t.same(parsePortalTargetList(fx('node-show-missing.txt')), []);
});

t.test('sessions (format of open-iscsi 2.x)', async (t) => {
  const text = 'tcp: [1] 10.0.0.5:3260,1 iqn.2026-11.test.hvi:pool1 (non-flash)\ntcp: [12] [fd00::5]:3260,2 iqn.2026-11.test.hvi:pool2 (non-flash)\n';
  t.same(parseSessionList(text), [
    { transport: 'tcp', sid: 1, portal: { host: '10.0.0.5', port: 3260, tpgt: 1 }, target: 'iqn.2026-11.test.hvi:pool1' },
    { transport: 'tcp', sid: 12, portal: { host: 'fd00::5', port: 3260, tpgt: 2 }, target: 'iqn.2026-11.test.hvi:pool2' },
  ]);
  t.same(parseSessionList(fx('session-none.txt')), []);
});

t.test('exit codes as recorded here', async (t) => {
  t.equal(classifyIscsiadmExit(20, fx('login-no-iscsid.txt')), 'no-daemon');
  t.equal(classifyIscsiadmExit(21, fx('logout-no-session.txt')), 'none-found');
  t.equal(classifyIscsiadmExit(21, fx('session-none.txt')), 'none-found');
  t.equal(classifyIscsiadmExit(12, fx('discover-no-driver.txt')), 'no-driver');
  t.equal(classifyIscsiadmExit(24, ''), 'auth');
  t.equal(classifyIscsiadmExit(15, ''), 'exists');
  t.equal(classifyIscsiadmExit(8, ''), 'timeout');
  t.equal(classifyIscsiadmExit(1, 'iscsiadm: cannot make connection to 10.0.0.9: Connection refused'), 'unreachable');
  t.equal(classifyIscsiadmExit(1, 'something else'), 'other');
});
