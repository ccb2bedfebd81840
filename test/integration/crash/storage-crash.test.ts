// kill -9 at every step of the generic NFS plugin's file operations (storage_plugin_create,
// _clone, _destroy) on a file system the test mounts (a tmpfs where the export would be: the
// sandbox mounts no NFS), and of the OCFS2 createFileSystem on an image file, through the real
// agent. After the restart nothing half-made is left (a destroy under way is finished), an event
// says so, and the caller's retry works.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { CrashRig } from '../../helpers/crash-rig.js';
import { recovered } from '../../helpers/crash-checks.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const MANAGER = '0004fb0000020000ba9aaf00ae5e2d73';
const NFS = 'oracle.generic.NFSPlugin.GenericNFSPlugin';
const FSU = '8a8a8a8a-1b2c-4d3e-8f40-515253545556';
const MP = `/nfsmnt/${FSU}`;
const ss = { uuid: '0004fb00000900008a8a8a8a8a8a8a8a', access_host: '127.0.0.1' };
const fsRec = { uuid: FSU, access_path: '127.0.0.1:/srv/h8' };
const CREATE = ['begin', 'writing', 'committing', 'end'];
const CLONE = ['begin', 'copying', 'committing', 'end'];
const DESTROY = ['begin', 'removing', 'end'];
const SIZE = 1024 * 1024;
const OCFS2 = 'oracle.ocfs2.OCFS2.OCFS2Plugin';
const MKFS = ['begin', 'formatting', 'end'];
const MKFS_OPTS = { cluster_stack: 'o2cb', cluster_name: 'h8clus', label: 'h8pool', node_slots: 2 };
const canMkfs = spawnSync('mkfs.ocfs2', ['--version']).status === 0;

const mine = (rig: CrashRig, name: string) => rig.list(MP).filter((n) => n.includes(name));

async function createCase(rig: CrashRig, t: Test, step: string): Promise<void> {
  const name = `c-${step}.img`;
  const r = await rig.crash('storage_plugin_create', NFS, ss, fsRec, name, 'File', SIZE);
  t.ok(r.killed && !r.answered, `storage_plugin_create killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `file:${MP}/${name}`, 'rolled-back');
  t.same(mine(rig, name), [], 'neither the file nor its temp file is left');
  t.match(await rig.call('storage_plugin_create', NFS, ss, fsRec, name, 'File', SIZE), { file_path: `${MP}/${name}`, file_sz: String(SIZE) }, 'the retry created it');
}

async function cloneCase(rig: CrashRig, t: Test, step: string): Promise<void> {
  const name = `k-${step}.img`;
  const r = await rig.crash('storage_plugin_clone', NFS, ss, fsRec, { file_path: 'src.img' }, name);
  t.ok(r.killed && !r.answered, `storage_plugin_clone killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `file:${MP}/${name}`, 'rolled-back');
  t.same(mine(rig, name), [], 'neither the clone nor its temp file is left');
  await rig.call('storage_plugin_clone', NFS, ss, fsRec, { file_path: 'src.img' }, name);
  t.ok(fs.readFileSync(path.join(rig.root, MP, name)).equals(fs.readFileSync(path.join(rig.root, MP, 'src.img'))), 'the retry cloned it whole');
}

async function destroyCase(rig: CrashRig, t: Test, step: string): Promise<void> {
  const dir = `d-${step}`;
  for (let i = 0; i < 20; i++) rig.writeFile(`${MP}/${dir}/sub/f${i}`, 'x');
  const rec = { fr_type: 'Directory', file_path: dir };
  const r = await rig.crash('storage_plugin_destroy', NFS, ss, fsRec, rec);
  t.ok(r.killed && !r.answered, `storage_plugin_destroy killed at ${step}`);
  await rig.restart();
  const begun = step !== 'begin';
  recovered(rig, t, `file:${MP}/${dir}`, begun ? 'rolled-forward' : 'rolled-back');
  t.equal(rig.exists(`${MP}/${dir}`), !begun, begun ? 'the removal was finished' : 'nothing was removed yet');
  t.equal(await rig.call('storage_plugin_destroy', NFS, ss, fsRec, rec), null, 'the retry answers as done');
  t.notOk(rig.exists(`${MP}/${dir}`), 'and nothing is left');
  const again = await rig.call('storage_plugin_destroy', NFS, ss, fsRec, rec).then(() => 'answered', (e: { faultString?: string }) => e.faultString);
  t.match(again, /STORAGE_FILE_NOT_FOUND|no such file/, 'a second retry is "not found" again');
}

/** The file system type blkid finds in an image ('' when none). */
const fsType = (img: string) => spawnSync('blkid', ['-p', '-o', 'value', '-s', 'TYPE', img], { encoding: 'utf8' }).stdout.trim();

async function mkfsCase(rig: CrashRig, t: Test, step: string): Promise<void> {
  // an image file stands in for the LUN: mkfs.ocfs2 and wipefs run for real on it
  const dev = `/data/h8-${step}.img`;
  const img = path.join(rig.root, dev);
  fs.mkdirSync(path.dirname(img), { recursive: true });
  fs.writeFileSync(img, '');
  fs.truncateSync(img, 128 * SIZE);
  const r = await rig.crash('storage_plugin_createFileSystem', OCFS2, ss, {}, dev, MKFS_OPTS);
  t.ok(r.killed && !r.answered, `storage_plugin_createFileSystem killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `device:${dev}`, 'rolled-back');
  t.equal(fsType(img), '', step === 'end' ? 'the file system mkfs made was wiped' : 'no OCFS2 signature on the device');
  t.match(await rig.call('storage_plugin_createFileSystem', OCFS2, ss, {}, dev, MKFS_OPTS), { name: 'h8pool' }, 'the retry formats it without force');
  t.equal(fsType(img), 'ocfs2', 'blkid finds the new file system');
}

t.setTimeout(600_000);
t.test('kill -9 at every step of storage_plugin_create/clone/destroy and createFileSystem', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const rig = new CrashRig(t);
  const real = path.join(rig.root, MP);
  fs.mkdirSync(real, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'h8-crash-fs', real]);
  t.teardown(async () => {
    await rig.stop();
    if (spawnSync('umount', [real]).status !== 0) spawnSync('umount', ['-l', real]);
    await rig.cleanup();
  });
  fs.writeFileSync(path.join(real, 'src.img'), Buffer.alloc(SIZE, 0x33));
  await rig.start();
  await rig.call('take_ownership', MANAGER);
  // the kinds alternate (every start that checks one case is armed for the next); create and
  // clone share their kind and `begin` point, so the clone starts at its own step `copying`
  const file = (op: 'create' | 'clone', step: string): [string, string, (t: Test) => Promise<void>] =>
    [`storage-file-create:${step}`, op, (tt) => (op === 'create' ? createCase : cloneCase)(rig, tt, step)];
  const destroy = (i: number): [string, string, (t: Test) => Promise<void>] => [`storage-file-destroy:${DESTROY[i]}`, 'destroy', (tt) => destroyCase(rig, tt, DESTROY[i])];
  const mkfs = (i: number): Array<[string, string, (t: Test) => Promise<void>]> => (canMkfs ? [[`ocfs2-mkfs:${MKFS[i]}`, 'mkfs', (tt) => mkfsCase(rig, tt, MKFS[i])]] : []);
  const plan = [
    file('create', CREATE[0]), destroy(0), file('create', CREATE[1]), ...mkfs(0), file('clone', CLONE[1]), destroy(1), file('create', CREATE[2]),
    ...mkfs(1), file('clone', CLONE[2]), destroy(2), file('create', CREATE[3]), ...mkfs(2), file('clone', CLONE[3]),
  ];
  let n = 0;
  await rig.runPlan(plan.map(([p]) => p), async () => {
    const [p, op, fn] = plan[n++];
    await t.test(`${op} at ${p}`, (tt) => fn(tt));
  });
});
