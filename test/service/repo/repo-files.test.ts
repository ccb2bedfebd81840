// Virtual disks (file_records, holes) and copy_file (sparse keeps holes, paths confined).
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { makeHarness, onDisk } from '../../helpers/repo-harness.js';

const U = 'aaaabbbbccccddddeeeeffff00001111';
const MiB = 1024 * 1024;
const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

async function withRepo(t: { teardown(fn: () => void): void }) {
  const h = makeHarness();
  t.teardown(h.cleanup);
  await h.svc.createRepository(`/OVS/Repositories/${U}`, `/OVS/Repositories/${U}`, U, 'files');
  return h;
}

t.test('virtual disks: create, resize, list, delete', async (t) => {
  const h = await withRepo(t);
  const sparse = await h.svc.createVirtualDisk(U, 'sparse.img', 1024 * MiB, true);
  t.same({ ...sparse, ondisk_sz: 0 }, { fr_type: 'File', file_path: `/OVS/Repositories/${U}/VirtualDisks/sparse.img`, file_sz: 1024 * MiB, ondisk_sz: 0, fs_uuid: U });
  t.ok(sparse.ondisk_sz < MiB, `sparse disk allocates almost nothing (${sparse.ondisk_sz})`);
  const full = await h.svc.createVirtualDisk(U, 'full.img', 4 * MiB, false);
  t.ok(full.ondisk_sz >= 4 * MiB, `non-sparse disk is allocated (${full.ondisk_sz})`);
  await t.rejects(h.svc.createVirtualDisk(U, 'full.img', MiB, true), { code: 'REPO_FILE_EXISTS' });

  const grown = await h.svc.resizeVirtualDisk(U, 'full.img', 8 * MiB);
  t.equal(grown.file_sz, 8 * MiB);
  t.ok(grown.ondisk_sz < 8 * MiB, 'growth is a hole');
  await t.rejects(h.svc.resizeVirtualDisk(U, 'full.img', MiB), { code: 'INVALID_ARGUMENT' }, 'shrink refused');
  t.equal(fs.statSync(path.join(h.root, grown.file_path)).size, 8 * MiB, 'size unchanged by the refused shrink');

  const list = await h.svc.listFiles(U, 'VirtualDisks');
  t.same(list.map((r) => [r.file_path.split('/').pop(), r.file_sz]), [['full.img', 8 * MiB], ['sparse.img', 1024 * MiB]]);
  await t.rejects(h.svc.listFiles(U, '../etc'), { code: 'REPO_BAD_PATH' });

  await h.svc.deleteVirtualDisk(U, 'sparse.img');
  t.notOk(fs.existsSync(path.join(h.root, sparse.file_path)));
  await t.rejects(h.svc.deleteVirtualDisk(U, 'sparse.img'), { code: 'REPO_FILE_NOT_FOUND' });
});

t.test('virtual disk names and sizes are checked before anything happens', async (t) => {
  const h = await withRepo(t);
  for (const bad of ['../x.img', 'a/b.img', '..', '', 'x\0.img']) {
    await t.rejects(h.svc.createVirtualDisk(U, bad, MiB, true), { code: 'REPO_BAD_PATH' }, JSON.stringify(bad));
    await t.rejects(h.svc.deleteVirtualDisk(U, bad), { code: 'REPO_BAD_PATH' });
  }
  await t.rejects(h.svc.createVirtualDisk('../..', 'x.img', MiB, true), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.createVirtualDisk('nosuchrepo', 'x.img', MiB, true), { code: 'REPO_NOT_FOUND' });
  await t.rejects(h.svc.createVirtualDisk(U, 'x.img', 0, true), { code: 'INVALID_ARGUMENT' });
  await t.rejects(h.svc.createVirtualDisk(U, 'x.img', 1.5, true), { code: 'INVALID_ARGUMENT' });
  t.same(fs.readdirSync(path.join(h.root, `OVS/Repositories/${U}/VirtualDisks`)), []);
});

t.test('copy_file keeps holes when sparse and confines paths', async (t) => {
  const h = await withRepo(t);
  const dir = path.join(h.root, `OVS/Repositories/${U}/VirtualDisks`);
  const src = path.join(dir, 'src.img');
  const fd = fs.openSync(src, 'w');
  fs.writeSync(fd, Buffer.alloc(64 * 1024, 1), 0, 64 * 1024, 0);
  fs.writeSync(fd, Buffer.alloc(5000, 2), 0, 5000, 10 * MiB + 123);
  fs.ftruncateSync(fd, 32 * MiB);
  fs.closeSync(fd);
  const host = (n: string) => `/OVS/Repositories/${U}/VirtualDisks/${n}`;

  const jobId = await h.svc.copyFile(host('src.img'), host('sparse.img'), true, 0);
  const dst = path.join(dir, 'sparse.img');
  t.equal(fs.statSync(dst).size, 32 * MiB);
  t.equal(sha(dst), sha(src), 'same bytes');
  t.ok(onDisk(dst) < 1 * MiB, `sparse copy on disk ${onDisk(dst)} < apparent ${32 * MiB}`);
  t.equal(h.jobs.get(jobId).state, 'done');
  t.equal(h.jobs.get(jobId).progress, 1);

  await h.svc.copyFile(host('src.img'), host('full.img'), false);
  const full = path.join(dir, 'full.img');
  t.equal(sha(full), sha(src));
  t.ok(onDisk(full) >= 32 * MiB, `full copy is allocated (${onDisk(full)})`);

  await t.rejects(h.svc.copyFile('/etc/passwd', host('x.img'), true), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.copyFile(host('src.img'), '/tmp/x.img', true), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.copyFile(host('src.img'), `/OVS/Repositories/${U}/../x.img`, true), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.copyFile(host('missing.img'), host('x.img'), true), { code: 'REPO_FILE_NOT_FOUND' });
  await t.rejects(h.svc.copyFile(host('src.img'), `/OVS/Repositories/${U}/NoDir/x.img`, true), { code: 'REPO_BAD_PATH' });
  t.same(fs.readdirSync(dir).sort(), ['full.img', 'sparse.img', 'src.img'], 'no temp files left');
});

t.test('copy_file into an allowed root outside repositories', async (t) => {
  const h = makeHarness({ copyRoots: ['/var/tmp/hv'] });
  t.teardown(h.cleanup);
  fs.mkdirSync(path.join(h.root, 'var/tmp/hv'), { recursive: true });
  fs.writeFileSync(path.join(h.root, 'var/tmp/hv/a'), 'hello');
  await h.svc.copyFile('/var/tmp/hv/a', '/var/tmp/hv/b', true);
  t.equal(fs.readFileSync(path.join(h.root, 'var/tmp/hv/b'), 'utf8'), 'hello');
});

t.test('a delete and new work on the same repository never both proceed', async (t) => {
  const h = await withRepo(t);
  const [del, disk] = await Promise.allSettled([h.svc.deleteRepository(U, true), h.svc.createVirtualDisk(U, 'a.img', MiB, true)]);
  t.equal(del.status, 'fulfilled', 'delete first: it wins');
  t.match(disk, { status: 'rejected', reason: { code: 'REPO_IN_USE' } });
  t.notOk(fs.existsSync(path.join(h.root, `OVS/Repositories/${U}`)));

  await h.svc.createRepository(`/OVS/Repositories/${U}`, `/OVS/Repositories/${U}`, U, 'again');
  const [disk2, del2] = await Promise.allSettled([h.svc.createVirtualDisk(U, 'b.img', MiB, true), h.svc.deleteRepository(U, true)]);
  t.equal(disk2.status, 'fulfilled', 'disk first: it wins');
  t.match(del2, { status: 'rejected', reason: { code: 'REPO_IN_USE' } });
  t.ok(fs.existsSync(path.join(h.root, `OVS/Repositories/${U}/VirtualDisks/b.img`)));
});
