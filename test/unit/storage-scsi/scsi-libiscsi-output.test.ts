// libiscsi tool outputs recorded against tgtd 1.0.85 (test/fixtures/scsi/libiscsi) and the
// tgtadm view of the same target.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  classifyLibiscsiError,
  parseDeviceIdPage,
  parseIscsiLs,
  parseReadCapacity16,
  parseStdInquiry,
  parseUnitSerial,
} from '../../../src/core/storage/scsi/libiscsi-output.js';
import { lunWwid } from '../../../src/core/storage/scsi/vpd.js';
import { parseTgtadmShow } from '../../../src/core/storage/scsi/tgtadm-show.js';

const fx = (n: string): string => fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/scsi', n), 'utf8');
const T = 'iqn.2026-11.test.hvi:pool1';

t.test('iscsi-ls -s with CHAP: targets, portals and LUNs', async (t) => {
  t.same(parseIscsiLs(fx('libiscsi/ls-chap.txt')), [
    {
      target: T,
      portals: [{ host: '127.0.0.1', port: 3262, tpgt: 1 }],
      luns: [
        { lun: 0, type: 'STORAGE_ARRAY_CONTROLLER' },
        { lun: 1, type: 'DIRECT_ACCESS', approxSize: 63 * 1024 * 1024 },
        { lun: 2, type: 'DIRECT_ACCESS', approxSize: 127 * 1024 * 1024 },
      ],
    },
  ]);
  t.same(parseIscsiLs(fx('libiscsi/ls-chap-nos.txt')), [{ target: T, portals: [{ host: '127.0.0.1', port: 3262, tpgt: 1 }], luns: [] }]);
});

t.test('iscsi-ls without or with wrong CHAP: discovery works, the LUN listing fails', async (t) => {
  for (const f of ['libiscsi/ls-nochap.txt', 'libiscsi/ls-badchap.txt']) {
    const [x] = parseIscsiLs(fx(f));
    t.equal(x.target, T);
    t.same(x.luns, []);
    t.match(x.error, /Authentication failure\(513\)/);
    t.equal(classifyLibiscsiError(fx(f)), 'auth');
  }
});

t.test('inquiry pages', async (t) => {
  t.same(parseStdInquiry(fx('libiscsi/inq-std.txt')), { deviceType: 'DIRECT_ACCESS', vendor: 'HVI', product: 'TESTDISK', revision: '0001', version: '5 ANSI INCITS 408-2005 (SPC-3)' });
  t.equal(parseUnitSerial(fx('libiscsi/inq-80.txt')), 'HVI0001');
  t.equal(parseUnitSerial('Unit Serial Number:[   ]'), undefined);
  const ds = parseDeviceIdPage(fx('libiscsi/inq-83.txt'));
  t.equal(ds.length, 3);
  t.same(ds[2], { codeSet: 2, association: 0, type: 1, text: 'hvi-lun1' });
  // the binary NAA designators are unreadable in iscsi-inq's text: only ASCII ones count
  t.equal(lunWwid(ds.filter((d) => d.codeSet !== 1).map((d) => ({ ...d, value: d.text }))), '1hvi-lun1');
  const ds2 = parseDeviceIdPage(fx('libiscsi/inq-83-lun2.txt'));
  t.equal(lunWwid(ds2.filter((d) => d.codeSet !== 1).map((d) => ({ ...d, value: d.text }))), '1IET_00010002');
});

t.test('READ CAPACITY(16)', async (t) => {
  t.same(parseReadCapacity16(fx('libiscsi/rc16-lun2.txt')), { lastLba: 262143n, blockSize: 512, size: 134217728n });
  t.equal(parseReadCapacity16('garbage'), undefined);
});

t.test('error texts', async (t) => {
  t.equal(classifyLibiscsiError('Login Failed. Authentication failed. Invalid CHAP_R response from the target'), 'target-auth');
  t.equal(classifyLibiscsiError('Login failed. Failed to log in to target. It did not return CHAP_N during SECNEG.'), 'target-auth');
  t.equal(classifyLibiscsiError('Login Failed. Failed to log in to target. Status: Target not found(515)'), 'no-target');
  t.equal(classifyLibiscsiError('Login Failed. SENSE KEY:ILLEGAL_REQUEST(5) ASCQ:LOGICAL_UNIT_NOT_SUPPORTED(0x2500)'), 'no-lun');
  t.equal(classifyLibiscsiError('discoveryconnect_cb: connection failed : iscsi_service: socket error Connection refused(111).'), 'unreachable');
  t.equal(classifyLibiscsiError('something odd'), 'other');
});

t.test('tgtadm show', async (t) => {
  const [tg] = parseTgtadmShow(fx('tgt/tgtadm-show.txt'));
  t.equal(tg.tid, 1);
  t.equal(tg.name, T);
  t.same(tg.luns.map((l) => [l.lun, l.type, l.scsiId, l.scsiSn, l.sizeMb, l.blockSize]), [
    [0, 'controller', 'IET     00010000', 'beaf10', 0, 1],
    [1, 'disk', 'hvi-lun1', 'HVI0001', 67, 512],
    [2, 'disk', 'IET     00010002', 'beaf12', 134, 512],
  ]);
  t.equal(tg.luns[1].backingStore, '/tmp/hvi-rec/lun1.img');
  t.same(tg.accounts, [{ user: 'hviuser', outgoing: false }, { user: 'hvitgt', outgoing: true }]);
  t.same(tg.acls, ['127.0.0.1']);
});
