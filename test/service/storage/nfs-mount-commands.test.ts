// The NFS mount on a real host, as the recorded command sequence: mount(8) and umount(8)
// argv through ExecMounter, the mount table read back, the stamp, failures undone.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeKit } from '../../helpers/service-kit.js';
import { FakeExec } from '../../helpers/fake-exec.js';
import { failure } from '../../helpers/failure.js';
import { ExecMounter } from '../../../src/host/mounter.js';
import { ExecNfsProbe } from '../../../src/host/storage/nfs-probe.js';
import { createNfsPlugin } from '../../../src/services/storage/plugins/nfs/nfs-plugin.js';
import type { MountEntry } from '../../../src/core/discovery/host-info.js';
import { IFS_OP_ARGS, type PluginContext } from '../../../src/core/storage/plugin.js';

const FSU = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const MP = `/nfsmnt/${FSU}`;

function setup(t: { teardown(fn: () => void): void }, mountAnswer: { code?: number; stderr?: string } = {}) {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const table: MountEntry[] = [];
  const exec = new FakeExec(({ argv }) => {
    if (argv[0] === 'mount') {
      if (!mountAnswer.code) table.push({ device: argv[argv.length - 2], dir: MP, type: 'nfs', options: 'rw,vers=4.1,hard' });
      return mountAnswer;
    }
    if (argv[0] === 'umount') table.splice(0, table.length);
    if (argv[0] === 'showmount') return { stdout: '/srv/vms (everyone)\n' };
    return undefined;
  });
  const plugin = createNfsPlugin({ fs: kit.fs, mounter: new ExecMounter(exec, 5000), probe: new ExecNfsProbe(exec), mounts: async () => [...table], statvfs: async () => ({ size: 1000, free: 400 }), probeTimeoutMs: 1000, intents: kit.intents });
  const ctx: PluginContext = { impl: 'nfs', op: 'x', callId: 't', log: kit.log, signal: new AbortController().signal, progress: () => {}, commandTimeoutMs: 1000 };
  const args = <K extends keyof typeof IFS_OP_ARGS>(op: K, a: unknown[]) => IFS_OP_ARGS[op].parse(a) as never;
  return { kit, exec, plugin, ctx, args, table };
}

const ss = { uuid: '0004fb00000900001a2b3c4d5e6f7081', access_host: 'filer1' };
const fsRec = { uuid: FSU, access_path: 'filer1:/srv/vms' };

t.test('mount and unmount run mount(8)/umount(8) once each, with the checked options', async (t) => {
  const { plugin, ctx, args, exec, kit } = setup(t);
  const r = await plugin.mount!(ctx, ...(args('mount', [ss, fsRec, '/nfsmnt', '', true, ['vers=4.1', 'timeo=30']]) as [never, never, never, never, never, never]));
  t.match(r, { uuid: FSU, state: 1, access_path: 'filer1:/srv/vms', name: 'nfs:/srv/vms' });
  await plugin.mount!(ctx, ...(args('mount', [ss, fsRec, MP, '', true, ['vers=4.1', 'timeo=30']]) as [never, never, never, never, never, never]));
  await plugin.unmount!(ctx, ...(args('unmount', [ss, fsRec, MP, false]) as [never, never, never, never]));
  await plugin.unmount!(ctx, ...(args('unmount', [ss, fsRec, MP, true]) as [never, never, never, never]));
  const real = path.join(kit.sysroot, 'nfsmnt', FSU);
  t.same(exec.calls.map((c) => c.argv), [
    ['mount', '-t', 'nfs', '-o', 'hard,timeo=30,retrans=2,vers=4.1', 'filer1:/srv/vms', real],
    ['umount', real],
  ]);
  // The fake mount left the stamp in the directory itself: a non-empty mount point is never removed.
  t.equal(fs.readFileSync(path.join(real, '.generic_fs_stamp'), 'utf8'), `uuid=${FSU}\naccess_path=filer1:/srv/vms\n`);
});

t.test('a failed mount leaves no mount point; a busy mount point is refused', async (t) => {
  const { plugin, ctx, args, kit } = setup(t, { code: 32, stderr: 'mount.nfs: No such device' });
  const e = await failure(plugin.mount!(ctx, ...(args('mount', [ss, fsRec, MP, '', true, []]) as [never, never, never, never, never, never])));
  t.equal(e.code, 'STORAGE_MOUNT_FAILED');
  t.match(e.message, /filer1:\/srv\/vms on .* failed: mount.nfs: No such device/);
  t.notOk(fs.existsSync(path.join(kit.sysroot, 'nfsmnt', FSU)), 'mount point removed');

  const s2 = setup(t);
  s2.table.push({ device: 'otherfiler:/x', dir: MP, type: 'nfs', options: 'rw' });
  const busy = await failure(s2.plugin.mount!(s2.ctx, ...(s2.args('mount', [ss, fsRec, MP, '', true, []]) as [never, never, never, never, never, never])));
  t.equal(busy.code, 'STORAGE_DEVICE_IN_USE');
  t.equal(s2.exec.calls.filter((c) => c.argv[0] === 'mount').length, 0);
});

t.test('statvfs runs in a child with a time limit: a hung mount faults instead of hanging', async (t) => {
  const { boundedStatvfs } = await import('../../../src/host/storage/statvfs.js');
  const { CommandError } = await import('../../../src/host/exec.js');
  const hung = { run: async (argv: readonly string[]) => Promise.reject(new CommandError({ argv, code: 137, stdout: '', stderr: '' }, 'timed out after 50 ms')) };
  const e = await failure(boundedStatvfs(hung, 50)('/nfsmnt/x'));
  t.equal(e.code, 'STORAGE_SERVER_UNREACHABLE');
  t.match(e.message, /did not answer statvfs within 50 ms/);
  const ok = new FakeExec(({ argv }) => (argv[0] === 'stat' ? { stdout: '4096 1000 250\n' } : undefined));
  t.same(await boundedStatvfs(ok, 50)('/x'), { size: 4096000, free: 1024000 });
  t.same(ok.calls[0].argv, ['stat', '-f', '-c', '%S %b %a', '--', '/x']);
});

t.test('files named through another mount of the same export (CloudStack: /OVS/Repositories/<id>/...)', async (t) => {
  const { plugin, ctx, args, table, kit } = setup(t);
  await kit.fs.mkdirp(MP);
  table.push({ device: 'filer1:/srv/vms', dir: MP, type: 'nfs', options: 'rw' }, { device: 'filer1:/srv/vms', dir: '/OVS/Repositories/R', type: 'nfs', options: 'rw' });
  const r = await plugin.create!(ctx, ...(args('create', [ss, fsRec, '/OVS/Repositories/R/a.img', 'File', 4096]) as [never, never, never, never, never]));
  t.match(r, { file_path: '/OVS/Repositories/R/a.img', file_sz: 4096, fs_uuid: FSU }, 'answered under the name the manager used');
  t.equal(fs.statSync(path.join(kit.sysroot, MP, 'a.img')).size, 4096, 'created through /nfsmnt/<uuid>');
  t.equal((await failure(plugin.create!(ctx, ...(args('create', [ss, fsRec, '/OVS/Repositories/OTHER/b.img', 'File', 1]) as [never, never, never, never, never])))).code, 'STORAGE_BAD_PATH', 'another mount is not an alias');
});

t.test('a file named under a mount of an export directory above the file system is handled there (CloudStack volumes)', async (t) => {
  const { plugin, ctx, args, kit, table } = setup(t);
  // The plugin's file system is filer1:/srv/vms/VirtualMachines; the repository mount is filer1:/srv/vms.
  const repo = '/OVS/Repositories/r1';
  const other = '/OVS/Repositories/r2';
  for (const d of [MP, `${repo}/VirtualDisks`, `${other}/VirtualDisks`]) fs.mkdirSync(path.join(kit.sysroot, d), { recursive: true });
  table.push(
    { device: 'filer1:/srv/vms/VirtualMachines', dir: MP, type: 'nfs', options: 'rw' },
    { device: 'filer1:/srv/vms', dir: repo, type: 'nfs', options: 'rw' },
    { device: 'filer2:/srv/vms', dir: other, type: 'nfs', options: 'rw' },
  );
  // CloudStack's record: no access_path, the dashed fs uuid, the ss uuid without dashes.
  const csFs = { uuid: FSU, ss_uuid: ss.uuid, state: 2 };
  const file = `${repo}/VirtualDisks/v1.raw`;
  const r = await plugin.create!(ctx, ...(args('create', [ss, csFs, file, 'File', 4096]) as [never, never, never, never, never]));
  t.match(r, { file_path: file, fs_uuid: FSU, file_sz: 4096 }, 'the path as the manager named it');
  t.equal(fs.statSync(path.join(kit.sysroot, file)).size, 4096, 'created in the repository mount');
  const e = await failure(plugin.create!(ctx, ...(args('create', [ss, csFs, `${other}/VirtualDisks/v2.raw`, 'File', 4096]) as [never, never, never, never, never])));
  t.equal(e.code, 'STORAGE_BAD_PATH', 'a mount of another server is not this file system');
  t.notOk(fs.existsSync(path.join(kit.sysroot, other, 'VirtualDisks/v2.raw')));
  const claimed = { ...csFs, access_path: 'filer2:/srv/vms/VirtualMachines' };
  const e2 = await failure(plugin.create!(ctx, ...(args('create', [ss, claimed, `${other}/VirtualDisks/v3.raw`, 'File', 4096]) as [never, never, never, never, never])));
  t.equal(e2.code, 'STORAGE_BAD_PATH', 'what the mount really is counts, not what the record claims');
});
