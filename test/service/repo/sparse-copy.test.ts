// sparseCopy and SparseWriter on real files: same bytes, holes kept (on-disk size checked),
// abort and failure leave the target untouched and no temp file behind.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyFileSparse, sparseCopy, SparseWriter } from '../../../src/host/sparse-copy.js';

const MiB = 1024 * 1024;

function tmpdir(t: { teardown(fn: () => void): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-sparse-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

function writeSparse(p: string, size: number, pieces: Array<[number, Buffer]>): void {
  const fd = fs.openSync(p, 'w');
  for (const [off, b] of pieces) fs.writeSync(fd, b, 0, b.length, off);
  fs.ftruncateSync(fd, size);
  fs.closeSync(fd);
}

const blocks = (p: string) => fs.statSync(p).blocks * 512;

t.test('holes kept, bytes equal, odd sizes and unaligned data', async (t) => {
  const d = tmpdir(t);
  const src = path.join(d, 'src');
  writeSparse(src, 16 * MiB + 777, [
    [3, Buffer.from('head')],
    [5 * MiB + 4095, Buffer.alloc(10, 0xaa)],
    [16 * MiB + 700, Buffer.alloc(77, 0xbb)],
  ]);
  const seen: number[] = [];
  const r = await sparseCopy(src, path.join(d, 'dst'), { onProgress: (n) => seen.push(n), bufferSize: 300_000 });
  t.equal(r.bytes, 16 * MiB + 777);
  t.ok(fs.readFileSync(path.join(d, 'dst')).equals(fs.readFileSync(src)));
  t.ok(blocks(path.join(d, 'dst')) <= 4 * 4096, `on disk ${blocks(path.join(d, 'dst'))}`);
  t.equal(seen.at(-1), 16 * MiB + 777);
  t.same(fs.readdirSync(d).sort(), ['dst', 'src']);

  await sparseCopy(src, path.join(d, 'full'), { sparse: false });
  t.ok(blocks(path.join(d, 'full')) >= 16 * MiB, 'sparse=false allocates everything');
});

t.test('an all-hole source is not read, yet copied right', async (t) => {
  const d = tmpdir(t);
  writeSparse(path.join(d, 'src'), 64 * MiB, []);
  let calls = 0;
  await sparseCopy(path.join(d, 'src'), path.join(d, 'dst'), { onProgress: () => calls++ });
  t.equal(fs.statSync(path.join(d, 'dst')).size, 64 * MiB);
  t.equal(blocks(path.join(d, 'dst')), 0);
  t.equal(calls, 1, 'one progress report: nothing was read');
});

t.test('abort and no-clobber leave the target as it was', async (t) => {
  const d = tmpdir(t);
  const src = path.join(d, 'src');
  writeSparse(src, 8 * MiB, [[0, Buffer.alloc(8 * MiB, 1)]]);
  fs.writeFileSync(path.join(d, 'dst'), 'old');
  const ac = new AbortController();
  await t.rejects(
    sparseCopy(src, path.join(d, 'dst'), { signal: ac.signal, onProgress: (n) => n >= 2 * MiB && ac.abort(new Error('stop')) }),
    { message: 'stop' },
  );
  t.equal(fs.readFileSync(path.join(d, 'dst'), 'utf8'), 'old');
  await t.rejects(sparseCopy(src, path.join(d, 'dst'), { noClobber: true }), { code: 'REPO_FILE_EXISTS' });
  t.equal(fs.readFileSync(path.join(d, 'dst'), 'utf8'), 'old');
  t.same(fs.readdirSync(d).sort(), ['dst', 'src'], 'no temp files');
});

t.test('SparseWriter: chunks of any size, discard removes the file', async (t) => {
  const d = tmpdir(t);
  const w = await SparseWriter.create(path.join(d, 'f'));
  const data = Buffer.alloc(3 * MiB);
  data.fill(7, MiB + 5, MiB + 9);
  for (let off = 0; off < data.length; off += 12345) await w.write(data.subarray(off, off + 12345));
  t.equal(await w.finish(), data.length);
  t.ok(fs.readFileSync(path.join(d, 'f')).equals(data));
  t.ok(blocks(path.join(d, 'f')) <= 2 * 4096);
  const w2 = await SparseWriter.create(path.join(d, 'g'));
  await w2.write(Buffer.from('x'));
  await w2.discard();
  t.notOk(fs.existsSync(path.join(d, 'g')));
  await t.rejects(SparseWriter.create(path.join(d, 'f')), { code: 'EEXIST' }, 'never opens an existing file');
});

t.test('copyFileSparse (the VM area entry point): written bytes and AgentErrors', async (t) => {
  const d = tmpdir(t);
  writeSparse(path.join(d, 'src'), 8 * MiB, [[MiB, Buffer.alloc(4096, 1)]]);
  const r = await copyFileSparse(path.join(d, 'src'), path.join(d, 'dst'), { sparse: true });
  t.same(r, { size: 8 * MiB, written: 4096 });
  const full = await copyFileSparse(path.join(d, 'src'), path.join(d, 'full'), { sparse: false });
  t.same(full, { size: 8 * MiB, written: 8 * MiB });
  await t.rejects(copyFileSparse(path.join(d, 'missing'), path.join(d, 'x'), { sparse: true }), { code: 'HOST_IO_FAILED' });
  const ac = new AbortController();
  ac.abort();
  await t.rejects(copyFileSparse(path.join(d, 'src'), path.join(d, 'y'), { sparse: true, signal: ac.signal }), { code: 'JOB_ABORTED' });
  t.same(fs.readdirSync(d).sort(), ['dst', 'full', 'src']);
});
