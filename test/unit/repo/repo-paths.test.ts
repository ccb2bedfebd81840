// Every name a caller gives becomes one path component under its repository; copy_file paths
// must lie strictly inside a known root.
import t from 'tap';
import { checkPathInside, repoFilePath, repoMetaPath } from '../../../src/core/repo/repo-paths.js';
import { checkArchiveMembers, checkArchiveTypes, planTemplateFiles } from '../../../src/core/repo/template-archive.js';

t.test('file paths', async (t) => {
  t.equal(repoFilePath('r1', 'VirtualDisks', 'd.img'), '/OVS/Repositories/r1/VirtualDisks/d.img');
  t.equal(repoMetaPath('r1'), '/OVS/Repositories/r1/.ovsrepo');
  for (const bad of ['', '.', '..', 'a/b', '../x', 'a\0b', 'x'.repeat(256)]) {
    t.throws(() => repoFilePath('r1', 'VirtualDisks', bad), { code: 'REPO_BAD_PATH' }, `name ${JSON.stringify(bad)}`);
    t.throws(() => repoFilePath(bad, 'VirtualDisks', 'd.img'), { code: 'REPO_BAD_PATH' }, `repo ${JSON.stringify(bad)}`);
  }
});

t.test('paths inside roots', async (t) => {
  const roots = ['/OVS/Repositories/r1', '/OVS/Repositories/r2'];
  t.equal(checkPathInside('src', '/OVS/Repositories/r1/VirtualDisks/a.img', roots), '/OVS/Repositories/r1/VirtualDisks/a.img');
  for (const bad of ['/OVS/Repositories/r1', '/OVS/Repositories/r1/../r3/x', '/OVS/Repositories/r10/x', '/etc/shadow', 'relative', '/OVS/Repositories/r1/a\0'])
    t.throws(() => checkPathInside('src', bad, roots), { code: 'REPO_BAD_PATH' }, bad);
});

t.test('archive members', async (t) => {
  checkArchiveMembers(['tmpl/', 'tmpl/vm.cfg', 'tmpl/System.img']);
  for (const bad of [['/etc/passwd'], ['tmpl/../../x'], ['..'], []]) t.throws(() => checkArchiveMembers(bad), { code: 'REPO_BAD_ARCHIVE' }, JSON.stringify(bad));
  checkArchiveTypes(['drwxr-xr-x root/root 0 2024-01-01 00:00 tmpl/', '-rw-r--r-- root/root 5 2024-01-01 00:00 tmpl/vm.cfg', '']);
  t.throws(() => checkArchiveTypes(['lrwxrwxrwx root/root 0 2024-01-01 00:00 tmpl/x -> /etc/shadow']), { code: 'REPO_BAD_ARCHIVE' });
  t.throws(() => checkArchiveTypes(['hrw-r--r-- root/root 0 2024-01-01 00:00 tmpl/x link to tmpl/vm.cfg']), { code: 'REPO_BAD_ARCHIVE' });
});

t.test('template placement', async (t) => {
  t.same(
    planTemplateFiles('T1', [
      { from: 's/a/vm.cfg', name: 'vm.cfg' },
      { from: 's/a/System.img', name: 'System.img' },
      { from: 's/a/README', name: 'README' },
    ]),
    [
      { from: 's/a/vm.cfg', to: 'Templates/T1/vm.cfg' },
      { from: 's/a/System.img', to: 'VirtualDisks/System.img' },
      { from: 's/a/README', to: 'Templates/T1/README' },
    ],
  );
  t.throws(() => planTemplateFiles('T1', [{ from: 'a', name: 'System.img' }]), { code: 'REPO_BAD_ARCHIVE' }, 'no vm.cfg');
  t.throws(() => planTemplateFiles('T1', [{ from: 'a', name: 'vm.cfg' }, { from: 'b', name: 'vm.cfg' }]), { code: 'REPO_BAD_ARCHIVE' }, 'two vm.cfg');
  t.throws(() => planTemplateFiles('T1', [{ from: 'a', name: 'vm.cfg' }, { from: 'b', name: 'd.img' }, { from: 'c', name: 'd.img' }]), { code: 'REPO_BAD_ARCHIVE' });
  t.throws(() => planTemplateFiles('../x', [{ from: 'a', name: 'vm.cfg' }]), { code: 'REPO_BAD_PATH' });
});
