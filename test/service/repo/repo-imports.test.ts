// Imports over HTTP from a server started here on 127.0.0.1: sparse images keep their holes,
// redirects are followed, and an aborted, failing, truncated or short download leaves no file
// under its final name; templates from .tgz archives land in Templates/<id>/ and VirtualDisks/.
import t from 'tap';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeHarness, onDisk, type Harness } from '../../helpers/repo-harness.js';
import type { JobInfo } from '../../../src/services/jobs/job-runner.js';

const U = '11112222333344445555666677778888';
const MiB = 1024 * 1024;

function sparseImage(size: number): Buffer {
  const b = Buffer.alloc(size);
  b.fill(1, 0, 64 * 1024);
  b.fill(2, 4 * MiB, 4 * MiB + 4096);
  b.fill(3, size - 4096);
  return b;
}
const IMAGE = sparseImage(8 * MiB);

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(t: { teardown(fn: () => Promise<void> | void): void }, routes: Record<string, Route>): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const r = routes[req.url ?? ''];
    if (r) r(req, res);
    else res.writeHead(404).end();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

function sendChunked(res: http.ServerResponse, body: Buffer) {
  res.writeHead(200, { 'content-length': String(body.length), 'content-type': 'application/octet-stream' });
  let off = 0;
  const pump = () => {
    while (off < body.length) {
      const ok = res.write(body.subarray(off, off + 64 * 1024));
      off += 64 * 1024;
      if (!ok) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

async function waitJob(h: Harness, id: string): Promise<JobInfo> {
  for (;;) {
    const j = h.jobs.get(id);
    if (j.state !== 'running') return j;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

async function withRepo(t: { teardown(fn: () => void): void }) {
  const h = makeHarness();
  t.teardown(h.cleanup);
  await h.svc.createRepository(`/OVS/Repositories/${U}`, `/OVS/Repositories/${U}`, U, 'imports');
  const dir = (sub: string) => path.join(h.root, `OVS/Repositories/${U}`, sub);
  return { h, dir };
}

t.test('a sparse image is imported with its holes, through a redirect', async (t) => {
  const { h, dir } = await withRepo(t);
  const base = await serve(t, {
    '/img': (_q, res) => sendChunked(res, IMAGE),
    '/go': (_q, res) => res.writeHead(302, { location: '/img' }).end(),
  });
  const id = await h.svc.startVirtualDiskImport(`${base}/go`, 'disk.img', U);
  const job = await waitJob(h, id);
  t.equal(job.state, 'done', job.error ?? '');
  t.equal(job.progress, 1);
  const p = path.join(dir('VirtualDisks'), 'disk.img');
  t.ok(fs.readFileSync(p).equals(IMAGE), 'same bytes');
  t.equal(fs.statSync(p).size, IMAGE.length);
  t.ok(onDisk(p) < IMAGE.length / 2, `on disk ${onDisk(p)} < apparent ${IMAGE.length}`);
  t.match(job.result, { fr_type: 'File', file_path: `/OVS/Repositories/${U}/VirtualDisks/disk.img`, file_sz: IMAGE.length, fs_uuid: U });
  t.same(fs.readdirSync(dir('VirtualDisks')), ['disk.img'], 'no temp file left');

  await t.rejects(h.svc.startVirtualDiskImport(`${base}/img`, 'disk.img', U), { code: 'REPO_FILE_EXISTS' }, 'never overwrites');
  const iso = await h.svc.importIso(`${base}/img`, 'boot.iso', U);
  t.equal((await waitJob(h, iso)).state, 'done');
  t.ok(fs.existsSync(path.join(dir('ISOs'), 'boot.iso')));
});

t.test('failing downloads leave nothing under the final name', async (t) => {
  const { h, dir } = await withRepo(t);
  const raw = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n' + 'x'.repeat(5000)));
  });
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => raw.close(() => r())));
  const rawUrl = `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}/short`;
  const base = await serve(t, {
    '/500': (_q, res) => res.writeHead(500).end('boom'),
    '/truncated': (_q, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write(Buffer.alloc(300000, 7), () => res.socket?.destroy());
    },
    '/loop': (_q, res) => res.writeHead(302, { location: '/loop' }).end(),
  });
  const cases: Array<[string, string, RegExp]> = [
    ['500', `${base}/500`, /STORAGE_IMPORT_FAILED: HTTP 500/],
    ['truncated (connection reset)', `${base}/truncated`, /STORAGE_(IMPORT_FAILED|SIZE_MISMATCH)/],
    ['wrong length (clean close before Content-Length)', rawUrl, /STORAGE_(IMPORT_FAILED|SIZE_MISMATCH)/],
    ['redirect loop', `${base}/loop`, /more than 5 redirects/],
    ['404', `${base}/nothing`, /HTTP 404/],
  ];
  for (const [name, url, err] of cases) {
    const job = await waitJob(h, await h.svc.startVirtualDiskImport(url, 'd.img', U));
    t.equal(job.state, 'failed', name);
    t.match(job.error, err, name);
    t.same(fs.readdirSync(dir('VirtualDisks')), [], `${name}: no file, no temp file`);
  }
  await t.rejects(h.svc.startVirtualDiskImport('ftp://127.0.0.1/x', 'd.img', U), { code: 'INVALID_ARGUMENT' });
  await t.rejects(h.svc.startVirtualDiskImport(`${base}/500`, '../d.img', U), { code: 'REPO_BAD_PATH' });
});

t.test('an aborted download is removed, and the repository is busy while it runs', async (t) => {
  const { h, dir } = await withRepo(t);
  let stalled: http.ServerResponse | undefined;
  const base = await serve(t, {
    '/stall': (_q, res) => {
      res.writeHead(200, { 'content-length': String(100 * MiB) });
      res.write(Buffer.alloc(256 * 1024, 9));
      stalled = res;
    },
  });
  const id = await h.svc.startVirtualDiskImport(`${base}/stall`, 'big.img', U);
  await until(() => stalled !== undefined && fs.readdirSync(dir('VirtualDisks')).length > 0);
  t.match(fs.readdirSync(dir('VirtualDisks'))[0], /^\.big\.img\.[0-9a-f]+\.part$/, 'data goes to a temp name');
  await t.rejects(h.svc.deleteRepository(U, true), { code: 'REPO_IN_USE' });
  await t.rejects(h.svc.startVirtualDiskImport(`${base}/stall`, 'big.img', U), { code: 'REPO_FILE_EXISTS' }, 'same target in flight');
  h.jobs.abort(id);
  const job = await waitJob(h, id);
  t.equal(job.state, 'aborted');
  t.same(fs.readdirSync(dir('VirtualDisks')), [], 'temp file removed');
  await h.svc.deleteRepository(U, true);
});

function makeArchives(): { dir: string; good: string; symlink: string; dotdot: string; absolute: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-tgz-'));
  fs.mkdirSync(path.join(dir, 'tmpl'));
  fs.writeFileSync(path.join(dir, 'tmpl/vm.cfg'), "name = 'OL7'\nmemory = 1024\n");
  const fd = fs.openSync(path.join(dir, 'tmpl/System.img'), 'w');
  fs.writeSync(fd, Buffer.alloc(4096, 5), 0, 4096, 0);
  fs.ftruncateSync(fd, 16 * MiB);
  fs.closeSync(fd);
  execFileSync('tar', ['-czf', path.join(dir, 'good.tgz'), '-C', dir, 'tmpl']);
  const py = (out: string, kind: string) =>
    execFileSync('python3', [
      '-c',
      `import tarfile,io,sys
t=tarfile.open(sys.argv[1],'w:gz')
def add(name,data=b'x',typ=tarfile.REGTYPE,link=''):
  i=tarfile.TarInfo(name); i.type=typ; i.linkname=link; i.size=len(data) if typ==tarfile.REGTYPE else 0
  t.addfile(i, io.BytesIO(data) if typ==tarfile.REGTYPE else None)
add('tmpl/vm.cfg', b"name = 'x'\\n")
k=sys.argv[2]
if k=='symlink': add('tmpl/evil.img', typ=tarfile.SYMTYPE, link='/etc/shadow')
if k=='dotdot': add('tmpl/../../evil.img')
if k=='absolute': add('/tmp/evil.img')
t.close()`,
      out,
      kind,
    ]);
  const names = { symlink: '', dotdot: '', absolute: '' };
  for (const k of Object.keys(names) as Array<keyof typeof names>) {
    names[k] = path.join(dir, `${k}.tgz`);
    py(names[k], k);
  }
  return { dir, good: path.join(dir, 'good.tgz'), ...names };
}

t.test('templates from .tgz archives and plain files', async (t) => {
  const { h, dir } = await withRepo(t);
  const a = makeArchives();
  t.teardown(() => fs.rmSync(a.dir, { recursive: true, force: true }));
  const file = (p: string): Route => (_q, res) => sendChunked(res, fs.readFileSync(p));
  const base = await serve(t, {
    '/good.tgz': file(a.good),
    '/symlink.tgz': file(a.symlink),
    '/dotdot.tgz': file(a.dotdot),
    '/absolute.tgz': file(a.absolute),
    '/vm.cfg': (_q, res) => res.end("name = 'plain'\n"),
    '/Plain.img': (_q, res) => sendChunked(res, IMAGE),
  });

  const job = await waitJob(h, await h.svc.importTemplate(U, 'T1', [`${base}/good.tgz`]));
  t.equal(job.state, 'done', job.error ?? '');
  t.equal(fs.readFileSync(path.join(dir('Templates'), 'T1/vm.cfg'), 'utf8'), "name = 'OL7'\nmemory = 1024\n");
  const img = path.join(dir('VirtualDisks'), 'System.img');
  t.equal(fs.statSync(img).size, 16 * MiB);
  t.ok(onDisk(img) < 1 * MiB, `template image stays sparse (${onDisk(img)})`);
  t.same(fs.readdirSync(dir('Templates')), ['T1'], 'no staging left');
  t.match(await h.svc.discoverRepositories(U), '<Templates><Template Name="T1"><File>vm.cfg</File></Template></Templates>');
  await t.rejects(h.svc.importTemplate(U, 'T1', [`${base}/good.tgz`]), { code: 'REPO_FILE_EXISTS' });

  const plain = await waitJob(h, await h.svc.importTemplate(U, 'T2', [`${base}/vm.cfg`, `${base}/Plain.img`]));
  t.equal(plain.state, 'done', plain.error ?? '');
  t.ok(fs.existsSync(path.join(dir('Templates'), 'T2/vm.cfg')));
  t.ok(fs.readFileSync(path.join(dir('VirtualDisks'), 'Plain.img')).equals(IMAGE));

  const clash = await waitJob(h, await h.svc.importTemplate(U, 'T3', [`${base}/good.tgz`]));
  t.equal(clash.state, 'failed', 'System.img already in VirtualDisks');
  t.match(clash.error, /REPO_FILE_EXISTS/);

  for (const bad of ['symlink', 'dotdot', 'absolute']) {
    const j = await waitJob(h, await h.svc.importTemplate(U, `B-${bad}`, [`${base}/${bad}.tgz`]));
    t.equal(j.state, 'failed', bad);
    t.match(j.error, /REPO_BAD_ARCHIVE/, bad);
  }
  t.same(fs.readdirSync(dir('Templates')).sort(), ['T1', 'T2'], 'failed imports left nothing');
  t.same(fs.readdirSync(dir('VirtualDisks')).sort(), ['Plain.img', 'System.img']);
  t.notOk(fs.existsSync(path.join(h.root, 'OVS/Repositories/evil.img')) || fs.existsSync(path.join(h.root, 'evil.img')));
  await t.rejects(h.svc.importTemplate(U, '../T', [`${base}/good.tgz`]), { code: 'REPO_BAD_PATH' });
  await t.rejects(h.svc.importTemplate(U, 'T9', [`${base}/..%2Fx.img`]), { code: 'REPO_BAD_PATH' });
});

t.test('a server that stops sending times out; credentials never reach the job record', async (t) => {
  const h = makeHarness({ http: { idleTimeoutMs: 100 } });
  t.teardown(h.cleanup);
  await h.svc.createRepository(`/OVS/Repositories/${U}`, `/OVS/Repositories/${U}`, U, 'timeouts');
  const base = await serve(t, {
    '/stall': (_q, res) => {
      res.writeHead(200, { 'content-length': '1000000' });
      res.write(Buffer.alloc(1000, 1));
    },
  });
  const url = base.replace('http://', 'http://admin:s3cret@') + '/stall';
  const id = await h.svc.startVirtualDiskImport(url, 'slow.img', U);
  const job = await waitJob(h, id);
  t.equal(job.state, 'failed');
  t.match(job.error, /^TIMEOUT: no data from http:\/\/127\.0\.0\.1:\d+\/stall for 100 ms$/);
  t.notMatch(JSON.stringify(job), /s3cret/, 'password not in the job record');
  t.same(fs.readdirSync(path.join(h.root, `OVS/Repositories/${U}/VirtualDisks`)), []);
});

t.test('two imports to one name at once: one runs, the other is refused', async (t) => {
  const { h, dir } = await withRepo(t);
  const base = await serve(t, { '/img': (_q, res) => sendChunked(res, IMAGE) });
  const r = await Promise.allSettled([h.svc.startVirtualDiskImport(`${base}/img`, 'same.img', U), h.svc.startVirtualDiskImport(`${base}/img`, 'same.img', U)]);
  t.equal(r.filter((x) => x.status === 'fulfilled').length, 1);
  t.match(r.find((x) => x.status === 'rejected'), { reason: { code: 'REPO_FILE_EXISTS' } });
  const ok = r.find((x) => x.status === 'fulfilled') as PromiseFulfilledResult<string>;
  t.equal((await waitJob(h, ok.value)).state, 'done');
  t.same(fs.readdirSync(dir('VirtualDisks')), ['same.img']);
});
