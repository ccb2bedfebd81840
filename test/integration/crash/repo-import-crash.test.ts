// kill -9 at every step of import_virtual_disk / import_ISO and of mount_repository_fs /
// unmount_repository_fs, through the real agent: after the restart no temp file and no short
// file is left, the mount point is as before (or as asked), an event says so, and the retry works.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { spawnSync } from 'node:child_process';
import { CrashRig } from '../../helpers/crash-rig.js';
import { recovered } from '../../helpers/crash-checks.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const MANAGER = '0004fb0000020000ba9aaf00ae5e2d73';
const REPO = '0004fb00000300008888888888888888';
const M = (n: number) => `0004fb000003000088888888888888${String(n).padStart(2, '0')}`;
const mp = (u: string) => `/OVS/Repositories/${u}`;
const IMPORT = ['begin', 'downloading', 'received', 'committing', 'end'];
const MOUNT = ['begin', 'attaching', 'end'];
const UNMOUNT = ['begin', 'detaching', 'end'];
// 1 MiB of non-zero bytes (no holes), sent in 64 KiB writes: the temp file grows chunk by chunk.
const BODY = Buffer.alloc(1024 * 1024, 0x5a);

async function serve(t: Test): Promise<string> {
  const srv = http.createServer((_q, res) => {
    res.writeHead(200, { 'Content-Length': BODY.length });
    for (let o = 0; o < BODY.length; o += 65536) res.write(BODY.subarray(o, o + 65536));
    res.end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/disk.img`;
}

async function waitJob(rig: CrashRig, job: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const j = (await rig.call('get_job', job)) as { state: string };
    if (j.state !== 'running') return;
    await new Promise((res) => setTimeout(res, 25));
  }
}

async function importCase(rig: CrashRig, t: Test, url: string, step: string, iso: boolean): Promise<void> {
  const sub = iso ? 'ISOs' : 'VirtualDisks';
  const id = `${iso ? 'cd' : 'disk'}-${step}.${iso ? 'iso' : 'img'}`;
  const r = await rig.crash(iso ? 'import_ISO' : 'import_virtual_disk', url, id, REPO, {});
  // import_ISO answers with its job id at once; import_virtual_disk only once the disk is there
  t.ok(r.killed && (iso || !r.answered), `${iso ? 'import_ISO' : 'import_virtual_disk'} killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `repository:${REPO}`, 'rolled-back');
  // from `received` on a short temp file, a whole one, or the final file was there to remove
  const [ev] = rig.query<{ message: string }>("SELECT message FROM events WHERE code = 'INTENT_RECOVERED' ORDER BY id DESC LIMIT 1");
  t.match(ev?.message, IMPORT.indexOf(step) >= 2 ? `removed /OVS/Repositories/${REPO}/${sub}/` : 'nothing was left', ev?.message);
  t.same(rig.list(`/data/imp/${sub}`).filter((n) => n.includes(id)), [], 'neither the file nor its temp file is left');
  t.notOk(rig.query("SELECT id FROM jobs WHERE state = 'running'").length, 'no job is left running');
  if (iso) await waitJob(rig, (await rig.call('import_ISO', url, id, REPO, {})) as string);
  else t.equal(await rig.call('import_virtual_disk', url, id, REPO, {}), null, 'the retry answers once the disk is there');
  const got = fs.readFileSync(path.join(rig.root, `data/imp/${sub}`, id));
  t.ok(got.equals(BODY), 'the retry imported the whole file');
}

async function mountCase(rig: CrashRig, t: Test, i: number, step: string): Promise<void> {
  const u = M(i);
  const r = await rig.crash('mount_repository_fs', `/data/m${i}`, mp(u));
  t.ok(r.killed && !r.answered, `mount_repository_fs killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `mount:${mp(u)}`, 'rolled-back');
  t.notOk(rig.list('/OVS/Repositories').includes(u), 'nothing at the mount point');
  t.notOk(rig.exists(`/data/m${i}`), 'the location folder it made is gone');
  await rig.call('mount_repository_fs', `/data/m${i}`, mp(u));
  t.equal(fs.readlinkSync(path.join(rig.root, mp(u))), `../../data/m${i}`, 'the retry linked it');
}

async function unmountCase(rig: CrashRig, t: Test, i: number, step: string): Promise<void> {
  const u = M(20 + i);
  await rig.call('mount_repository_fs', `/data/u${i}`, mp(u));
  const r = await rig.crash('unmount_repository_fs', mp(u));
  t.ok(r.killed && !r.answered, `unmount_repository_fs killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `mount:${mp(u)}`, step === 'begin' ? 'rolled-back' : 'rolled-forward');
  t.equal(rig.list('/OVS/Repositories').includes(u), step === 'begin', step === 'begin' ? 'nothing was detached yet' : 'the unmount was finished');
  await rig.call('unmount_repository_fs', mp(u));
  t.notOk(rig.list('/OVS/Repositories').includes(u), 'the retry leaves nothing at the mount point');
  t.ok(rig.exists(`/data/u${i}`), 'the location itself is untouched');
}

t.setTimeout(600_000);
t.test('kill -9 at every step of the imports and of mount/unmount_repository_fs', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const url = await serve(t);
  const rig = new CrashRig(t);
  t.teardown(() => rig.cleanup());
  await rig.start();
  await rig.call('take_ownership', MANAGER);
  await rig.call('create_repository', '/data/imp', mp(REPO), REPO, 'imports');
  // consecutive points are of different kinds: the start that checks one case is armed for the next
  const plan: Array<[string, (t: Test) => Promise<void>]> = [];
  IMPORT.forEach((step, i) => {
    plan.push([`file-import:${step}`, (tt) => importCase(rig, tt, url, step, false)]);
    if (i < MOUNT.length) plan.push([`repo-mount:${MOUNT[i]}`, (tt) => mountCase(rig, tt, i, MOUNT[i])]);
  });
  UNMOUNT.forEach((step, i) => {
    plan.push([`repo-unmount:${step}`, (tt) => unmountCase(rig, tt, i, step)]);
    if (i === 0) plan.push(['file-import:received', (tt) => importCase(rig, tt, url, 'received', true)]);
  });
  let n = 0;
  await rig.runPlan(plan.map(([p]) => p), async () => {
    const [p, fn] = plan[n++];
    await t.test(p, (tt) => fn(tt));
  });
});
