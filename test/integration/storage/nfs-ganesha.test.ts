// The generic NFS plugin against a real nfs-ganesha (NFSv3 with rpcbind, and NFSv4) in a test
// namespace: export listing, validation, mount through a stand-in mounter (a bind mount of the
// export: this kernel has no NFS client), file operations checked in the export directory,
// bad input refused with nothing changed, and a dead server faulting quickly.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { makeKit } from '../../helpers/service-kit.js';
import { Registry } from '../../../src/rpc/registry.js';
import { injector } from '../../helpers/inject.js';
import { failure } from '../../helpers/failure.js';
import { ganeshaUnavailable, onExitSync, startGanesha, NFS_DEAD_ADDR, NFS_PSEUDO, type GaneshaServer } from '../../helpers/ganesha-harness.js';
import { HostExec } from '../../../src/host/exec.js';
import type { Mounter } from '../../../src/host/mounter.js';
import type { MountableLocation } from '../../../src/core/repo/fs-location.js';
import { ExecNfsProbe } from '../../../src/host/storage/nfs-probe.js';
import { buildStorageService } from '../../../src/services/storage/storage-feature.js';
import { storageMethods } from '../../../src/rpc/methods/storage.js';
import { NFS_PLUGIN_NAME } from '../../../src/services/storage/plugins/nfs/nfs-plugin.js';
import type { ServiceDeps } from '../../../src/services/context.js';

const skip = ganeshaUnavailable();
const NFS = NFS_PLUGIN_NAME;
const FSU = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const SSU = '0004fb00000900001a2b3c4d5e6f7081';
const GiB = 1024 ** 3;

/** Stand-in for mount.nfs: bind-mounts the export directory where the kernel would mount the export. */
class BindMounter implements Mounter {
  calls: Array<{ op: string; source?: string; dir: string; options?: readonly string[] }> = [];
  constructor(private readonly server: GaneshaServer) {}
  async mount(loc: MountableLocation, dir: string, options: readonly string[] = []): Promise<void> {
    this.calls.push({ op: 'mount', source: loc.kind === 'nfs' ? loc.source : loc.device, dir, options });
    if (loc.kind !== 'nfs' || loc.host !== this.server.addr || ![this.server.exportDir, NFS_PSEUDO].includes(loc.export)) throw new Error(`unexpected mount of ${JSON.stringify(loc)}`);
    execFileSync('mount', ['--bind', this.server.exportDir, dir]);
  }
  async unmount(dir: string): Promise<void> {
    this.calls.push({ op: 'unmount', dir });
    execFileSync('umount', [dir]);
  }
  async isMounted(dir: string): Promise<boolean> {
    try {
      execFileSync('mountpoint', ['-q', dir]);
      return true;
    } catch {
      return false;
    }
  }
}

t.test('generic NFS plugin against nfs-ganesha', { skip }, async (t) => {
  const server = await startGanesha();
  const kit = makeKit({ storage: { probeTimeoutMs: 1500 } });
  const mounter = new BindMounter(server);
  const mp = path.join(kit.sysroot, 'nfsmnt', FSU);
  const forget = onExitSync(() => execFileSync('umount', [mp], { stdio: 'ignore' }));
  t.teardown(async () => {
    if (await mounter.isMounted(mp)) execFileSync('umount', [mp]);
    forget();
    await server.cleanup();
    kit.cleanup();
  });
  const svc = buildStorageService({ ...kit, exec: new HostExec() } as unknown as ServiceDeps, { mounter, nfsProbe: new ExecNfsProbe(new HostExec(), server.netns) });
  const call = injector(new Registry({ isOwned: () => true }, storageMethods(svc)));
  const ss = { uuid: SSU, name: 'lab nfs', access_host: server.addr, storage_type: 'FileSys', admin_passwd: 'never-logged-pw' };
  const fsRec = { uuid: FSU, ss_uuid: SSU, access_path: `${server.addr}:${server.exportDir}`, name: `nfs:${server.exportDir}` };
  const exp = (p: string) => path.join(server.exportDir, p);

  await t.test('discovery: plugins, validate, exports by MOUNT protocol and at the NFSv4 pseudo-root', async (t) => {
    t.match(await call('discover_storage_plugins'), /plugin_impl_name="oracle\.generic\.NFSPlugin\.GenericNFSPlugin"/);
    const v = (await call('storage_plugin_validate', NFS, ss)) as Record<string, unknown>;
    t.match(v, { uuid: SSU, access_host: server.addr, storage_type: 'FileSys', status: 'online' });
    t.notOk('admin_passwd' in v, 'the password is never echoed');
    t.same(await call('storage_plugin_getStorageNames', NFS, ss), [server.exportDir]);
    t.same(await new ExecNfsProbe(new HostExec(), server.netns).pseudoRootV4(server.addr, { timeoutMs: 3000 }), [NFS_PSEUDO]);
    const list = (await call('storage_plugin_listFileSystems', NFS, ss)) as Array<Record<string, unknown>>;
    t.equal(list.length, 1);
    t.match(list[0], { name: `nfs:${server.exportDir}`, access_path: `${server.addr}:${server.exportDir}`, state: '2', ss_uuid: SSU });
    t.match(list[0].uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  await t.test('bad mount requests change nothing', async (t) => {
    const before = mounter.calls.length;
    t.equal((await failure(call('storage_plugin_mount', NFS, ss, fsRec, '/tmp/elsewhere', '', true, []))).code, 'STORAGE_BAD_PATH');
    t.equal((await failure(call('storage_plugin_mount', NFS, ss, fsRec, `/nfsmnt/${FSU}`, '', true, ['exec=/bin/sh']))).code, 'STORAGE_INVALID');
    t.equal((await failure(call('storage_plugin_mount', NFS, ss, { ...fsRec, uuid: '' }, '/nfsmnt', '', true, []))).code, 'STORAGE_INVALID');
    t.equal((await failure(call('storage_plugin_mount', NFS, ss, { ...fsRec, access_path: `${server.addr}:/a/../etc` }, '/nfsmnt', '', true, []))).code, 'STORAGE_INVALID');
    t.equal((await failure(call('storage_plugin_mount', 'oracle.generic.NoSuch', ss, fsRec, '/nfsmnt', '', true, []))).code, 'STORAGE_PLUGIN_NOT_FOUND');
    t.equal(mounter.calls.length, before, 'the mounter was never called');
    t.notOk(fs.existsSync(mp), 'no mount point was made');
    t.equal((await failure(call('storage_plugin_create', NFS, ss, fsRec, 'a.img', 'File', 1))).code, 'STORAGE_NOT_MOUNTED');
  });

  await t.test('mount: at /nfsmnt/<uuid> with the options given, stamped, twice = once', async (t) => {
    const r = (await call('storage_plugin_mount', NFS, ss, fsRec, '/nfsmnt', '', true, ['vers=3'])) as Record<string, string>;
    t.match(r, { uuid: FSU, ss_uuid: SSU, name: `nfs:${server.exportDir}`, access_path: `${server.addr}:${server.exportDir}`, state: '1', status: 'mounted' });
    t.ok(Number(r.size) > 0 && Number(r.free_sz) > 0 && Number(r.free_sz) <= Number(r.size), `statvfs sizes (${r.size}, ${r.free_sz})`);
    t.same(mounter.calls, [{ op: 'mount', source: `${server.addr}:${server.exportDir}`, dir: mp, options: ['hard', 'timeo=600', 'retrans=2', 'vers=3'] }]);
    t.equal(fs.readFileSync(exp('.generic_fs_stamp'), 'utf8'), `uuid=${FSU}\naccess_path=${server.addr}:${server.exportDir}\n`, 'the stamp is in the export');
    const again = await call('storage_plugin_mount', NFS, ss, fsRec, `/nfsmnt/${FSU}`, '', true, ['vers=3']);
    // free_sz is live statvfs of a disk other processes write to: compare the rest.
    const { free_sz: _a, ...rest } = r;
    t.match(again, rest, 'second mount answers the same');
    t.equal(mounter.calls.length, 1, 'and mounts nothing');
    t.same(await call('storage_plugin_listMountPoints', NFS, ss, fsRec), [`/nfsmnt/${FSU}`]);
    t.match(await call('storage_plugin_getFileSystemInfo', NFS, ss, fsRec), { state: '1', size: r.size });
    t.match(await call('storage_plugin_listFileSystems', NFS, ss), [{ uuid: FSU, state: '1', status: 'mounted' }], 'a mounted export is listed under its uuid');
  });

  await t.test('files: sparse create, info, resize, clone, list, destroy, seen in the export', async (t) => {
    t.match(await call('storage_plugin_create', NFS, ss, fsRec, 'VirtualDisks', 'Directory', 0), { fr_type: 'Directory', file_path: `/nfsmnt/${FSU}/VirtualDisks` });
    const f = (await call('storage_plugin_create', NFS, ss, fsRec, `/nfsmnt/${FSU}/VirtualDisks/a.img`, 'File', 10 * GiB)) as Record<string, string>;
    t.match(f, { fr_type: 'File', file_path: `/nfsmnt/${FSU}/VirtualDisks/a.img`, file_sz: String(10 * GiB), fs_uuid: FSU });
    const st = fs.statSync(exp('VirtualDisks/a.img'));
    t.equal(st.size, 10 * GiB, 'the file is in the export');
    t.ok(st.blocks * 512 < 1024 * 1024, 'and sparse');
    fs.writeFileSync(exp('VirtualDisks/a.img'), Buffer.alloc(8192, 7), { flag: 'r+' });
    t.equal((await failure(call('storage_plugin_create', NFS, ss, fsRec, 'VirtualDisks/a.img', 'File', 1))).code, 'STORAGE_FILE_EXISTS');
    t.match(await call('storage_plugin_getFileInfo', NFS, ss, fsRec, { file_path: 'VirtualDisks/a.img' }), { file_sz: String(10 * GiB) });
    t.match(await call('storage_plugin_resize', NFS, ss, fsRec, { file_path: 'VirtualDisks/a.img' }, 11 * GiB), { file_sz: String(11 * GiB) });
    t.equal((await failure(call('storage_plugin_resize', NFS, ss, fsRec, { file_path: 'VirtualDisks/a.img' }, GiB))).code, 'STORAGE_INVALID', 'no shrinking');
    t.equal(fs.statSync(exp('VirtualDisks/a.img')).size, 11 * GiB, 'the refused shrink changed nothing');
    const c = (await call('storage_plugin_clone', NFS, ss, fsRec, { file_path: 'VirtualDisks/a.img' }, 'VirtualDisks/b.img')) as Record<string, string>;
    t.match(c, { file_path: `/nfsmnt/${FSU}/VirtualDisks/b.img`, file_sz: String(11 * GiB) });
    t.ok(Number(c.ondisk_sz) < 1024 * 1024, `the clone keeps the holes (${c.ondisk_sz} bytes on disk)`);
    const head = Buffer.alloc(8192);
    const fd = fs.openSync(exp('VirtualDisks/b.img'), 'r');
    fs.readSync(fd, head, 0, 8192, 0);
    fs.closeSync(fd);
    t.same(head, Buffer.alloc(8192, 7), 'and the data');
    const list = (await call('storage_plugin_list', NFS, ss, fsRec, 'VirtualDisks')) as Array<Record<string, string>>;
    t.same(list.map((x) => x.file_path.split('/').pop()), ['a.img', 'b.img']);
    t.equal(await call('storage_plugin_destroy', NFS, ss, fsRec, { fr_type: 'File', file_path: 'VirtualDisks/b.img' }), null);
    t.notOk(fs.existsSync(exp('VirtualDisks/b.img')), 'destroyed in the export');
    t.equal((await failure(call('storage_plugin_destroy', NFS, ss, fsRec, { file_path: 'VirtualDisks/b.img' }))).code, 'STORAGE_FILE_NOT_FOUND');
    t.equal((await failure(call('storage_plugin_destroy', NFS, ss, fsRec, { fr_type: 'Directory', file_path: 'VirtualDisks/a.img' }))).code, 'STORAGE_INVALID', 'type mismatch refused');
    t.ok(fs.existsSync(exp('VirtualDisks/a.img')));
  });

  await t.test('paths outside the mount are refused and nothing is created', async (t) => {
    fs.symlinkSync('/etc', exp('evil'));
    const outside = ['../outside.img', 'VirtualDisks/../../x.img', '/etc/hvs-x.img', `/nfsmnt/${FSU}/../x.img`, 'evil/hvs-x.img', `/nfsmnt/${FSU}`];
    for (const p of outside) {
      t.equal((await failure(call('storage_plugin_create', NFS, ss, fsRec, p, 'File', 1))).code, 'STORAGE_BAD_PATH', `create ${p}`);
      t.equal((await failure(call('storage_plugin_getFileInfo', NFS, ss, fsRec, { file_path: p }))).code, 'STORAGE_BAD_PATH', `info ${p}`);
    }
    t.equal((await failure(call('storage_plugin_clone', NFS, ss, fsRec, { file_path: 'VirtualDisks/a.img' }, 'evil/hvs-clone.img'))).code, 'STORAGE_BAD_PATH');
    t.notOk(fs.existsSync('/etc/hvs-x.img') || fs.existsSync('/etc/hvs-clone.img'), 'nothing written through the symlink');
    t.notOk(fs.existsSync(path.join(kit.sysroot, 'nfsmnt', 'x.img')) || fs.existsSync(path.join(server.exportDir, '..', 'outside.img')));
    t.equal((await failure(call('storage_plugin_create', NFS, ss, fsRec, 'a.img', 'Link', 1))).code, 'STORAGE_INVALID');
  });

  await t.test('unmount twice = once; files need the mount', async (t) => {
    t.equal(await call('storage_plugin_unmount', NFS, ss, fsRec, `/nfsmnt/${FSU}`, false), null);
    t.notOk(await mounter.isMounted(mp));
    t.equal(await call('storage_plugin_unmount', NFS, ss, fsRec, `/nfsmnt/${FSU}`, false), null);
    t.same(mounter.calls.filter((c) => c.op === 'unmount').length, 1);
    t.equal((await failure(call('storage_plugin_getFileInfo', NFS, ss, fsRec, { file_path: 'VirtualDisks/a.img' }))).code, 'STORAGE_NOT_MOUNTED');
    t.match(await call('storage_plugin_getFileSystemInfo', NFS, ss, fsRec), { state: '2', size: '0' });
  });

  await t.test('a dead or unreachable server faults clearly and boundedly', async (t) => {
    const dead = await failure(call('storage_plugin_validate', NFS, { ...ss, access_host: NFS_DEAD_ADDR }));
    t.equal(dead.code, 'STORAGE_SERVER_UNREACHABLE');
    t.match(dead.message, new RegExp(`NFS server ${NFS_DEAD_ADDR}: .*time limit`));
    await server.stop();
    const stopped = await failure(call('storage_plugin_listFileSystems', NFS, ss));
    t.equal(stopped.code, 'STORAGE_SERVER_UNREACHABLE');
    t.match(stopped.message, /connection refused|time limit/);
    const log = fs.readFileSync(path.join(kit.sysroot, 'var/log/hvagent/storage.log'), 'utf8');
    t.match(log, /FINISH .*op=listFileSystems .*result=error code=STORAGE_SERVER_UNREACHABLE/);
    t.notMatch(log, /never-logged-pw/);
  });
});

t.test('an NFSv4-only server (no rpcbind, no MOUNT service): exports from the pseudo-root', { skip }, async (t) => {
  const server = await startGanesha({ v4only: true });
  const kit = makeKit({ storage: { probeTimeoutMs: 1500 } });
  t.teardown(async () => {
    await server.cleanup();
    kit.cleanup();
  });
  const svc = buildStorageService({ ...kit, exec: new HostExec() } as unknown as ServiceDeps, { nfsProbe: new ExecNfsProbe(new HostExec(), server.netns) });
  const call = injector(new Registry({ isOwned: () => true }, storageMethods(svc)));
  const ss = { uuid: SSU, access_host: server.addr };
  t.match(await call('storage_plugin_validate', NFS, ss), { status: 'online' });
  t.same(await call('storage_plugin_getStorageNames', NFS, ss), [NFS_PSEUDO]);
  t.match(await call('storage_plugin_listFileSystems', NFS, ss), [{ name: `nfs:${NFS_PSEUDO}`, access_path: `${server.addr}:${NFS_PSEUDO}` }]);
});
