// Repository life cycle against a temp sysroot and a fake Exec: files written, links made,
// mount/umount argv recorded, database rows, rollback on failure, and path refusals.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeHarness } from '../../helpers/repo-harness.js';
import { STATE_KEYS } from '../../../src/services/context.js';

const U1 = 'f12842ebf5ed3fe78da1eb0e17f5ede8';
const U2 = '0004fb0000030000aaaabbbbccccdddd';
const MGR = 'd1a749d4295041fb99854f52ea4dea97';
const mp = (u: string) => `/OVS/Repositories/${u}`;

t.test('directory repository in place', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.deps.hostState.set(STATE_KEYS.managerUuid, MGR);
  await h.svc.createRepository(mp(U1), mp(U1), U1, 'My repo');
  const real = path.join(h.root, mp(U1));
  t.equal(
    fs.readFileSync(path.join(real, '.ovsrepo'), 'utf8'),
    `OVS_REPO_UUID=${U1}\nOVS_REPO_ALIAS=My repo\nOVS_REPO_MGR_UUID=${MGR}\nOVS_REPO_VERSION=3.0\n`,
  );
  t.same(fs.readdirSync(real).sort(), ['.ovsrepo', 'Assemblies', 'ISOs', 'Templates', 'VirtualDisks', 'VirtualMachines']);
  t.same(h.exec.effects(), [], 'no mount for a directory');
  await t.rejects(h.svc.createRepository(mp(U1), mp(U1), U1, 'again'), { code: 'REPO_EXISTS', message: /^Repository already exists/ });

  fs.mkdirSync(path.join(real, 'VirtualMachines', 'vm1'));
  fs.writeFileSync(path.join(real, 'VirtualMachines', 'vm1', 'vm.cfg'), "name = 'vm1'\n");
  fs.writeFileSync(path.join(real, 'ISOs', 'boot.iso'), 'x');
  fs.writeFileSync(path.join(real, 'ISOs', '.boot2.iso.0123456789ab.part'), 'x');
  const xml = await h.svc.discoverRepositories(U1);
  t.match(xml, `<Repository Name="${U1}"><Version>3.0</Version><Manager_UUID>${MGR}</Manager_UUID>`);
  t.match(xml, '<VirtualMachines><VirtualMachine Name="vm1"><File>vm.cfg</File></VirtualMachine></VirtualMachines>');
  t.match(xml, '<ISOs><ISO>boot.iso</ISO></ISOs>', 'temp files of running imports are hidden');
  t.equal(await h.svc.discoverRepositories('unknown'), '<?xml version="1.0" ?><Discover_Repositories_Result><RepositoryList/></Discover_Repositories_Result>');
  const db = await h.svc.discoverRepositoryDb();
  t.match(db, `<Repository Uuid="${U1}"><Fs_location>${mp(U1)}</Fs_location><Mount_point>${mp(U1)}</Mount_point><Filesystem_type>dir</Filesystem_type>`);
  t.match(db, '<Status>Mounted</Status>');

  await h.svc.deleteRepository(U1, true);
  t.notOk(fs.existsSync(real), 'erased in place');
  t.same(h.svc.list(), []);
  await t.rejects(h.svc.deleteRepository(U1, false), { code: 'REPO_NOT_FOUND' });
});

t.test('directory elsewhere is reached through a relative link; delete keeps data, add adopts it', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  await h.svc.createRepository('/srv/repos/one', mp(U1), U1, 'one');
  const link = path.join(h.root, mp(U1));
  t.ok(fs.lstatSync(link).isSymbolicLink());
  t.equal(fs.readlinkSync(link), '../../srv/repos/one', 'relative: stays inside the sysroot');
  t.ok(fs.existsSync(path.join(h.root, 'srv/repos/one/.ovsrepo')));
  t.ok(fs.existsSync(path.join(h.root, 'srv/repos/one/VirtualDisks')));

  await h.svc.deleteRepository(U1, false);
  t.notOk(fs.existsSync(link), 'link removed');
  t.ok(fs.existsSync(path.join(h.root, 'srv/repos/one/.ovsrepo')), 'data kept');
  t.match(await h.svc.discoverRepositoryDb(), '<RepositoryDbList/>');

  await h.svc.addRepository('/srv/repos/one', mp(U1));
  t.equal(h.svc.list()[0].alias, 'one');
  await h.svc.addRepository('/srv/repos/one', mp(U1)); // idempotent
  t.equal(h.svc.list().length, 1);

  await t.rejects(h.svc.addRepository('/srv/repos/one', mp(U2)), { code: 'REPO_INVALID' }, 'the repository there is U1, not U2');
  t.notOk(fs.existsSync(path.join(h.root, mp(U2))), 'failed add left no link');

  await h.svc.deleteRepository(U1, true);
  t.same(fs.readdirSync(path.join(h.root, 'srv/repos/one')), [], 'erase removed the repository contents');
});

t.test('NFS repository goes through mount/umount argv', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const real = path.join(h.root, mp(U1));
  await h.svc.mountRepositoryFs('nas:/export/ovs', mp(U1));
  t.same(h.exec.effects(), [['mount', '-t', 'nfs', 'nas:/export/ovs', real]]);
  await h.svc.mountRepositoryFs('nas:/export/ovs', mp(U1));
  t.equal(h.exec.effects().length, 1, 'mount is idempotent');
  await h.svc.createRepository('nas:/export/ovs', mp(U1), U1, 'nfs repo');
  t.equal(h.exec.effects().length, 1, 'create on a mounted fs does not mount again');
  t.match(await h.svc.discoverRepositoryDb(), '<Filesystem_type>nfs</Filesystem_type><Version>3.0</Version><Alias>nfs repo</Alias><Manager_uuid/><Status>Mounted</Status>');
  await t.rejects(h.svc.createRepository('nas:/export/ovs', mp(U1), U1, 'x'), { code: 'REPO_EXISTS' });

  await h.svc.unmountRepositoryFs(mp(U1));
  t.same(h.exec.effects()[1], ['umount', real]);
  t.match(await h.svc.discoverRepositoryDb(), '<Status>Unmounted</Status>');
  t.match(await h.svc.discoverRepositories(''), '<RepositoryList/>', 'an unmounted repository is not listed');
  await t.rejects(h.svc.deleteRepository(U1, true), { code: 'REPO_NOT_MOUNTED' });
  await t.rejects(h.svc.createVirtualDisk(U1, 'd.img', 1024, true), { code: 'REPO_NOT_MOUNTED' });

  // The host remembers: a restarted agent mounts it again.
  const again = h.restart({ restoreAtStart: true });
  again.start();
  await again.whenRestored();
  t.same(h.exec.effects()[2], ['mount', '-t', 'nfs', 'nas:/export/ovs', real]);
  await again.deleteRepository(U1, false);
  t.same(h.exec.effects()[3], ['umount', real]);
  t.same(again.list(), []);
});

t.test('a failed mount changes nothing; a failed restore raises an event', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  h.exec.failWith.mount = { code: 32, stderr: 'mount.nfs: Connection timed out' };
  await t.rejects(h.svc.createRepository('nas:/x', mp(U1), U1, 'a'), { code: 'STORAGE_MOUNT_FAILED', message: /Connection timed out/ });
  t.same(h.svc.list(), []);
  t.notOk(fs.existsSync(path.join(h.root, mp(U1))), 'mount point dir removed again');

  delete h.exec.failWith.mount;
  await h.svc.createRepository('/dev/loop7', mp(U2), U2, 'blk');
  t.same(h.exec.effects().at(-1), ['mount', '/dev/loop7', path.join(h.root, mp(U2))]);
  await h.svc.unmountRepositoryFs(mp(U2));
  h.exec.failWith.mount = { code: 32, stderr: 'wrong fs type' };
  const again = h.restart({ restoreAtStart: true });
  again.start();
  await again.whenRestored();
  const ev = h.db.prepare("SELECT code, object, severity FROM events WHERE code = 'REPOSITORY_RESTORE_FAILED'").all();
  t.same(ev, [{ code: 'REPOSITORY_RESTORE_FAILED', object: `repository:${U2}`, severity: 'warning' }]);
});

t.test('create on a mounted fs that already holds a repository', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  await h.svc.mountRepositoryFs('nas:/x', mp(U1));
  fs.writeFileSync(path.join(h.root, mp(U1), '.ovsrepo'), `OVS_REPO_UUID=${U1}\n`);
  await t.rejects(h.svc.createRepository('nas:/x', mp(U1), U1, 'a'), { code: 'REPO_EXISTS', message: /^Repository already exists/ });
  t.equal(h.exec.effects().length, 1, 'not unmounted: this call did not mount it');
  t.equal(fs.readFileSync(path.join(h.root, mp(U1), '.ovsrepo'), 'utf8'), `OVS_REPO_UUID=${U1}\n`, 'metadata untouched');
});

t.test('add_repository refuses a repository whose uuid differs from the mount point', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  fs.mkdirSync(path.join(h.root, 'srv/r'), { recursive: true });
  fs.writeFileSync(path.join(h.root, 'srv/r/.ovsrepo'), `OVS_REPO_UUID=${U2}\nOVS_REPO_ALIAS=x\n`);
  await t.rejects(h.svc.addRepository('/srv/r', mp(U1)), { code: 'REPO_INVALID' });
  t.notOk(fs.existsSync(path.join(h.root, mp(U1))), 'link undone');
  await t.rejects(h.svc.addRepository('/srv/empty', mp(U1)), { code: 'REPO_NOT_FOUND' });
  t.notOk(fs.existsSync(path.join(h.root, 'srv/empty')), 'directory it created is removed again');
});

t.test('refusals change nothing', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const before = () => fs.readdirSync(h.root, { recursive: true }).sort();
  const snap = before();
  await t.rejects(h.svc.createRepository('/srv/a', mp(U1), U2, 'a'), { code: 'REPO_BAD_PATH' }, 'mount point names another uuid');
  await t.rejects(h.svc.createRepository('/srv/a', '/tmp/x', U1, 'a'), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.createRepository('/srv/a', mp('..'), '..', 'a'), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.createRepository('/srv/a', mp(U1), 'a/b', 'a'), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.createRepository('/srv/a', mp(U1), 'a\0', 'a'), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.createRepository('/srv/a', mp(U1), U1, 'two\nlines'), { code: 'REPO_INVALID' });
  await t.rejects(h.svc.createRepository('/etc', mp(U1), U1, 'a'), { code: 'REPO_BAD_LOCATION' });
  await t.rejects(h.svc.createRepository(mp(U2), mp(U1), U1, 'a'), { code: 'REPO_BAD_LOCATION' });
  await t.rejects(h.svc.deleteRepository('../x', true), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.mountRepositoryFs('nas:/x', '/OVS/Repositories/../etc'), { code: 'REPO_BAD_PATH' });
  t.same(before(), snap);
  t.same(h.exec.calls, []);
});

t.test('restore relinks a directory repository but never recreates a vanished location', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  await h.svc.createRepository('/srv/kept', mp(U1), U1, 'kept');
  await h.svc.createRepository('/srv/gone', mp(U2), U2, 'gone');
  fs.unlinkSync(path.join(h.root, mp(U1)));
  fs.unlinkSync(path.join(h.root, mp(U2)));
  fs.rmSync(path.join(h.root, 'srv/gone'), { recursive: true });
  const again = h.restart({ restoreAtStart: true });
  again.start();
  await again.whenRestored();
  t.equal(fs.readlinkSync(path.join(h.root, mp(U1))), '../../srv/kept', 'link made again');
  t.notOk(fs.existsSync(path.join(h.root, 'srv/gone')), 'vanished location not recreated');
  t.notOk(fs.existsSync(path.join(h.root, mp(U2))));
  const ev = h.db.prepare("SELECT object FROM events WHERE code = 'REPOSITORY_RESTORE_FAILED'").all();
  t.same(ev, [{ object: `repository:${U2}` }]);
  t.match(await again.discoverRepositoryDb(), new RegExp(`Uuid="${U2}">.*<Status>Unmounted</Status>`));
});

t.test('new directory repositories only inside storage.repositoryRoots; nothing made on a refusal', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const entries = () => fs.readdirSync(h.root).sort();
  const was = entries();
  for (const bad of ['/home/repo', '/tmp/repo', '/opt/repo', '/srv', '/poolfsmnt/p/.hvagent']) {
    await t.rejects(h.svc.createRepository(bad, mp(U1), U1, 'a'), { code: 'REPO_BAD_LOCATION', message: /outside the allowed repository roots|hidden/ }, `create ${bad}`);
    await t.rejects(h.svc.addRepository(bad, mp(U1)), { code: 'REPO_BAD_LOCATION' }, `add ${bad}`);
    await t.rejects(h.svc.mountRepositoryFs(bad, mp(U1)), { code: 'REPO_BAD_LOCATION' }, `mount ${bad}`);
  }
  t.same(entries(), was, 'no directory or link was made');
  t.same(h.exec.calls, []);
  await h.svc.createRepository('/srv/repos/one', mp(U1), U1, 'a');
  t.ok(fs.existsSync(path.join(h.root, 'srv/repos/one/.ovsrepo')), 'inside a root: created');
});
