// fs_location and mount-point parsing, and the mount argv built from them.
import t from 'tap';
import { DEFAULT_REPOSITORY_ROOTS, isMountedArgv, isRepositoryRoot, mountArgv, parseFsLocation, parseMountPoint, repoMountPointToId, umountArgv } from '../../../src/core/repo/fs-location.js';

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

t.test('with allowed roots: a new directory repository only strictly inside one of them', async (t) => {
  const roots = DEFAULT_REPOSITORY_ROOTS;
  t.same([...roots], ['/OVS/Repositories', '/nfsmnt', '/poolfsmnt', '/srv', '/data']);
  for (const ok of ['/OVS/Repositories/abc', '/nfsmnt/fs1/repo', '/poolfsmnt/p1/repos/r1', '/srv/repo1', '/data/primary']) {
    t.same(parseFsLocation(ok, roots), { kind: 'dir', path: ok }, ok);
  }
  for (const bad of ['/srv', '/data', '/nfsmnt', '/home/x', '/tmp/repo', '/opt/r', '/mnt/r', '/var/tmp/r', '/srvx/r', '/poolfsmnt/p1/.hvagent/ha', '/data/.hidden/r', '/root/r', '/var/spool/cron']) {
    t.throws(() => parseFsLocation(bad, roots), { code: 'REPO_BAD_LOCATION' }, bad);
  }
  t.throws(() => parseFsLocation('/home/x', roots), { message: /outside the allowed repository roots .*storage\.repositoryRoots/ });
  t.same(parseFsLocation('/home/x'), { kind: 'dir', path: '/home/x' }, 'without roots (a repository the host already has): only the fixed refusals');
  t.throws(() => parseFsLocation('/etc/r', ['/etc']), { code: 'REPO_BAD_LOCATION' }, 'a configured root never lifts the fixed refusals');
  t.same(parseFsLocation('nas:/export', roots), { kind: 'nfs', host: 'nas', export: '/export', source: 'nas:/export' }, 'NFS and devices are not directories');
  t.ok(isRepositoryRoot('/srv/vm'));
  for (const bad of ['/', 'srv', '/srv/', '/srv/../etc', '']) t.notOk(isRepositoryRoot(bad), bad);
});
