// Crash recovery of the file-system plugins, as the agent runs it at start: the intent a crash
// left at each step of an NFS mount, an OCFS2 mount or mkfs, a file create/clone or destroy is
// rolled forward or back, against a fake mount table and recorded ocfs2-tools calls.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeKit, type Kit } from '../../helpers/service-kit.js';
import { createNfsPlugin } from '../../../src/services/storage/plugins/nfs/nfs-plugin.js';
import { createOcfs2Plugin } from '../../../src/services/storage/plugins/ocfs2/ocfs2-plugin.js';
import { MountedFiles } from '../../../src/services/storage/plugins/mounted-files.js';
import type { Mounter } from '../../../src/host/mounter.js';
import type { Ocfs2Tools } from '../../../src/host/storage/ocfs2-tools.js';
import type { MountEntry } from '../../../src/core/discovery/host-info.js';
import type { NfsProbe } from '../../../src/host/storage/nfs-probe.js';

const FSU = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const MP = `/nfsmnt/${FSU}`;
const SOURCE = 'filer1:/srv/vms';

function rig(t: { teardown(fn: () => void): void }) {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const table: MountEntry[] = [];
  const calls: string[] = [];
  const mounter: Mounter = {
    mount: async () => void calls.push('mount'),
    unmount: async (dir) => void calls.push(`unmount ${dir}`),
    isMounted: async () => false,
  };
  const tools = { wipe: async (dev: string) => void calls.push(`wipe ${dev}`) } as unknown as Ocfs2Tools;
  const mounts = async () => [...table];
  createNfsPlugin({ fs: kit.fs, mounter, probe: {} as NfsProbe, mounts, statvfs: async () => ({ size: 0, free: 0 }), probeTimeoutMs: 1000, intents: kit.intents });
  createOcfs2Plugin({ fs: kit.fs, mounter, mounts, tools, commandTimeoutMs: 1000, statvfs: async () => ({ size: 0, free: 0 }), intents: kit.intents, clusterOnline: async () => true });
  const real = (p: string) => path.join(kit.sysroot, p);
  return { kit, table, calls, real };
}

/** An intent left at `step` as a crash would leave it; then the start-up recovery. */
async function crashAt(t: Test, kit: Kit, kind: string, key: string, payload: unknown, step: string) {
  const i = kit.intents.begin(kind, key, payload);
  if (step !== 'begin') i.step(step);
  const [r] = await kit.intents.recoverAll();
  t.same(kit.intents.pending(), [], 'no intent left');
  return r;
}

t.test('NFS mount cut short between mount and stamp: the stamp is written (rolled forward)', async (t) => {
  const { kit, table, real } = rig(t);
  fs.mkdirSync(real(MP), { recursive: true });
  table.push({ device: SOURCE, dir: MP, type: 'nfs', options: 'rw' });
  const r = await crashAt(t, kit, 'nfs-mount', `mount:${MP}`, { mp: MP, created: true, uuid: FSU, source: SOURCE }, 'stamping');
  t.match(r, { outcome: 'rolled-forward', detail: /wrote the .generic_fs_stamp/ });
  t.equal(fs.readFileSync(real(`${MP}/.generic_fs_stamp`), 'utf8'), `uuid=${FSU}\naccess_path=${SOURCE}\n`);
});

t.test('NFS mount cut short before the kernel had it: the folder it made is removed', async (t) => {
  const { kit, real, calls } = rig(t);
  fs.mkdirSync(real(MP), { recursive: true });
  const r = await crashAt(t, kit, 'nfs-mount', `mount:${MP}`, { mp: MP, created: true, uuid: FSU, source: SOURCE }, 'mounting');
  t.match(r, { outcome: 'rolled-back' });
  t.notOk(fs.existsSync(real(MP)));
  t.same(calls, [], 'nothing unmounted');
});

t.test('NFS mount: a folder that was there stays; another export at the mount point is left alone', async (t) => {
  const { kit, real, table, calls } = rig(t);
  fs.mkdirSync(real(MP), { recursive: true });
  t.match(await crashAt(t, kit, 'nfs-mount', `mount:${MP}`, { mp: MP, created: false, uuid: FSU, source: SOURCE }, 'mounting'), { outcome: 'rolled-back' });
  t.ok(fs.existsSync(real(MP)), 'the folder that was there before stays');
  table.push({ device: 'other:/x', dir: MP, type: 'nfs', options: 'rw' });
  t.match(await crashAt(t, kit, 'nfs-mount', `mount:${MP}`, { mp: MP, created: true, uuid: FSU, source: SOURCE }, 'stamping'), { outcome: 'nothing-to-do' });
  t.notOk(fs.existsSync(real(`${MP}/.generic_fs_stamp`)), 'no stamp written into another export');
  t.same(calls, []);
});

t.test('NFS mount whose stamp cannot be written at recovery: unmounted, as the call would have', async (t) => {
  const { kit, table, real, calls } = rig(t);
  fs.mkdirSync(real(MP), { recursive: true });
  fs.mkdirSync(real(`${MP}/.generic_fs_stamp`)); // a directory in the way: the write fails
  table.push({ device: SOURCE, dir: MP, type: 'nfs', options: 'ro' });
  const r = await crashAt(t, kit, 'nfs-mount', `mount:${MP}`, { mp: MP, created: false, uuid: FSU, source: SOURCE }, 'stamping');
  t.match(r, { outcome: 'rolled-back' });
  t.same(calls, [`unmount ${real(MP)}`]);
});

t.test('OCFS2: a mount the kernel has is kept, one it lacks loses its folder; mkfs under way is wiped', async (t) => {
  const { kit, table, real, calls } = rig(t);
  const mp = '/poolfsmnt/p1';
  fs.mkdirSync(real(mp), { recursive: true });
  table.push({ device: '/dev/sdz', dir: mp, type: 'ocfs2', options: 'rw' });
  t.match(await crashAt(t, kit, 'ocfs2-mount', `mount:${mp}`, { mp, created: true }, 'mounting'), { outcome: 'rolled-forward' });
  t.ok(fs.existsSync(real(mp)));
  table.length = 0;
  t.match(await crashAt(t, kit, 'ocfs2-mount', `mount:${mp}`, { mp, created: true }, 'mounting'), { outcome: 'rolled-back' });
  t.notOk(fs.existsSync(real(mp)));
  t.match(await crashAt(t, kit, 'ocfs2-mkfs', 'device:/dev/sdz', { device: '/dev/sdz' }, 'begin'), { outcome: 'rolled-back', detail: /had not started/ });
  t.same(calls, [], 'nothing wiped before mkfs began');
  t.match(await crashAt(t, kit, 'ocfs2-mkfs', 'device:/dev/sdz', { device: '/dev/sdz' }, 'formatting'), { outcome: 'rolled-back', detail: /wiped/ });
  t.same(calls, [`wipe ${real('/dev/sdz')}`]);
});

t.test('a file create/clone cut short: the temp file goes; the final name only if it is the same file', async (t) => {
  const { kit, real } = rig(t);
  new MountedFiles(kit.fs, kit.intents);
  fs.mkdirSync(real(MP), { recursive: true });
  const tmp = real(`${MP}/.a.img.0123456789ab.part`);
  const final = real(`${MP}/a.img`);
  fs.writeFileSync(tmp, 'half');
  t.match(await crashAt(t, kit, 'storage-file-create', `file:${MP}/a.img`, { tmp, final }, 'writing'), { outcome: 'rolled-back', detail: /removed .*\.part/ });
  t.notOk(fs.existsSync(tmp));
  // committed: the final name holds this call's file (the temp file's inode)
  fs.writeFileSync(final, 'whole');
  const ino = fs.statSync(final).ino;
  const i = kit.intents.begin('storage-file-create', `file:${MP}/a.img`, { tmp, final });
  i.step('committing', { ino } as never);
  await kit.intents.recoverAll();
  t.notOk(fs.existsSync(final), 'its own file under the final name is removed');
  // a file someone else put under the final name (another inode) is never removed
  fs.writeFileSync(final, 'not ours');
  const j = kit.intents.begin('storage-file-create', `file:${MP}/a.img`, { tmp, final });
  j.step('committing', { ino: ino + 1000 } as never);
  await kit.intents.recoverAll();
  t.equal(fs.readFileSync(final, 'utf8'), 'not ours');
});

t.test('a destroy cut short: kept before removing began, finished after; its retry answers once', async (t) => {
  const { kit, real } = rig(t);
  new MountedFiles(kit.fs, kit.intents);
  const dir = real(`${MP}/d`);
  fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'sub/f'), 'x');
  t.match(await crashAt(t, kit, 'storage-file-destroy', `file:${MP}/d`, { real: dir }, 'begin'), { outcome: 'rolled-back' });
  t.ok(fs.existsSync(dir), 'nothing removed');
  t.match(await crashAt(t, kit, 'storage-file-destroy', `file:${MP}/d`, { real: dir }, 'removing'), { outcome: 'rolled-forward' });
  t.notOk(fs.existsSync(dir), 'the removal was finished');
  const gone = new Error('gone');
  t.doesNotThrow(() => kit.intents.retriedDelete('storage-file-destroy', `file:${MP}/d`, gone), 'the retry answers as done');
  t.throws(() => kit.intents.retriedDelete('storage-file-destroy', `file:${MP}/d`, gone), gone, 'once');
});
