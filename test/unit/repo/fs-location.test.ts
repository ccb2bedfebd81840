// fs_location and mount-point parsing, and the mount argv built from them.
import t from 'tap';
import { isMountedArgv, mountArgv, parseFsLocation, parseMountPoint, repoMountPointToId, umountArgv } from '../../../src/core/repo/fs-location.js';

t.test('accepted locations', async (t) => {
  const table: Array<[string, unknown]> = [
    ['/srv/repo1', { kind: 'dir', path: '/srv/repo1' }],
    ['/srv/repo1/', { kind: 'dir', path: '/srv/repo1' }],
    ['/OVS/Repositories/abc', { kind: 'dir', path: '/OVS/Repositories/abc' }],
    ['cs-mgmt:/volumes/cs-data/primary/ovm', { kind: 'nfs', host: 'cs-mgmt', export: '/volumes/cs-data/primary/ovm', source: 'cs-mgmt:/volumes/cs-data/primary/ovm' }],
    ['192.168.1.10:/export', { kind: 'nfs', host: '192.168.1.10', export: '/export', source: '192.168.1.10:/export' }],
    ['[fd00::1]:/export/x', { kind: 'nfs', host: '[fd00::1]', export: '/export/x', source: '[fd00::1]:/export/x' }],
    ['/dev/sdb1', { kind: 'block', device: '/dev/sdb1' }],
    ['/dev/mapper/vg-repo', { kind: 'block', device: '/dev/mapper/vg-repo' }],
  ];
  for (const [input, want] of table) t.same(parseFsLocation(input), want, input);
});

t.test('refused locations', async (t) => {
  const table = ['', 'relative/dir', '/', '/OVS', '/OVS/Repositories', '/etc/x', '/proc', '/srv/../etc', '/srv/./x', '/dev/', '/dev/../etc/passwd', 'host:relative', 'bad host:/x', '-o:/x', '/srv/a\0b', '/srv/a\nb', '/var/lib/hvagent/db'];
  for (const input of table) t.throws(() => parseFsLocation(input), { code: 'REPO_BAD_LOCATION' }, JSON.stringify(input));
});

t.test('mount points', async (t) => {
  t.same(parseMountPoint('/OVS/Repositories/abc'), { path: '/OVS/Repositories/abc', root: '/OVS/Repositories', name: 'abc' });
  t.same(parseMountPoint('/nfsmnt/abc/'), { path: '/nfsmnt/abc', root: '/nfsmnt', name: 'abc' });
  t.equal(repoMountPointToId('/OVS/Repositories/abc'), 'abc');
  for (const bad of ['/OVS/Repositories', '/OVS/Repositories/a/b', '/OVS/Repositories/..', '/tmp/x', 'OVS/Repositories/a', '/OVS/Repositories/a\0'])
    t.throws(() => parseMountPoint(bad), { code: 'REPO_BAD_PATH' }, bad);
  t.throws(() => repoMountPointToId('/nfsmnt/abc'), { code: 'REPO_BAD_PATH' });
});

t.test('argv', async (t) => {
  const nfs = parseFsLocation('h:/e');
  if (nfs.kind === 'dir') throw new Error('unexpected');
  t.same(mountArgv(nfs, '/OVS/Repositories/r'), ['mount', '-t', 'nfs', 'h:/e', '/OVS/Repositories/r']);
  t.same(mountArgv(nfs, '/m', ['vers=3', 'ro']), ['mount', '-t', 'nfs', '-o', 'vers=3,ro', 'h:/e', '/m']);
  t.same(mountArgv({ kind: 'block', device: '/dev/loop3' }, '/m'), ['mount', '/dev/loop3', '/m']);
  t.same(umountArgv('/m'), ['umount', '/m']);
  t.same(umountArgv('/m', true), ['umount', '-f', '/m']);
  t.same(isMountedArgv('/m'), ['mountpoint', '-q', '/m']);
});

t.test('repositories never go where the host keeps its state, logs, spools or root home', async (t) => {
  for (const p of ['/root', '/root/repo', '/var/spool/cron', '/var/log/hvagent', '/var/lib/hvagent', '/var/lib', '/var/cache/x', '/var']) {
    t.throws(() => parseFsLocation(p), { code: 'REPO_BAD_LOCATION' }, p);
  }
  t.same(parseFsLocation('/srv/repos/one'), { kind: 'dir', path: '/srv/repos/one' });
});
