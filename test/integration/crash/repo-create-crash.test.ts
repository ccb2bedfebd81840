// kill -9 at every step of create_repository, add_repository and create_virtual_disk, through
// the real agent: after the restart the change is undone, the database and the files agree,
// an event says so, and the caller's retry succeeds.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { CrashRig } from '../../helpers/crash-rig.js';
import { recovered } from '../../helpers/crash-checks.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const MANAGER = '0004fb0000020000ba9aaf00ae5e2d73';
const R = (n: number) => `0004fb000003000011111111111111${String(n).padStart(2, '0')}`;
const mp = (u: string) => `/OVS/Repositories/${u}`;
const DISKS = R(50);

const CREATE = ['begin', 'attached', 'write-meta', 'meta-written', 'subdirs-made', 'end'];
const DISK = ['begin', 'committing', 'end'];
const ADD = ['begin', 'attached', 'end'];

async function createCase(rig: CrashRig, t: Test, i: number, step: string): Promise<void> {
  const u = R(i);
  const r = await rig.crash('create_repository', `/data/c${i}`, mp(u), u, `repo ${i}`);
  t.ok(r.killed && !r.answered, `create_repository killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `repository:${u}`, 'rolled-back');
  t.same(rig.query('SELECT uuid FROM repositories WHERE uuid = ?', u), [], 'no row');
  t.notOk(rig.exists(`/data/c${i}/.ovsrepo`), 'no metadata file');
  t.notOk(rig.exists(mp(u)), 'nothing at the mount point');
  await rig.call('create_repository', `/data/c${i}`, mp(u), u, `repo ${i}`);
  t.ok(rig.exists(`/data/c${i}/.ovsrepo`) && rig.exists(`/data/c${i}/VirtualDisks`), 'the retry created the repository');
}

async function diskCase(rig: CrashRig, t: Test, i: number, step: string): Promise<void> {
  const name = `disk${i}.img`;
  const r = await rig.crash('create_virtual_disk', DISKS, name, 4 * 1024 * 1024, true);
  t.ok(r.killed && !r.answered, `create_virtual_disk killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `repository:${DISKS}`, 'rolled-back');
  t.same(rig.list('/data/disks/VirtualDisks').filter((n) => n.includes(name)), [], 'neither the disk nor a temp file is left');
  await rig.call('create_virtual_disk', DISKS, name, 4 * 1024 * 1024, true);
  t.ok(rig.exists(`/data/disks/VirtualDisks/${name}`), 'the retry created the disk');
}

async function addCase(rig: CrashRig, t: Test, i: number, step: string): Promise<void> {
  // a repository made by hand at /data/a<i> (metadata and folders), adopted with add_repository
  const u = R(20 + i);
  rig.writeFile(`/data/a${i}/.ovsrepo`, `OVS_REPO_UUID=${u}\nOVS_REPO_VERSION=3.0\nOVS_REPO_MGR_UUID=${MANAGER}\nOVS_REPO_ALIAS=adopted\n`);
  const r = await rig.crash('add_repository', `/data/a${i}`, mp(u));
  t.ok(r.killed && !r.answered, `add_repository killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `repository:${mp(u)}`, 'rolled-back');
  t.same(rig.query('SELECT uuid FROM repositories WHERE uuid = ?', u), [], 'no row');
  t.notOk(rig.exists(mp(u)), 'nothing at the mount point');
  t.ok(rig.exists(`/data/a${i}/.ovsrepo`), 'the repository itself untouched');
  await rig.call('add_repository', `/data/a${i}`, mp(u));
  t.equal(rig.query('SELECT uuid FROM repositories WHERE uuid = ?', u).length, 1, 'the retry adopted it');
}

t.setTimeout(600_000);
t.test('kill -9 at every step of create/add_repository and create_virtual_disk', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const rig = new CrashRig(t);
  t.teardown(() => rig.cleanup());
  await rig.start();
  await rig.call('take_ownership', MANAGER);
  await rig.call('create_repository', '/data/disks', mp(DISKS), DISKS, 'disks');
  // create, then a disk or an add: consecutive points are of different kinds
  const plan: Array<[string, (t: Test) => Promise<void>]> = [];
  CREATE.forEach((step, i) => {
    plan.push([`repo-create:${step}`, (tt) => createCase(rig, tt, i, step)]);
    if (i < DISK.length) plan.push([`disk-create:${DISK[i]}`, (tt) => diskCase(rig, tt, i, DISK[i])]);
    else plan.push([`repo-add:${ADD[i - DISK.length]}`, (tt) => addCase(rig, tt, i, ADD[i - DISK.length])]);
  });
  let n = 0;
  await rig.runPlan(plan.map(([p]) => p), async () => {
    const [p, fn] = plan[n++];
    await t.test(p, (tt) => fn(tt));
  });
});
