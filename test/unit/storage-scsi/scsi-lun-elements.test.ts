// Folding LUN sightings into storage elements: one element per WWID across portals/targets,
// multipath maps give the device and the path states, status from the paths. Pure.
import t from 'tap';
import { buildStorageElements, findElement, type LunSighting } from '../../../src/core/storage/scsi/lun-elements.js';
import { parseMultipathLl } from '../../../src/core/storage/scsi/multipath-ll.js';

const base: LunSighting = { transport: 'iscsi', lun: 0, wwid: '360014059e8ba68638ef4f97a1e6e8c9e', vendor: 'LIO-ORG', product: 'pool1lun0', serial: 'abc', size: 10 * 1024 ** 3, target: 'iqn.2026-11.test.hvi:a' };
const MP = `mpatha (360014059e8ba68638ef4f97a1e6e8c9e) dm-3 LIO-ORG,pool1lun0
size=10G features='0' hwhandler='1 alua' wp=rw
|-+- policy='service-time 0' prio=50 status=active
| \`- 3:0:0:0 sdb 8:16 active ready running
\`-+- policy='service-time 0' prio=10 status=enabled
  \`- 4:0:0:0 sdc 8:32 failed faulty running
`;

t.test('one LUN through two portals is one element with two paths', async (t) => {
  const s = [
    { ...base, portal: '10.0.0.5:3260', dev: 'sdb', byPath: '/dev/disk/by-path/ip-10.0.0.5:3260-iscsi-iqn.2026-11.test.hvi:a-lun-0' },
    { ...base, portal: '10.0.1.5:3260', dev: 'sdc', byPath: '/dev/disk/by-path/ip-10.0.1.5:3260-iscsi-iqn.2026-11.test.hvi:a-lun-0' },
  ];
  const [e, ...rest] = buildStorageElements(s, parseMultipathLl(MP), 'ss1');
  t.same(rest, []);
  t.match(e, { uuid: base.wwid, page83_id: base.wwid, ss_uuid: 'ss1', status: 'degraded', state: 1, device_path: '/dev/mapper/mpatha', extra_info: { portals: '10.0.0.5:3260,10.0.1.5:3260', targets: 'iqn.2026-11.test.hvi:a' } });
  t.same(e.paths.map((p) => [p.device, p.state, p.by_path?.slice(-30)]), [
    ['sdb', 'active ready running', s[0].byPath.slice(-30)],
    ['sdc', 'failed faulty running', s[1].byPath.slice(-30)],
  ]);
  t.equal(findElement([e], { page83_id: base.wwid }), e);
  t.equal(findElement([e], { name: '/dev/mapper/mpatha' }), e, 'also by device path');
  t.equal(findElement([e], { uuid: 'other' }), undefined);
});

t.test('status from the paths', async (t) => {
  const none = buildStorageElements([{ ...base, portal: '10.0.0.5:3260' }], [], 'ss1')[0];
  t.match(none, { status: 'not-logged-in', state: 2, device_path: '', access_path: '', paths: [] });
  const single = buildStorageElements([{ ...base, portal: '10.0.0.5:3260', dev: 'sdd' }], [], 'ss1')[0];
  t.match(single, { status: 'online', device_path: '/dev/sdd' });
  const offline = buildStorageElements([{ ...base, transport: 'fc', hba: 'host5', dev: 'sde', devState: 'offline' }], [], 'ss1')[0];
  t.match(offline, { status: 'offline', state: 2 });
  const allDown = MP.replace('active ready running', 'failed faulty offline');
  t.match(buildStorageElements([{ ...base, dev: 'sdb' }], parseMultipathLl(allDown), 'ss1')[0], { status: 'offline', state: 2 });
});

t.test('LUNs without a WWID stay apart per target and LUN number', async (t) => {
  const s = [
    { ...base, wwid: '', lun: 1, portal: 'p' },
    { ...base, wwid: '', lun: 2, portal: 'p' },
  ];
  const es = buildStorageElements(s, [], 'ss1');
  t.same(es.map((e) => e.uuid), ['iqn.2026-11.test.hvi:a:1', 'iqn.2026-11.test.hvi:a:2']);
});

t.test('device in use: mounted node, partition, map or a holder on the map', async (t) => {
  const { deviceBusyReason, mountSources } = await import('../../../src/core/storage/scsi/device-use.js');
  const mounts = mountSources('/dev/sdb1 /mnt/a\\040b ext4 rw 0 0\n/dev/mapper/mpathb /OVS/Repositories/r ocfs2 rw 0 0\n');
  t.equal(mounts.get('/dev/sdb1'), '/mnt/a b');
  t.equal(deviceBusyReason({ dev: 'sdb', partitions: ['sdb1'], maps: [] }, mounts), '/dev/sdb1 is mounted on /mnt/a b');
  t.equal(deviceBusyReason({ dev: 'sdc', partitions: [], maps: [{ dm: 'dm-4', name: 'mpathb', holders: [] }] }, mounts), '/dev/mapper/mpathb is mounted on /OVS/Repositories/r');
  t.equal(deviceBusyReason({ dev: 'sdd', partitions: [], maps: [{ dm: 'dm-7', name: 'mpathc', holders: ['dm-8'] }] }, mounts), '/dev/mapper/mpathc is held by dm-8');
  t.equal(deviceBusyReason({ dev: 'sde', partitions: [], maps: [{ dm: 'dm-9', name: 'mpathd', holders: [] }] }, mounts), undefined);
});
