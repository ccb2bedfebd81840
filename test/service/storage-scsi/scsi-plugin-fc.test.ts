// The generic SCSI plugin on Fibre Channel, over the synthetic sysfs tree of
// test/fixtures/scsi/fc (two HBAs, one LUN on both, multipath map with one failed path):
// HBAs, remote ports, one element per LUN with its paths, rescan writes, bad records refused.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SysrootFs } from '../../../src/host/host-fs.js';
import { ssRecordSchema } from '../../../src/core/storage/records.js';
import { createGenericScsiPlugin } from '../../../src/services/storage/plugins/scsi/generic-scsi-plugin.js';
import { readFcHosts, readFcRemotePorts, readScsiLuns, rescanScsiHost } from '../../../src/host/storage/fc-sysfs.js';
import { FakeExec } from '../../helpers/fake-exec.js';
import { failure } from '../../helpers/failure.js';
import { pluginCtx } from '../../helpers/scsi-plugin-ctx.js';

const fixture = path.resolve(import.meta.dirname, '../../fixtures/scsi/fc/sysroot');
const mpFc = fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/scsi/multipath/fc-host.txt'), 'utf8');
const noDm = fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/scsi/multipath/no-dm.txt'), 'utf8');
const ss = (extra: Record<string, unknown> = {}) => ssRecordSchema.parse({ uuid: '0004fb00000900000a1b2c3d4e5f6a7c', name: 'fabric', storage_type: 'FibreChannel', ...extra });
const WWID = '3600a098038303053453f463045727a4b';

function emptyRoot(t: { teardown(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hvi-empty-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function copyTree(t: { teardown(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hvi-fc-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  fs.cpSync(fixture, d, { recursive: true, verbatimSymlinks: true });
  return d;
}

t.test('sysfs readers', async (t) => {
  const sfs = new SysrootFs(fixture);
  const hbas = await readFcHosts(sfs);
  t.same(hbas.map((h) => [h.name, h.wwpn, h.wwnn, h.portId, h.portState, h.speed, h.speedBits, h.fabricName]), [
    ['host5', '21:00:00:24:ff:3d:d2:b8', '20:00:00:24:ff:3d:d2:b8', '0x010200', 'Online', '16 Gbit', 16e9, '10:00:00:05:1e:4d:2c:01'],
    ['host6', '21:00:00:24:ff:3d:d2:b9', '20:00:00:24:ff:3d:d2:b9', '0x020300', 'Online', '8 Gbit', 8e9, '10:00:00:05:1e:4d:2c:02'],
  ]);
  t.equal(hbas[0].portType, 'NPort (fabric via point-to-point)');
  const rports = await readFcRemotePorts(sfs);
  t.same(rports.map((r) => [r.name, r.host, r.wwpn, r.portState, r.roles, r.scsiTargetId]), [
    ['rport-5:0-2', 5, '50:0a:09:81:89:4b:7b:12', 'Online', ['FCP Target'], 0],
    ['rport-6:0-2', 6, '50:0a:09:81:99:4b:7b:12', 'Online', ['FCP Target'], 0],
  ]);
  const luns = await readScsiLuns(sfs, [5]);
  t.same(luns.map((l) => [l.hctl, l.type, l.vendor, l.model, l.dev, l.size, l.serial, l.wwid]), [
    ['5:0:0:0', 'STORAGE_ARRAY_CONTROLLER', 'NETAPP', 'LUN C-Mode', undefined, undefined, undefined, undefined],
    ['5:0:0:1', 'DIRECT_ACCESS', 'NETAPP', 'LUN C-Mode', 'sdb', 1.5 * 1024 ** 4, '80SE?F0Erz K', WWID],
  ]);
  t.same(await readFcHosts(new SysrootFs(emptyRoot(t))), [], 'no fc_host: no HBAs');
});

t.test('one LUN on two HBAs is one element with both paths, its device the multipath map', async (t) => {
  const exec = new FakeExec((c) => (c.argv.join(' ') === 'multipath -ll' ? { stdout: mpFc } : { code: 127 }));
  const plugin = createGenericScsiPlugin({ exec, fs: new SysrootFs(fixture) });
  const [e, ...rest] = await plugin.list!(pluginCtx('list'), ss(), undefined);
  t.same(rest, []);
  t.match(e, {
    uuid: WWID,
    page83_id: WWID,
    lun: 1,
    size: 1.5 * 1024 ** 4,
    vendor: 'NETAPP',
    product: 'LUN C-Mode',
    serial: '80SE?F0Erz K',
    status: 'degraded',
    state: 1,
    device_path: '/dev/mapper/mpathb',
    access_path: '/dev/disk/by-path/pci-0000:05:00.0-fc-0x500a0981894b7b12-lun-1',
    extra_info: { transport: 'fc', multipath: true, multipath_name: 'mpathb', remote_ports: '50:0a:09:81:89:4b:7b:12,50:0a:09:81:99:4b:7b:12' },
  });
  t.same(e.paths, [
    { device: 'sdb', state: 'active ready running', hctl: '5:0:0:1', by_path: '/dev/disk/by-path/pci-0000:05:00.0-fc-0x500a0981894b7b12-lun-1' },
    { device: 'sdc', state: 'failed faulty running', hctl: '6:0:0:1', by_path: '/dev/disk/by-path/pci-0000:05:00.1-fc-0x500a0981994b7b12-lun-1' },
  ]);
  t.same(await plugin.getStorageNames!(pluginCtx('getStorageNames'), ss()), ['50:0a:09:81:89:4b:7b:12', '50:0a:09:81:99:4b:7b:12']);
  t.same((await plugin.getAccessGroups!(pluginCtx('getAccessGroups'), ss(), undefined)).map((g) => g.name), ['21:00:00:24:ff:3d:d2:b8', '21:00:00:24:ff:3d:d2:b9']);
  t.match(await plugin.validate!(pluginCtx('validate'), ss()), { storage_type: 'FibreChannel', total_sz: 1.5 * 1024 ** 4 });
});

t.test('without device-mapper (this kernel) the paths stay separate devices of one element', async (t) => {
  const exec = new FakeExec((c) => (c.argv[0] === 'multipath' ? { code: 1, stderr: noDm } : { code: 127 }));
  const plugin = createGenericScsiPlugin({ exec, fs: new SysrootFs(fixture) });
  const [e] = await plugin.list!(pluginCtx('list'), ss(), undefined);
  t.match(e, { status: 'online', device_path: '/dev/sdb', extra_info: { multipath: false } });
  t.same(e.paths.map((p) => [p.device, p.state]), [['sdb', 'running'], ['sdc', 'running']]);
});

t.test('refresh rescans every FC host (issue_lip, then scan) before listing', async (t) => {
  const root = copyTree(t);
  const exec = new FakeExec(() => ({ stdout: '' }));
  const plugin = createGenericScsiPlugin({ exec, fs: new SysrootFs(root) });
  await plugin.refresh!(pluginCtx('refresh'), ss(), undefined);
  for (const h of ['host5', 'host6']) {
    t.equal(fs.readFileSync(path.join(root, `sys/class/fc_host/${h}/issue_lip`), 'utf8'), '1');
    t.equal(fs.readFileSync(path.join(root, `sys/class/scsi_host/${h}/scan`), 'utf8'), '- - -');
  }
  t.ok(exec.calls.some((c) => c.argv.join(' ').startsWith('udevadm settle --timeout=')), 'then waits (bounded) for udev');
  await t.rejects(rescanScsiHost(new SysrootFs(root), '../host5'), { code: 'STORAGE_INVALID' });
});

t.test('no HBA online, or none at all, is a clear fault', async (t) => {
  const root = copyTree(t);
  for (const h of ['host5', 'host6']) fs.writeFileSync(path.join(root, `sys/class/fc_host/${h}/port_state`), 'Linkdown\n');
  const plugin = createGenericScsiPlugin({ exec: new FakeExec(), fs: new SysrootFs(root) });
  const e = await failure(plugin.validate!(pluginCtx('validate'), ss()));
  t.equal(e.code, 'STORAGE_SERVER_UNREACHABLE');
  t.match(e.message, /host5 Linkdown, host6 Linkdown/);
  const empty = createGenericScsiPlugin({ exec: new FakeExec(), fs: new SysrootFs(emptyRoot(t)) });
  t.match(await failure(empty.validate!(pluginCtx('validate'), ss())), { code: 'STORAGE_SERVER_UNREACHABLE', message: /no HBA/ });
});

t.test('bad records are refused naming the field, and nothing runs', async (t) => {
  const exec = new FakeExec();
  const plugin = createGenericScsiPlugin({ exec, fs: new SysrootFs(fixture) });
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ storage_type: 'iSCSI', access_host: '' }, 'STORAGE_INVALID', /ss_record\.access_host/],
    [{ storage_type: 'NFS', access_host: 'x' }, 'STORAGE_INVALID', /ss_record\.storage_type/],
    [{ storage_type: 'iSCSI', access_host: '10.0.0.5:70000' }, 'STORAGE_INVALID', /ss_record\.access_host/],
    [{ storage_type: 'iSCSI', access_host: '10.0.0.5;reboot' }, 'STORAGE_INVALID', /ss_record\.access_host/],
    [{ storage_type: 'iSCSI', access_host: '10.0.0.5', chap: true }, 'STORAGE_CREDENTIALS_MISSING', /ss_record\.chap/],
    [{ storage_type: 'iSCSI', access_host: '10.0.0.5', chap_username: 'u', chap_password: 'p', mutual_chap_username: 't' }, 'STORAGE_CREDENTIALS_MISSING', /mutual_chap_password/],
    [{ storage_type: 'iSCSI', access_host: '10.0.0.5', chap_username: 'u', chap_password: 'with space' }, 'STORAGE_INVALID', /chap\.password/],
  ];
  for (const [extra, code, msg] of cases) {
    for (const op of ['validate', 'list', 'discover', 'refresh', 'getStorageNames'] as const) {
      const call = op === 'list' || op === 'refresh' ? plugin[op]!(pluginCtx(op), ss(extra), undefined) : plugin[op]!(pluginCtx(op), ss(extra));
      const e = await failure(call as Promise<unknown>);
      t.match(e, { code, message: msg }, `${op} ${JSON.stringify(extra)}`);
      t.notMatch(e.message, /with space/);
    }
  }
  t.same(exec.calls, [], 'no command ran');
});
