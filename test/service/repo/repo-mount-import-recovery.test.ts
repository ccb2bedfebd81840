// Crash recovery of mount_repository_fs / unmount_repository_fs and of disk/ISO imports, as the
// agent runs it at start: an intent left at each step (as a crash leaves it) is put right, an NFS
// mount through the recorded mount/umount argv, and a file is only removed when it is the import's.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeHarness, type Harness } from '../../helpers/repo-harness.js';

const U = '0004fb0000030000aaaabbbbcccc8888';
const MP = `/OVS/Repositories/${U}`;

async function crashAt(t: Test, h: Harness, kind: string, key: string, payload: Record<string, unknown>, step: string, patch?: Record<string, unknown>) {
  const i = h.deps.intents.begin(kind, key, payload);
  if (step !== 'begin') i.step(step, patch);
  const [r] = await h.deps.intents.recoverAll();
  t.same(h.deps.intents.pending(), [], 'no intent left');
  return r;
}

t.test('mount_repository_fs cut short: what it made is undone; what was there before is left', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const real = path.join(h.root, MP);
  // an NFS mount the crash left behind (nothing was at the mount point)
  fs.mkdirSync(real, { recursive: true });
  h.exec.mounted.add(real);
  const nfs = { fsLocation: 'nas:/export/ovs', mountPoint: MP, occupied: false, locationMade: false };
  t.match(await crashAt(t, h, 'repo-mount', `mount:${MP}`, nfs, 'attaching'), { outcome: 'rolled-back' });
  t.same(h.exec.effects(), [['umount', real]], 'unmounted');
  t.notOk(fs.existsSync(real), 'its mount point folder removed');
  // a directory location reached through a link it made, and the location folder it made
  fs.mkdirSync(path.join(h.root, 'data/r1'), { recursive: true });
  fs.symlinkSync('../../data/r1', real);
  const dir = { fsLocation: '/data/r1', mountPoint: MP, occupied: false, locationMade: true };
  t.match(await crashAt(t, h, 'repo-mount', `mount:${MP}`, dir, 'attaching'), { outcome: 'rolled-back' });
  t.notOk(fs.existsSync(real) || fs.existsSync(path.join(h.root, 'data/r1')), 'link and empty location folder removed');
  // something was at the mount point before: left as it is
  fs.mkdirSync(path.join(h.root, 'data/r2'), { recursive: true });
  fs.symlinkSync('../../data/r2', real);
  t.match(await crashAt(t, h, 'repo-mount', `mount:${MP}`, { ...dir, fsLocation: '/data/r2', occupied: true }, 'attaching'), { outcome: 'nothing-to-do' });
  t.equal(fs.readlinkSync(real), '../../data/r2');
});

t.test('unmount_repository_fs cut short: kept before detaching, finished after', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const real = path.join(h.root, MP);
  fs.mkdirSync(real, { recursive: true });
  h.exec.mounted.add(real);
  t.match(await crashAt(t, h, 'repo-unmount', `mount:${MP}`, { mountPoint: MP }, 'begin'), { outcome: 'rolled-back' });
  t.same(h.exec.effects(), [], 'nothing unmounted');
  t.match(await crashAt(t, h, 'repo-unmount', `mount:${MP}`, { mountPoint: MP }, 'detaching'), { outcome: 'rolled-forward' });
  t.same(h.exec.effects(), [['umount', real]]);
  t.notOk(fs.existsSync(real));
});

t.test('a disk import cut short: temp file removed; the final file only when it is the download', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const dir = `${MP}/VirtualDisks`;
  fs.mkdirSync(path.join(h.root, dir), { recursive: true });
  const tmp = `${dir}/.d.img.0123456789ab.part`;
  const final = `${dir}/d.img`;
  const realOf = (p: string) => path.join(h.root, p);
  fs.writeFileSync(realOf(tmp), 'short');
  t.match(await crashAt(t, h, 'file-import', `repository:${U}`, { tmp, final }, 'received'), { outcome: 'rolled-back', detail: /removed .*\.part/ });
  t.notOk(fs.existsSync(realOf(tmp)));
  fs.writeFileSync(realOf(final), 'whole');
  const ino = fs.statSync(realOf(final)).ino;
  fs.linkSync(realOf(final), realOf(tmp)); // cut between link and unlink of the commit
  t.match(await crashAt(t, h, 'file-import', `repository:${U}`, { tmp, final }, 'committing', { ino }), { outcome: 'rolled-back' });
  t.notOk(fs.existsSync(realOf(final)) || fs.existsSync(realOf(tmp)), 'the download is gone under both names');
  fs.writeFileSync(realOf(final), 'someone else');
  t.match(await crashAt(t, h, 'file-import', `repository:${U}`, { tmp, final }, 'committing', { ino: ino + 1000 }), { detail: 'nothing was left' });
  t.equal(fs.readFileSync(realOf(final), 'utf8'), 'someone else', 'a file that is not the download stays');
});
