// The OCFS2 plugin for real on a loop device: mkfs.ocfs2 with the options a manager sends,
// read back by mounted.ocfs2 -d and tunefs.ocfs2 -Q (the plugin's and independently), refusal
// to re-format without force, mount refused while the cluster is offline, destroy.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeKit } from '../../helpers/service-kit.js';
import { Registry } from '../../../src/rpc/registry.js';
import { injector } from '../../helpers/inject.js';
import { failure } from '../../helpers/failure.js';
import { FakeExec } from '../../helpers/fake-exec.js';
import { onExitSync } from '../../helpers/ganesha-harness.js';
import { HostExec } from '../../../src/host/exec.js';
import { ExecMounter } from '../../../src/host/mounter.js';
import { buildStorageService } from '../../../src/services/storage/storage-feature.js';
import { storageMethods } from '../../../src/rpc/methods/storage.js';
import { OCFS2_PLUGIN_NAME } from '../../../src/services/storage/plugins/ocfs2/ocfs2-plugin.js';
import type { ServiceDeps } from '../../../src/services/context.js';

const OCFS2 = OCFS2_PLUGIN_NAME;
const FSU = '0004fb00-0005-0000-e70f-bddeb8022099';
const MiB = 1024 * 1024;

function unavailable(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (loop devices)';
  for (const b of ['mkfs.ocfs2', 'tunefs.ocfs2', 'mounted.ocfs2', 'losetup', 'modprobe', 'wipefs']) {
    try {
      execFileSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' });
    } catch {
      return `missing ${b} (apt: ocfs2-tools kmod util-linux)`;
    }
  }
  return false;
}

const tunefs = (dev: string) => execFileSync('tunefs.ocfs2', ['-Q', '%V %N %T %U\\n', dev], { encoding: 'utf8' }).trim();

t.test('OCFS2 plugin on a loop device', { skip: unavailable() }, async (t) => {
  const kit = makeKit();
  const img = path.join(kit.sysroot, 'hvs-ocfs2.img');
  fs.writeFileSync(img, '');
  fs.truncateSync(img, 512 * MiB);
  const loop = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
  const forget = onExitSync(() => execFileSync('losetup', ['-d', loop], { stdio: 'ignore' }));
  t.teardown(() => {
    execFileSync('losetup', ['-d', loop]);
    forget();
    kit.cleanup();
  });
  // Host paths live under the sysroot: the device is reached through <sysroot>/dev/loopN.
  fs.mkdirSync(path.join(kit.sysroot, 'dev'));
  fs.symlinkSync(loop, path.join(kit.sysroot, loop));
  const mountExec = new FakeExec();
  let online = false;
  const deps = { ...kit, exec: new HostExec() } as unknown as ServiceDeps;
  const svc = buildStorageService(deps, { mounter: new ExecMounter(mountExec, 5000), mounts: async () => [], clusterOnline: async () => online });
  const call = injector(new Registry({ isOwned: () => true }, storageMethods(svc)));
  const ss = { uuid: '', storage_type: 'LocalFS' };
  const opts = { cluster_stack: 'o2cb', cluster_name: 'hvsclus', label: 'hvspool', node_slots: 4, block_size: 4096, cluster_size: 65536, global_heartbeat: true };

  await t.test('createFileSystem runs mkfs.ocfs2 and reads the result back', async (t) => {
    const r = (await call('storage_plugin_createFileSystem', OCFS2, ss, { uuid: FSU }, loop, opts)) as Record<string, unknown>;
    t.match(r, { uuid: FSU, name: 'hvspool', access_path: loop, size: String(512 * MiB), state: '2', status: 'unmounted' });
    t.match(r.extra_info, { label: 'hvspool', slots: '4', cluster_size: '65536', cluster_stack: 'o2cb', cluster_name: 'hvsclus', global_heartbeat: true });
    t.equal(tunefs(loop), 'hvspool 4 65536 0004FB0000050000E70FBDDEB8022099', 'tunefs.ocfs2 agrees');
    t.match(execFileSync('mounted.ocfs2', ['-d'], { encoding: 'utf8' }), new RegExp(`${loop}\\s+o2cb\\s+hvsclus\\s+G\\s+0004FB0000050000E70FBDDEB8022099\\s+hvspool`));
    t.same(kit.db.prepare("SELECT state FROM jobs WHERE kind = 'storage_createFileSystem'").all(), [{ state: 'done' }], 'ran as a job');
  });

  await t.test('listFileSystems and getFileSystemInfo', async (t) => {
    const list = (await call('storage_plugin_listFileSystems', OCFS2, ss)) as Array<Record<string, unknown>>;
    t.match(list.find((f) => f.access_path === loop), { uuid: FSU, name: 'hvspool' });
    t.match(await call('storage_plugin_getFileSystemInfo', OCFS2, ss, { access_path: loop }), { uuid: FSU, name: 'hvspool', size: String(512 * MiB) });
  });

  await t.test('no re-format without force; bad input changes nothing', async (t) => {
    const busy = await failure(call('storage_plugin_createFileSystem', OCFS2, ss, { uuid: FSU }, loop, { ...opts, label: 'other' }));
    t.equal(busy.code, 'STORAGE_DEVICE_IN_USE');
    t.match(busy.message, /already holds ocfs2; pass options.force/);
    for (const [dev, o, code] of [
      ['/dev/../etc/passwd', opts, 'STORAGE_BAD_PATH'],
      ['/dev/hvs-no-such-disk', opts, 'STORAGE_FILE_NOT_FOUND'],
      [loop, { ...opts, cluster_stack: 'pcmk' }, 'STORAGE_INVALID'],
      [loop, { ...opts, force: true, surprise: 1 }, 'STORAGE_INVALID'],
      [loop, { ...opts, force: true, cluster_size: 3000 }, 'STORAGE_INVALID'],
      ['', opts, 'STORAGE_INVALID'],
    ] as const) {
      t.equal((await failure(call('storage_plugin_createFileSystem', OCFS2, ss, {}, dev, o))).code, code, `${dev} ${JSON.stringify(o).slice(0, 60)}`);
    }
    t.equal(tunefs(loop), 'hvspool 4 65536 0004FB0000050000E70FBDDEB8022099', 'the file system is untouched');
    const r = await call('storage_plugin_createFileSystem', OCFS2, ss, { uuid: FSU }, loop, { ...opts, label: 'hvsnew', force: true });
    t.match(r, { name: 'hvsnew' }, 'force re-formats (the y is fed to the prompt)');
  });

  await t.test('mount needs the cluster online', async (t) => {
    const off = await failure(call('storage_plugin_mount', OCFS2, ss, { access_path: loop }, `/OVS/Repositories/${FSU}`, '', true, ['heartbeat=global']));
    t.equal(off.code, 'CLUSTER_OFFLINE');
    t.equal(mountExec.calls.length, 0, 'nothing mounted');
    t.notOk(fs.existsSync(path.join(kit.sysroot, 'OVS/Repositories', FSU)), 'no mount point made');
    t.equal((await failure(call('storage_plugin_mount', OCFS2, ss, { access_path: loop }, '/tmp/x', '', true, []))).code, 'STORAGE_BAD_PATH');
    online = true;
    await call('storage_plugin_mount', OCFS2, ss, { access_path: loop }, `/OVS/Repositories/${FSU}`, '', true, ['heartbeat=global']);
    t.same(mountExec.calls.map((c) => c.argv), [['mount', '-o', '_netdev,heartbeat=global', path.join(kit.sysroot, loop), path.join(kit.sysroot, 'OVS/Repositories', FSU)]], 'the recorded mount(8) call');
  });

  await t.test('destroyFileSystem wipes the signature', async (t) => {
    t.equal((await failure(call('storage_plugin_destroyFileSystem', OCFS2, ss, { uuid: '11111111-2222-4333-8444-555555555555', access_path: loop }))).code, 'STORAGE_INVALID', 'wrong uuid refused');
    t.equal(await call('storage_plugin_destroyFileSystem', OCFS2, ss, { uuid: FSU, access_path: loop }), null);
    t.throws(() => tunefs(loop), 'no OCFS2 left');
    const list = (await call('storage_plugin_listFileSystems', OCFS2, ss)) as Array<Record<string, unknown>>;
    t.notOk(list.some((f) => f.access_path === loop));
    t.equal((await failure(call('storage_plugin_getFileSystemInfo', OCFS2, ss, { access_path: loop }))).code, 'STORAGE_INVALID');
  });

  await t.test('an image file works too, and a device holding another file system is refused', async (t) => {
    fs.mkdirSync(path.join(kit.sysroot, 'OVS'), { recursive: true });
    const poolImg = path.join(kit.sysroot, 'OVS/hvs-pool.img');
    fs.writeFileSync(poolImg, '');
    fs.truncateSync(poolImg, 256 * MiB);
    t.match(await call('storage_plugin_createFileSystem', OCFS2, ss, {}, '/OVS/hvs-pool.img', { label: 'imgfs', node_slots: 2 }), { name: 'imgfs', access_path: '/OVS/hvs-pool.img' });
    const ext = path.join(kit.sysroot, 'OVS/hvs-ext4.img');
    fs.writeFileSync(ext, '');
    fs.truncateSync(ext, 64 * MiB);
    execFileSync('mkfs.ext4', ['-q', '-F', ext]);
    const e = await failure(call('storage_plugin_createFileSystem', OCFS2, ss, {}, '/OVS/hvs-ext4.img', { label: 'x' }));
    t.equal(e.code, 'STORAGE_DEVICE_IN_USE');
    t.match(e.message, /already holds ext4/);
  });
});
