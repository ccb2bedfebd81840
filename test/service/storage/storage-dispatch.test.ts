// The storage framework through the RPC declarations: dispatch by impl name, unknown plugins
// and ops, bad arguments named, storage.log lines (secrets out), long ops as jobs, and the
// vendor plugin folder's ownership and mode rules.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeKit } from '../../helpers/service-kit.js';
import { Registry } from '../../../src/rpc/registry.js';
import { injector } from '../../helpers/inject.js';
import { failure } from '../../helpers/failure.js';
import { storageMethods } from '../../../src/rpc/methods/storage.js';
import { StorageRegistry } from '../../../src/services/storage/registry.js';
import { StorageService } from '../../../src/services/storage/storage-service.js';
import { loadVendorPlugins, untrustedReason } from '../../../src/services/storage/vendor-plugins.js';
import { STORAGE_OPS, type IfsPlugin, type IsaPlugin } from '../../../src/core/storage/plugin.js';
import { buildStorageService } from '../../../src/services/storage/storage-feature.js';
import type { ServiceDeps } from '../../../src/services/context.js';
import { NFS_PLUGIN_INFO } from '../../../src/services/storage/plugins/nfs/nfs-plugin.js';

const FSU = '0004fb00-0005-0000-e70f-bddeb802208f';

function setup(t: { teardown(fn: () => void): void }, plugins: Array<IfsPlugin | IsaPlugin>) {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const registry = new StorageRegistry();
  for (const p of plugins) registry.register(p);
  const svc = new StorageService({ registry, fs: kit.fs, clock: kit.clock, log: kit.log, jobs: kit.jobs, commandTimeoutMs: 1000 });
  const call = injector(new Registry({ isOwned: () => true }, storageMethods(svc)));
  const storageLog = () => fs.readFileSync(path.join(kit.sysroot, 'var/log/hvagent/storage.log'), 'utf8');
  return { kit, svc, call, storageLog };
}

const seen: unknown[][] = [];
const fake: IfsPlugin = {
  kind: 'ifs',
  info: { ...NFS_PLUGIN_INFO, impl_name: 'test.fake.Fs' },
  longOps: ['clone'],
  async getFileSystemInfo(_ctx, ss, fs) {
    seen.push([ss, fs]);
    return { uuid: fs.uuid, ss_uuid: ss.uuid, name: 'nfs:/e', access_path: 'h:/e', size: 263166853120, free_sz: 5, state: 1, status: 'mounted', mount_options: [], access_grp_names: [] };
  },
  async clone(ctx, _ss, fs, src) {
    ctx.progress(0.5, 'half');
    return { fr_type: 'File', file_path: `${src.file_path}.clone`, file_sz: 10, ondisk_sz: 0, fs_uuid: fs.uuid };
  },
  async validate() {
    throw new Error('boom');
  },
};

t.test('dispatch by impl name; answers rendered with sizes as strings', async (t) => {
  const { call, storageLog } = setup(t, [fake]);
  const ss = { uuid: '0004fb0000010000000000000000abcd', access_host: 'h', admin_passwd: 'hunter2-secret' };
  const r = await call('storage_plugin_getFileSystemInfo', 'test.fake.Fs', ss, { uuid: FSU, access_path: 'h:/e' });
  t.same(r, { uuid: FSU, ss_uuid: '0004fb0000010000000000000000abcd', name: 'nfs:/e', access_path: 'h:/e', size: '263166853120', free_sz: '5', state: '1', status: 'mounted', mount_options: [], access_grp_names: [] });
  const log = storageLog();
  t.match(log, /START call=\S+ plugin=test.fake.Fs op=getFileSystemInfo args=/);
  t.match(log, /FINISH call=\S+ plugin=test.fake.Fs op=getFileSystemInfo duration_ms=\d+ result=ok keys=10/);
  t.notMatch(log, /hunter2/, 'the admin password never reaches storage.log');
});

t.test('unknown plugin, unsupported op, bad arguments: clear faults, plugin not called', async (t) => {
  const { call, storageLog } = setup(t, [fake]);
  seen.length = 0;
  const nf = await failure(call('storage_plugin_getFileSystemInfo', 'no.such.Plugin', {}, { uuid: FSU }));
  t.equal(nf.code, 'STORAGE_PLUGIN_NOT_FOUND');
  t.match(nf.message, /no\.such\.Plugin.*known: test\.fake\.Fs/);
  const ns = await failure(call('storage_plugin_mount', 'test.fake.Fs', {}, { uuid: FSU }, '/nfsmnt/x'));
  t.equal(ns.code, 'STORAGE_OP_NOT_SUPPORTED');
  t.match(ns.message, /operation mount is not supported by test\.fake\.Fs/);
  const bad = await failure(call('storage_plugin_getFileSystemInfo', 'test.fake.Fs', {}, { uuid: 'not-a-uuid' }));
  t.equal(bad.code, 'STORAGE_INVALID');
  t.match(bad.message, /fs_record\.uuid: must be a dashed uuid/);
  const bad2 = await failure(call('storage_plugin_getFileSystemInfo', 'test.fake.Fs', 'a string', { uuid: FSU }));
  t.match(bad2.message, /ss_record: /);
  const few = await failure(call('storage_plugin_getFileSystemInfo', 'test.fake.Fs', {}));
  t.match(few.message, /arguments \(impl_name, ss_record, fs_record\)/);
  const noImpl = await failure(call('storage_plugin_getFileSystemInfo'));
  t.equal(noImpl.code, 'INVALID_ARGUMENT');
  t.equal(seen.length, 0, 'the plugin was never reached');
  t.notMatch((() => { try { return storageLog(); } catch { return ''; } })(), /START/, 'refused calls never start');
});

t.test('a plugin crash is logged as a FINISH error and surfaces', async (t) => {
  const { call, storageLog } = setup(t, [fake]);
  // on the wire an unexpected error is INTERNAL with a call id; its text stays in the logs
  await t.rejects(call('storage_plugin_validate', 'test.fake.Fs', {}), /INTERNAL/);
  t.match(storageLog(), /FINISH .*op=validate .*result=error code=INTERNAL message="boom"/);
});

t.test('long operations run as jobs with progress and still answer the call', async (t) => {
  const { call, kit } = setup(t, [fake]);
  const r = (await call('storage_plugin_clone', 'test.fake.Fs', {}, { uuid: FSU }, { file_path: 'a.img' }, 'b.img')) as Record<string, unknown>;
  t.equal(r.file_path, 'a.img.clone');
  const rows = kit.db.prepare("SELECT kind, state, progress FROM jobs WHERE kind = 'storage_clone'").all() as Array<{ kind: string; state: string; progress: number }>;
  t.same(rows, [{ kind: 'storage_clone', state: 'done', progress: 1 }]);
});

t.test('storage_iSCSI_* go to the array plugin that has them, else a clear fault', async (t) => {
  const { call } = setup(t, [fake]);
  const e = await failure(call('storage_iSCSI_logoutTarget', 'iqn.x', '127.0.0.1:3260'));
  t.equal(e.code, 'STORAGE_OP_NOT_SUPPORTED');
  const calls: string[][] = [];
  const isa: IsaPlugin = {
    kind: 'isa',
    info: { ...NFS_PLUGIN_INFO, impl_name: 'test.fake.Array', plugin_type: 'isa' },
    async iscsiLogoutTarget(_ctx, target, portal) {
      calls.push([target, portal]);
      return null;
    },
  };
  const s2 = setup(t, [fake, isa]);
  t.equal(await s2.call('storage_iSCSI_logoutTarget', 'iqn.x', '127.0.0.1:3260'), null);
  t.same(calls, [['iqn.x', '127.0.0.1:3260']]);
});

t.test('registry refuses malformed and duplicate plugins; discover_storage_plugins lists them', async (t) => {
  const reg = new StorageRegistry();
  reg.register(fake);
  t.throws(() => reg.register(fake), { code: 'STORAGE_INVALID' });
  t.throws(() => reg.register({ ...fake, info: { ...fake.info, impl_name: 'bad name!' } }), { code: 'STORAGE_INVALID' });
  t.throws(() => reg.register({ ...fake, info: { ...fake.info, impl_name: 'x.y', plugin_type: 'isa' } }), { code: 'STORAGE_INVALID' });
  const { call } = setup(t, [fake]);
  t.match(await call('discover_storage_plugins'), /<storage_plugin_info plugin_impl_name="test\.fake\.Fs">/);
});

const PLUGIN_SRC = (name: string) => `export function createPlugin(env) {
  return { kind: 'ifs', info: { impl_name: '${name}', plugin_name: 'V', plugin_desc: 'vendor', plugin_version: '1', vendor_name: 'ACME', plugin_type: 'ifs', generic_plugin: false, api_version: '1,2,7', abilities: {} },
    async getCapabilities() { return { clone: 'NO' }; } };
}
`;

t.test('vendor plugins: loaded when root-owned and not writable by others, refused otherwise', async (t) => {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const dir = path.join(kit.sysroot, 'plugins');
  fs.mkdirSync(dir, { mode: 0o755 });
  fs.chmodSync(dir, 0o755);
  const write = (n: string, src: string, mode: number, uid = 0) => {
    const f = path.join(dir, n);
    fs.writeFileSync(f, src);
    fs.chmodSync(f, mode);
    fs.chownSync(f, uid, 0);
  };
  write('good.mjs', PLUGIN_SRC('com.acme.Good'), 0o644);
  write('worldw.mjs', PLUGIN_SRC('com.acme.WorldWritable'), 0o646);
  write('groupw.mjs', PLUGIN_SRC('com.acme.GroupWritable'), 0o664);
  write('notroot.mjs', PLUGIN_SRC('com.acme.NotRoot'), 0o644, 4242);
  write('noexport.mjs', 'export const x = 1;\n', 0o644);
  write('readme.txt', 'not a plugin', 0o644);
  fs.symlinkSync(path.join(dir, 'good.mjs'), path.join(dir, 'link.mjs'));
  const registry = new StorageRegistry();
  const r = await loadVendorPlugins(dir, { registry, log: kit.log });
  t.same(r.loaded, ['com.acme.Good']);
  t.same(r.refused.map((x) => path.basename(x.file)).sort(), ['groupw.mjs', 'link.mjs', 'noexport.mjs', 'notroot.mjs', 'worldw.mjs']);
  t.match(r.refused.find((x) => x.file.endsWith('notroot.mjs'))?.reason, /owned by uid 4242/);
  t.ok(kit.logs.text().includes('storage plugin refused'), 'each refusal is logged');
  t.same(registry.all().map((p) => p.info.impl_name), ['com.acme.Good']);
  const svc = new StorageService({ registry, fs: kit.fs, clock: kit.clock, log: kit.log, jobs: kit.jobs, commandTimeoutMs: 1000 });
  t.same(await injector(new Registry({ isOwned: () => true }, storageMethods(svc)))('storage_plugin_getCapabilities', 'com.acme.Good', {}), { clone: 'NO' });

  fs.chmodSync(dir, 0o777);
  const r2 = await loadVendorPlugins(dir, { registry: new StorageRegistry(), log: kit.log });
  t.same(r2.loaded, [], 'a world-writable folder is refused as a whole');
  t.equal(untrustedReason({ uid: 0, mode: 0o100600 }, 0), undefined);
});

t.test('every op of the built-in plugins refuses wrong records before touching the host', async (t) => {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const svc = buildStorageService(kit as unknown as ServiceDeps);
  const call = injector(new Registry({ isOwned: () => true }, storageMethods(svc)));
  const before = fs.readdirSync(kit.sysroot).sort();
  for (const impl of ['oracle.generic.NFSPlugin.GenericNFSPlugin', 'oracle.ocfs2.OCFS2.OCFS2Plugin']) {
    for (const op of STORAGE_OPS) {
      const e = await failure(call(`storage_plugin_${op}`, impl, 'not a record', ['nor', 'this'], { file_path: '../x' }, -1, 7, 8));
      t.ok(['STORAGE_INVALID', 'STORAGE_OP_NOT_SUPPORTED'].includes(e.code), `${impl.split('.').pop()} ${op}: ${e.code}`);
      if (e.code === 'STORAGE_INVALID') t.match(e.message, /ss_record|arguments/, `${op}: the argument is named`);
    }
  }
  t.same(kit.exec.calls, [], 'no command ran');
  t.same(fs.readdirSync(kit.sysroot).filter((n) => n !== 'var').sort(), before.filter((n) => n !== 'var'), 'nothing created but the storage log');
});
