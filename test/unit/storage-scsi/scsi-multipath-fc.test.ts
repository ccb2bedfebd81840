// multipath -ll (old and new formats, fixtures), binary VPD pages, FC sysfs attribute values.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { mapPaths, multipathUnavailable, parseMultipathLl, pathUp } from '../../../src/core/storage/scsi/multipath-ll.js';
import { lunWwid, parseVpdPage80, parseVpdPage83 } from '../../../src/core/storage/scsi/vpd.js';
import { parseHctl, parseRportName, portIdFromSysfs, rolesFromSysfs, speedBits, textAttr, wwnFromSysfs, wwnHex } from '../../../src/core/storage/scsi/fc-attrs.js';

const fx = (n: string): string => fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/scsi', n), 'utf8');

t.test('multipath -ll, round-robin format (RHEL 6 guide)', async (t) => {
  const maps = parseMultipathLl(fx('multipath/rhel6-round-robin.txt'));
  t.equal(maps.length, 2);
  t.match(maps[0], { name: '3600d0230000000000e13955cc3757800', wwid: '3600d0230000000000e13955cc3757800', dm: 'dm-1', vendor: 'WINSYS', product: 'SF2372', size: 269 * 1024 ** 3, features: '0', hwhandler: '0', wp: 'rw' });
  t.same(maps[0].groups.map((g) => [g.policy, g.prio, g.status, g.paths.map((p) => p.dev)]), [
    ['round-robin 0', 1, 'active', ['sdb']],
    ['round-robin 0', 1, 'enabled', ['sdf']],
  ]);
  const paths = mapPaths(maps[1]);
  t.same(paths.map((p) => [p.hctl, p.dev, p.majMin, p.dmState, p.checkerState, p.devState, pathUp(p)]), [
    ['6:0:0:1', 'sdc', '8:32', 'active', 'ready', 'running', true],
    ['7:0:0:1', 'sdg', '8:96', 'failed', 'faulty', 'offline', false],
  ]);
});

t.test('multipath -ll, service-time format with friendly names', async (t) => {
  const maps = parseMultipathLl(fx('multipath/service-time-friendly.txt'));
  t.same(maps.map((m) => [m.name, m.wwid, m.dm, m.vendor, m.product, m.size, m.features, m.hwhandler]), [
    ['mpatha', '360014059e8ba68638ef4f97a1e6e8c9e', 'dm-3', 'LIO-ORG', 'pool1lun0', 10 * 1024 ** 3, '1 queue_if_no_path', '1 alua'],
    ['mpathb', '3600a098038303053453f463045727a4b', 'dm-4', 'NETAPP', 'LUN C-Mode', 1.5 * 1024 ** 4, '3 queue_if_no_path pg_init_retries 50', '1 alua'],
  ]);
  t.same(mapPaths(maps[0]).map((p) => [p.dev, p.checkerState, p.groupStatus, pathUp(p)]), [
    ['sdb', 'ready', 'active', true],
    ['sdc', 'ready', 'active', true],
    ['sdd', 'ghost', 'enabled', true],
    ['sde', 'faulty', 'enabled', false],
  ]);
  t.same(mapPaths(maps[1]).map((p) => [p.dev, p.checkerState]), [['sdf', 'ready'], ['sdg', 'i/o pending']]);
});

t.test('multipath on a kernel without device-mapper (recorded here)', async (t) => {
  t.same(parseMultipathLl(fx('multipath/no-dm.txt')), []);
  t.ok(multipathUnavailable(fx('multipath/no-dm.txt')));
  t.notOk(multipathUnavailable('DM multipath kernel driver not loaded? no: some other failure'));
});

t.test('VPD 0x83 and 0x80 from their binary form', async (t) => {
  const pg83 = fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/scsi/fc/sysroot/sys/bus/scsi/devices/5:0:0:1/vpd_pg83'));
  const ds = parseVpdPage83(pg83);
  t.same(ds.map((d) => [d.codeSet, d.association, d.type]), [[1, 0, 3], [2, 0, 1], [1, 1, 3]]);
  t.equal(lunWwid(ds), '3600a098038303053453f463045727a4b');
  t.equal(lunWwid(ds.filter((d) => d.type !== 3 || d.association !== 0)), '1NETAPP_LUN_C-Mode_80SE?F0Erz_K', 'T10 id when there is no LU NAA; the port NAA is never used');
  t.equal(lunWwid([]), undefined);
  t.same(parseVpdPage83(new Uint8Array([0, 0x80, 0, 0])), [], 'another page is not read as 0x83');
  t.same(parseVpdPage83(new Uint8Array([0, 0x83, 0, 40, 1, 3, 0, 16, 1, 2])), [{ codeSet: 1, association: 0, type: 3, value: '0102' }], 'a truncated page stops at its end');
  t.equal(parseVpdPage80(new Uint8Array([0, 0x80, 0, 4, 0x41, 0x42, 0x20, 0x20])), 'AB');
});

t.test('FC attribute values', async (t) => {
  t.equal(wwnFromSysfs('0x21000024ff3dd2b8\n'), '21:00:00:24:ff:3d:d2:b8');
  t.equal(wwnFromSysfs('0x0'), undefined);
  t.equal(wwnFromSysfs('garbage'), undefined);
  t.equal(wwnHex('21:00:00:24:FF:3d:d2:b8'), '21000024ff3dd2b8');
  t.equal(wwnHex('0x21'), undefined);
  t.equal(portIdFromSysfs('0x10200'), '0x010200');
  t.equal(speedBits('16 Gbit'), 16e9);
  t.equal(speedBits('unknown'), undefined);
  t.equal(textAttr(' unknown \n'), undefined);
  t.same(rolesFromSysfs('FCP Target, FCP Initiator\n'), ['FCP Target', 'FCP Initiator']);
  t.same(parseRportName('rport-5:0-2'), { host: 5, channel: 0, number: 2 });
  t.equal(parseRportName('rport-5'), undefined);
  t.same(parseHctl('5:0:1:3'), { host: 5, channel: 0, target: 1, lun: 3 });
});
