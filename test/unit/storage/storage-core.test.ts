// Storage core: records as managers send them, op argument schemas, plugin XML, storage.log
// lines (secrets out), confined paths, NFS options and parsers, OCFS2 argv and parsers.
import t from 'tap';
import { ssRecordSchema, fsRecordSchema, fileRecordSchema, storageResultToWire } from '../../../src/core/storage/records.js';
import { IFS_OP_ARGS, ISA_OP_ARGS, opArgsSchema } from '../../../src/core/storage/plugin.js';
import { pluginsToXml } from '../../../src/core/storage/plugins-xml.js';
import { startLine, finishLine, redactUrlSecrets } from '../../../src/core/storage/storage-log-line.js';
import { confinedPath } from '../../../src/core/storage/mount-paths.js';
import { nfsMountOptions, nfsTarget, parseShowmount, parseNfsLsDirs, checkServerHost, probeFailureReason } from '../../../src/core/storage/nfs.js';
import { mkfsOcfs2Argv, parseMountedOcfs2, parseTunefsQuery, ocfs2MountOptions } from '../../../src/core/storage/ocfs2.js';
import { NFS_PLUGIN_INFO } from '../../../src/services/storage/plugins/nfs/nfs-plugin.js';
import { OCFS2_PLUGIN_INFO } from '../../../src/services/storage/plugins/ocfs2/ocfs2-plugin.js';
import { AgentError } from '../../../src/core/errors.js';

const FSU = '0004fb00-0005-0000-e70f-bddeb802208f';

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof AgentError ? e.code : 'not-an-AgentError';
  }
  return undefined;
}

t.test('records: the shapes CloudStack sends are accepted and normalized', async (t) => {
  // StoragePlugin.java: sizes '' or 0, state int, admin_password misspelled, dashed ss uuid refused there but normalized here.
  const ss = ssRecordSchema.parse({ status: '', admin_user: '', admin_host: '', uuid: '0004FB00-0001-0000-0000-00000000abcd', total_sz: 0, admin_password: 'pw', storage_desc: '', free_sz: 0, access_host: 'nfs-store-1', storage_type: 'FileSys', alloc_sz: 0, access_grps: [], used_sz: 0, name: '' });
  t.equal(ss.uuid, '0004fb0000010000000000000000abcd');
  t.equal(ss.admin_passwd, 'pw', 'admin_password is the same field');
  t.equal(ss.total_sz, 0);
  const fs = fsRecordSchema.parse({ status: '', uuid: FSU.toUpperCase(), ss_uuid: '0004fb0000010000000000000000abcd', size: '', free_sz: 0, state: 2, access_grp_names: [], access_path: 'h:/x', name: '', mount_options: [] });
  t.equal(fs.uuid, FSU);
  t.equal(fs.size, undefined, "'' means unset");
  t.equal(fsRecordSchema.parse({ size: '263166853120' }).size, 263166853120);
  t.equal(fileRecordSchema.parse({ fr_type: 'file', file_path: 'a' }).fr_type, 'File', 'fr_type is case-insensitive');
  const chap = ssRecordSchema.parse({ chap: { username: 'u', password: 'p', mutual_username: 'tu', mutual_password: 'tp' } });
  t.same(chap.chapCredentials, { username: 'u', password: 'p', mutual_username: 'tu', mutual_password: 'tp' });
  t.equal(ssRecordSchema.parse({ chap: true }).chapRequired, true);
  t.notOk(ssRecordSchema.safeParse({ uuid: 'nothex' }).success, 'bad ss uuid refused');
  t.notOk(fsRecordSchema.safeParse({ uuid: '0004fb0000050000e70fbddeb802208f' }).success, 'fs uuid must be dashed');
  t.notOk(fsRecordSchema.safeParse({ size: '-5' }).success, 'negative size refused');
  t.notOk(fsRecordSchema.safeParse({ size: '12abc' }).success);
  t.notOk(fileRecordSchema.safeParse({ fr_type: 'Link', file_path: 'a' }).success);
  t.notOk(fileRecordSchema.safeParse({ fr_type: 'File' }).success, 'file_path is required');
});

t.test('results are rendered the stock way: numbers as strings', async (t) => {
  t.same(storageResultToWire({ size: 12, state: 1, name: 'nfs:/x', opts: [], b: true, u: undefined, n: null }), { size: '12', state: '1', name: 'nfs:/x', opts: [], b: true, n: null });
});

t.test('op argument schemas: per kind, trailing arguments optional', async (t) => {
  t.ok(IFS_OP_ARGS.mount.safeParse([{}, { uuid: FSU, access_path: 'h:/e' }, `/nfsmnt/${FSU}`, '', true, []]).success, 'CloudStack mount shape');
  t.ok(IFS_OP_ARGS.unmount.safeParse([{}, { uuid: FSU }, `/nfsmnt/${FSU}`, true]).success, 'CloudStack unmount shape');
  t.ok(IFS_OP_ARGS.create.safeParse([{}, { uuid: FSU }, 'VirtualDisks/a.img', 'File', 2096898048]).success, 'CloudStack create shape');
  t.notOk(IFS_OP_ARGS.create.safeParse([{}, { uuid: FSU }, 'a', 'Link', 1]).success);
  t.notOk(IFS_OP_ARGS.resize.safeParse([{}, {}, { file_path: 'a' }, 0]).success, 'resize to 0 refused');
  t.notOk(IFS_OP_ARGS.mount.safeParse([{}, {}, '/nfsmnt/x', '', true, ['vers=3', 7]]).success, 'options must be strings');
  t.equal(opArgsSchema('isa', 'createFileSystem'), undefined, 'arrays have no file-system ops');
  t.ok(opArgsSchema('isa', 'startPresent'));
  t.equal(opArgsSchema('ifs', 'toString'), undefined, 'prototype names are not ops');
  t.ok(ISA_OP_ARGS.addToAccessGroup.safeParse([{}, 'grp', ['iqn.1988-12.com.oracle:h1']]).success);
});

t.test('discover_storage_plugins XML: stock element names and abilities', async (t) => {
  const xml = pluginsToXml([NFS_PLUGIN_INFO, OCFS2_PLUGIN_INFO, { ...NFS_PLUGIN_INFO, impl_name: 'oracle.generic.SCSIPlugin.GenericPlugin', plugin_type: 'isa', storage_types: ['SAN', 'iSCSI'], abilities: { clone: 'UNSUPPORTED' } }]);
  t.match(xml, /^<\?xml version="1.0" \?><Discover_Storage_Plugins_Result><storage_plugin_info_list><storage_plugin_info plugin_impl_name="oracle.generic.NFSPlugin.GenericNFSPlugin">/);
  t.match(xml, /<plugin_type>ifs<\/plugin_type><generic_plugin>True<\/generic_plugin><filesys_type>NetworkFS<\/filesys_type><filesys_name>NFS<\/filesys_name>/);
  t.match(xml, /<cluster_required>True<\/cluster_required><fs_api_version>1,2,7<\/fs_api_version>/, 'OCFS2 needs a cluster');
  t.match(xml, /<storage_types>SAN,iSCSI<\/storage_types><sa_api_version>/, 'arrays carry storage_types and sa_api_version');
  t.match(xml, /<abilities><resize_is_sync>YES<\/resize_is_sync>/);
});

t.test('storage.log lines: plugin, op, duration, result; never a secret', async (t) => {
  const c = { time: '2026-11-30T00:00:00.000Z', callId: 'c1', impl: 'p', op: 'validate' };
  const s = startLine(c, [{ access_host: 'h', admin_passwd: 'hunter2', chap: { username: 'u', password: 'chapsecret1' }, chap_password: 'x2' }, 'iscsi://u%topsecret@h/iqn']);
  t.notMatch(s, /hunter2|chapsecret1|x2"|topsecret/);
  t.match(s, /START call=c1 plugin=p op=validate args=.*"access_host":"h"/);
  t.match(finishLine(c, 12.4, { ok: true, summary: 'items=2' }), /FINISH call=c1 plugin=p op=validate duration_ms=12 result=ok items=2$/);
  t.match(finishLine(c, 3, { ok: false, code: 'STORAGE_SERVER_UNREACHABLE', message: 'login to iscsi://a:pw@h failed' }), /result=error code=STORAGE_SERVER_UNREACHABLE message="login to iscsi:\/\/a:\*\*\*@h failed"/);
  t.equal(redactUrlSecrets('nfs://h/x'), 'nfs://h/x');
});

t.test('paths are confined to the mount root', async (t) => {
  t.same(confinedPath('/nfsmnt/u', 'VirtualDisks/a.img'), { full: '/nfsmnt/u/VirtualDisks/a.img', rel: 'VirtualDisks/a.img' });
  t.same(confinedPath('/nfsmnt/u', '/nfsmnt/u/a'), { full: '/nfsmnt/u/a', rel: 'a' });
  for (const bad of ['../x', 'a/../../x', '/nfsmnt/u/../v/x', '/etc/passwd', '/nfsmnt/uu/x', '', 'a\0b', '/nfsmnt/u', './a']) {
    t.equal(code(() => confinedPath('/nfsmnt/u', bad)), 'STORAGE_BAD_PATH', `refused: ${JSON.stringify(bad)}`);
  }
});

t.test('NFS: targets, options, parsers', async (t) => {
  t.same(nfsTarget('nfs-store-1:/volumes/cs-data/primary', ''), { host: 'nfs-store-1', export: '/volumes/cs-data/primary', source: 'nfs-store-1:/volumes/cs-data/primary' });
  t.same(nfsTarget('', '192.0.2.10', undefined, 'nfs:/export'), { host: '192.0.2.10', export: '/export', source: '192.0.2.10:/export' });
  t.equal(code(() => nfsTarget('h:/a/../b', '')), 'STORAGE_INVALID');
  t.equal(code(() => nfsTarget('-o evil:/x', '')), 'STORAGE_INVALID');
  t.equal(code(() => nfsTarget('', '')), 'STORAGE_INVALID');
  t.equal(code(() => checkServerHost('host;rm -rf')), 'STORAGE_INVALID');
  t.same(nfsMountOptions([]), ['hard', 'timeo=600', 'retrans=2']);
  t.same(nfsMountOptions(['vers=4.1', 'soft', 'timeo=100', 'nfsvers=3']), ['soft', 'timeo=100', 'retrans=2', 'vers=3']);
  for (const bad of ['vers=5', 'exec=/bin/sh', 'timeo=abc', 'hard=1', 'x-systemd.automount']) t.equal(code(() => nfsMountOptions([bad])), 'STORAGE_INVALID', bad);
  t.same(parseShowmount('Export list for 192.0.2.10:\n/srv/a (everyone)\n/srv/b 192.0.2.0/24,host1\n'), [{ path: '/srv/a', clients: '(everyone)' }, { path: '/srv/b', clients: '192.0.2.0/24,host1' }]);
  t.same(parseNfsLsDirs('drwxr-xr-x  3 65534 65534            0 export\n-rw-r--r--  1     0     0            3 hello.txt\n'), ['/export']);
  t.match(probeFailureReason('clnt_create: RPC: Unable to receive', false), /connection refused/);
  t.match(probeFailureReason('', true), /time limit/);
});

t.test('OCFS2: mkfs argv from checked options, parsers of the recorded outputs', async (t) => {
  const p = mkfsOcfs2Argv('/dev/loop2', { block_size: 4096, cluster_size: 1048576, node_slots: 8, journal_size: 64 * 1048576, label: 'pool1fs-gh', global_heartbeat: true, cluster_stack: 'o2cb', cluster_name: 'f1e2d3c4b5a69788', force: true } as never, FSU);
  t.same(p.argv, ['mkfs.ocfs2', '-F', '-b', '4K', '-C', '1M', '-N', '8', '-J', 'size=64M', '-L', 'pool1fs-gh', '-U', FSU.toUpperCase(), '--global-heartbeat', '--cluster-stack=o2cb', '--cluster-name=f1e2d3c4b5a69788', '/dev/loop2']);
  t.equal(p.input, 'y\n', 'force confirms the re-format prompt');
  t.equal(mkfsOcfs2Argv('/dev/x', {} as never).input, '', 'no force: the prompt is refused');
  for (const [k, v] of [['block_size', 3000], ['cluster_size', 1000], ['node_slots', 0], ['label', 'a b'], ['cluster_name', 'waytoolongclustername'], ['cluster_stack', 'pcmk'], ['fs_uuid', 'zz']] as const) {
    t.equal(code(() => mkfsOcfs2Argv('/dev/x', { cluster_name: 'c', [k]: v } as never)), 'STORAGE_INVALID', `${k}=${v} refused`);
  }
  t.equal(code(() => mkfsOcfs2Argv('/dev/x', { global_heartbeat: true } as never)), 'STORAGE_INVALID', 'global heartbeat needs a cluster');
  const table = 'Device      Stack  Cluster           F  UUID                              Label\n/dev/loop0  o2cb   f1e2d3c4b5a69788  G  9999564F6AF4453CA245C71E0F774F13  ovspoolfs\n/dev/loop1  o2cb   f1e2d3c4b5a69788     BF006977661E4AB2B7555DE50A1F58A3  iscsirepo\n';
  t.same(parseMountedOcfs2(table), [
    { device: '/dev/loop0', stack: 'o2cb', cluster: 'f1e2d3c4b5a69788', globalHeartbeat: true, uuid: '9999564f-6af4-453c-a245-c71e0f774f13', label: 'ovspoolfs' },
    { device: '/dev/loop1', stack: 'o2cb', cluster: 'f1e2d3c4b5a69788', globalHeartbeat: false, uuid: 'bf006977-661e-4ab2-b755-5de50a1f58a3', label: 'iscsirepo' },
  ]);
  t.same(parseMountedOcfs2('Device      Stack  Cluster  F  UUID  Label\n'), []);
  const q = parseTunefsQuery('UUID=0004FB0000050000E70FBDDEB802208F\nLabel=pool1fs-gh\nSlots=8\nClusterSize=1048576\nCompat=backup-super strict-journal-super\nIncompat=sparse xattr\nRoCompat=unwritten\n');
  t.same(q, { uuid: FSU, label: 'pool1fs-gh', slots: 8, clusterSize: 1048576, features: ['backup-super', 'strict-journal-super', 'sparse', 'xattr', 'unwritten'] });
  t.equal(code(() => parseTunefsQuery('')), 'STORAGE_INVALID');
  t.same(ocfs2MountOptions(['heartbeat=global', 'noatime']), ['_netdev', 'heartbeat=global', 'noatime']);
  t.equal(code(() => ocfs2MountOptions(['heartbeat=weird'])), 'STORAGE_INVALID');
});
