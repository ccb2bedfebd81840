// copyFileSparse: holes kept (and zero blocks turned into holes) when sparse, everything
// allocated when full, no partial file left behind on abort or failure.
import t from 'tap';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyFileSparse } from '../../../src/host/sparse-copy.js';

const MiB = 1024 * 1024;

t.test('sparse and full copies', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hvagent-sparse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src.img');
  const fd = openSync(src, 'w');
  writeSync(fd, Buffer.alloc(MiB, 0), 0, MiB, 0); // written zeros: become a hole in a sparse copy
  writeSync(fd, Buffer.from('hello'), 0, 5, 10 * MiB + 3);
  ftruncateSync(fd, 32 * MiB + 123); // trailing hole and an odd size
  closeSync(fd);
  const sparse = await copyFileSparse(src, join(dir, 'a.img'), { sparse: true });
  const full = await copyFileSparse(src, join(dir, 'b.img'), { sparse: false });
  t.same(readFileSync(join(dir, 'a.img')), readFileSync(src), 'sparse copy has the same bytes');
  t.same(readFileSync(join(dir, 'b.img')), readFileSync(src), 'full copy has the same bytes');
  t.equal(sparse.size, 32 * MiB + 123);
  t.ok(sparse.written > 0 && sparse.written <= MiB, `only the block holding data was written (${sparse.written})`);
  t.equal(full.written, full.size);
  t.ok(statSync(join(dir, 'a.img')).blocks * 512 <= 2 * MiB, 'sparse copy allocates about one block');
  t.ok(statSync(join(dir, 'b.img')).blocks * 512 >= 32 * MiB, 'full copy allocates everything');
});

t.test('abort and failure leave nothing behind', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hvagent-sparse-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src.img');
  const fd = openSync(src, 'w');
  ftruncateSync(fd, 8 * MiB);
  closeSync(fd);
  const ac = new AbortController();
  await t.rejects(
    copyFileSparse(src, join(dir, 'dst.img'), { sparse: true, signal: ac.signal, onProgress: (done) => done >= 2 * MiB && ac.abort() }),
    { code: 'JOB_ABORTED' },
  );
  await t.rejects(copyFileSparse(join(dir, 'missing.img'), join(dir, 'x.img'), { sparse: true }), { code: 'HOST_IO_FAILED' });
  t.same(readdirSync(dir), ['src.img']);
});
