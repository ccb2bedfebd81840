// create/join/leave/destroy_server_pool of an o2cb pool against a recorded host: the kernel
// steps as commands, Cluster_State from recorded configfs trees, the live-node map from
// heartbeat sectors, a second member sharing the pool FS, and rollback when a step fails.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clusterKit, type ClusterKit } from '../../helpers/cluster-kit.js';
import { failure } from '../../helpers/failure.js';
import { tempDir } from '../../helpers/service-kit.js';
import { encodeSlot } from '../../../src/core/cluster/o2hb.js';

const FIX = path.resolve(import.meta.dirname, '../../fixtures/cluster');
const POOL = '0004fb00000100001a2b3c4d5e6f7081';
const FS = 'f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8';
const FSHEX = 'f12842ebf5ed3fe78da1eb0e17f5ede8';
const BASE = FSHEX;
const MGR = 'd1a749d4295041fb99854f52ea4dea97';
const CL = 'd1a749d4295041f';
const TARGET = 'cs-mgmt:/volumes/cs-data/primary/ovm';
const VIP = '192.0.2.250';

function kitWithState(hb: () => Uint8Array[]) {
  const cfs = tempDir('hvc-cfs-');
  const c = clusterKit({ configfsRoot: cfs, readHb: async () => hb() });
  c.kit.exec.rules.unshift((argv) => {
    if (argv[0] !== 'debugfs.ocfs2') return undefined;
    if (argv[2] === 'stats') return { stdout: fs.readFileSync(path.join(FIX, 'debugfs/stats.out'), 'utf8') };
    if (argv[2] === 'stat //heartbeat') return { stdout: fs.readFileSync(path.join(FIX, 'debugfs/stat-heartbeat.out'), 'utf8') };
    return undefined;
  });
  const setState = (name: string | undefined) => {
    fs.rmSync(path.join(cfs, 'sys'), { recursive: true, force: true });
    fs.rmSync(path.join(cfs, 'proc'), { recursive: true, force: true });
    if (name) fs.cpSync(path.join(FIX, 'configfs', name), cfs, { recursive: true });
  };
  return { c, setState, cleanup: () => (c.kit.cleanup(), fs.rmSync(cfs, { recursive: true, force: true })) };
}

const createFs = (c: ClusterKit) => c.call('create_pool_filesystem', 'nfs', TARGET, CL, FS, BASE, MGR, POOL);
const shared = (c: ClusterKit) => JSON.parse(fs.readFileSync(path.join(c.kit.sysroot, 'poolfsmnt', FSHEX, '.hvagent/pool.json'), 'utf8'));

t.test('create_server_pool of a clustered pool: the whole sequence, state, live nodes, leave', async (t) => {
  let sectors: Uint8Array[] = [];
  const { c, setState, cleanup } = kitWithState(() => sectors);
  t.teardown(cleanup);
  await createFs(c);
  const n = c.commands().length;
  await c.call('create_server_pool', 'pool1', POOL, VIP, 0, 'ovm-1', '192.0.2.11');
  t.same(c.commands().slice(n), [`o2cb register-cluster ${CL}`, `o2cb start-heartbeat ${CL}`, `mount -t ocfs2 /dev/loop7 $ROOT/poolfsmnt/${FSHEX}`]);
  const conf = fs.readFileSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf'), 'utf8');
  t.equal(conf, `cluster:\n\tname = ${CL}\n\theartbeat_mode = global\n\tnode_count = 1\n\nheartbeat:\n\tcluster = ${CL}\n\tregion = ${FSHEX.toUpperCase()}\n\nnode:\n\tcluster = ${CL}\n\tnumber = 0\n\tip_port = 7777\n\tip_address = 192.0.2.11\n\tname = ovm-1\n\n`);
  t.match(fs.readFileSync(path.join(c.kit.sysroot, 'etc/sysconfig/o2cb'), 'utf8'), `O2CB_BOOTCLUSTER=${CL}\n`);
  t.match(shared(c), { poolUuid: POOL, master: 'ovm-1', virtualIp: VIP, members: [{ nodeNumber: 0, hostname: 'ovm-1', ip: '192.0.2.11' }], generation: 1 });
  t.equal(c.own.state(), 'Pooled');

  // Cluster_State from configfs
  t.equal(await c.call('is_cluster_online'), false, 'no configfs: offline');
  setState('registered-no-heartbeat');
  t.equal(await c.area.cluster.state(), 'Offline');
  setState('heartbeating');
  t.equal(await c.call('is_cluster_online'), true);
  t.match(await c.call('discover_cluster'), '<Cluster_State>Heartbeating</Cluster_State>');
  setState('dlm-ready');
  t.match(await c.call('discover_cluster'), '<Cluster_State>DLM_Ready</Cluster_State>');

  // live-node map from the heartbeat sectors: the agent's own sampler, on the manual clock
  const beat = (seq: number) => {
    sectors = [encodeSlot({ seq: BigInt(seq), node: 0, generation: 0xabcn, deadMs: 122000 }), new Uint8Array(512)];
  };
  for (let i = 1; i <= 3; i++) {
    beat(1000 + i);
    c.kit.clock.advance(2000); // fires the sampler's timer
    await c.area.cluster.sampleHeartbeat(); // joins the sample in flight
  }
  t.match(await c.call('discover_cluster'), '<Live_Nodes><Node><Number>0</Number><State>live</State><Generation>0000000000000abc</Generation><Sequence>1003</Sequence></Node></Live_Nodes>');
  t.ok(c.kit.exec.calls.some((x) => x.argv.join(' ') === `debugfs.ocfs2 -R stat //heartbeat /dev/loop7`), 'geometry from the heartbeat file');

  // a second pool is refused; a pool FS of another pool too
  t.equal((await failure(c.call('join_server_pool', 'p2', '0004fb0000010000ffffffffffffffff', VIP, 1, 'ovm-1', '192.0.2.11'))).code, 'POOL_ALREADY_MEMBER');

  setState(undefined);
  const m = c.commands().length;
  await c.call('destroy_server_pool', POOL);
  t.same(c.commands().slice(m), [`umount $ROOT/poolfsmnt/${FSHEX}`, `o2cb stop-heartbeat ${CL}`, `o2cb unregister-cluster ${CL}`]);
  t.notOk(fs.existsSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf')));
  t.match(fs.readFileSync(path.join(c.kit.sysroot, 'etc/sysconfig/o2cb'), 'utf8'), /O2CB_ENABLED=false\n/);
  t.notOk(fs.existsSync(path.join(c.kit.sysroot, 'poolfsmnt', FSHEX, '.hvagent/pool.json')), 'the last member destroyed the shared state');
  t.equal(c.own.state(), 'Owned');
  await c.call('destroy_pool_filesystem', 'nfs', TARGET, FS, BASE);
  t.equal(await c.call('discover_pool_filesystem'), '<?xml version="1.0" ?><Discover_Pool_Filesystem_Result/>');
  t.same(c.commands().slice(-2), [`losetup -d /dev/loop7`, `umount $ROOT/nfsmnt/${BASE}`]);
});

t.test('a failing kernel step rolls the whole create_server_pool back', async (t) => {
  const { c, cleanup } = kitWithState(() => []);
  t.teardown(cleanup);
  await createFs(c);
  c.failing.set('mount -t ocfs2', 'mount.ocfs2: Unable to access cluster service while trying initialize cluster');
  const n = c.commands().length;
  const e = await failure(c.call('create_server_pool', 'pool1', POOL, VIP, 0, 'ovm-1', '192.0.2.11'));
  t.equal(e.code, 'STORAGE_MOUNT_FAILED');
  t.match(e.message, 'Unable to access cluster service');
  t.same(c.commands().slice(n), [
    `o2cb register-cluster ${CL}`,
    `o2cb start-heartbeat ${CL}`,
    `mount -t ocfs2 /dev/loop7 $ROOT/poolfsmnt/${FSHEX}`,
    `o2cb stop-heartbeat ${CL}`,
    `o2cb unregister-cluster ${CL}`,
  ]);
  t.notOk(fs.existsSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf')), 'cluster.conf as before (absent)');
  t.notOk(fs.existsSync(path.join(c.kit.sysroot, 'etc/sysconfig/o2cb')), 'o2cb file as before (absent)');
  t.equal(c.kit.hostState.get('cluster'), undefined);
  t.same(c.kit.intents.pending(), []);
  t.equal(c.own.state(), 'Owned');
  // a pool FS of another pool
  c.failing.clear();
  t.equal((await failure(c.call('create_server_pool', 'pool2', '0004fb0000010000ffffffffffffffff', VIP, 0, 'ovm-1', '192.0.2.11'))).code, 'POOLFS_OWNED_BY_OTHER');
  // an operation interrupted by a crash is rolled back at the next start
  c.kit.intents.begin('pool-cluster', 'cluster:create_server_pool', { operation: 'create_server_pool', steps: [{ kind: 'record', args: {} }] }).step('record');
  c.kit.hostState.setJson('pool', { uuid: POOL });
  await c.area.feature.start?.();
  t.equal(c.kit.hostState.get('pool'), undefined, 'the half-made pool record is gone');
  t.same(c.kit.intents.pending(), []);
  await c.area.feature.stop?.();
});

t.test('a second member joins through the shared pool FS; a used node number is refused', async (t) => {
  const a = kitWithState(() => []);
  const b = kitWithState(() => []);
  t.teardown(() => (a.cleanup(), b.cleanup()));
  await createFs(a.c);
  await a.c.call('create_server_pool', 'pool1', POOL, VIP, 0, 'ovm-1', '192.0.2.11');
  // B sees the same export and the same mounted pool FS (both are fake mounts here)
  for (const d of [`nfsmnt/${BASE}`, `poolfsmnt/${FSHEX}`]) {
    fs.mkdirSync(path.dirname(path.join(b.c.kit.sysroot, d)), { recursive: true });
    fs.symlinkSync(path.join(a.c.kit.sysroot, d), path.join(b.c.kit.sysroot, d));
  }
  b.c.formatted.set(path.join(b.c.kit.sysroot, 'nfsmnt', BASE, 'ovspoolfs.img'), FS);
  await createFs(b.c);
  t.notOk(b.c.commands().some((x) => x.startsWith('mkfs') || x.startsWith('truncate')), 'B adopts the pool FS, formats nothing');

  const n = b.c.commands().length;
  const e = await failure(b.c.call('join_server_pool', 'pool1', POOL, VIP, 0, 'ovm-2', '192.0.2.12'));
  t.equal(e.code, 'CLUSTER_NODE_IN_USE');
  t.match(e.message, 'node number 0 is in use by ovm-1');
  t.same(b.c.commands().slice(n).slice(-3), [`umount $ROOT/poolfsmnt/${FSHEX}`, `o2cb stop-heartbeat ${CL}`, `o2cb unregister-cluster ${CL}`], 'rolled back');
  t.equal(b.c.own.state(), 'Owned');
  t.notOk(fs.existsSync(path.join(b.c.kit.sysroot, 'etc/ocfs2/cluster.conf')));

  await b.c.call('join_server_pool', 'pool1', POOL, VIP, 1, 'ovm-2', '192.0.2.12');
  t.equal(fs.readFileSync(path.join(b.c.kit.sysroot, 'etc/ocfs2/cluster.conf'), 'utf8'), fs.readFileSync(path.join(FIX, 'two-nodes/cluster.conf'), 'utf8').replaceAll('f1e2d3c4b5a69788', CL).replace('0004FB0000050000E70FBDDEB802208F', FSHEX.toUpperCase()).replace('192.0.2.11', '192.0.2.11'));
  t.equal(b.c.commands().filter((x) => x === `o2cb register-cluster ${CL}`).length, 3, 'registered again to sync the new node list');
  t.match(shared(a.c), { master: 'ovm-1', members: [{ hostname: 'ovm-1' }, { hostname: 'ovm-2', nodeNumber: 1 }] });
  t.same(b.c.pool.get()?.memberIps, ['192.0.2.11', '192.0.2.12']);

  await b.c.call('leave_server_pool', POOL);
  t.match(shared(a.c), { master: 'ovm-1', members: [{ hostname: 'ovm-1' }] });
  t.equal(shared(a.c).members.length, 1);
});

t.test('a failing leave_server_pool puts the member and the cluster back', async (t) => {
  const { c, cleanup } = kitWithState(() => []);
  t.teardown(cleanup);
  await createFs(c);
  await c.call('create_server_pool', 'pool1', POOL, VIP, 0, 'ovm-1', '192.0.2.11');
  const confBefore = fs.readFileSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf'), 'utf8');
  c.failing.set(`o2cb unregister-cluster`, 'o2cb: Unable to access cluster service');
  const n = c.commands().length;
  const e = await failure(c.call('leave_server_pool', POOL));
  t.equal(e.code, 'CLUSTER_STACK_FAILED');
  t.same(c.commands().slice(n), [
    `umount $ROOT/poolfsmnt/${FSHEX}`,
    `o2cb stop-heartbeat ${CL}`,
    `o2cb unregister-cluster ${CL}`,
    `o2cb register-cluster ${CL}`,
    `o2cb start-heartbeat ${CL}`,
    `mount -t ocfs2 /dev/loop7 $ROOT/poolfsmnt/${FSHEX}`,
  ], 'taken offline, failed, brought back online');
  t.match(shared(c), { master: 'ovm-1', members: [{ hostname: 'ovm-1', nodeNumber: 0 }] }, 'back in the shared state');
  t.equal(c.own.state(), 'Pooled');
  t.equal(fs.readFileSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf'), 'utf8'), confBefore);
  t.equal(c.kit.hostState.getJson<{ online: boolean }>('cluster')?.online, true);
});

t.test('a LUN pool FS: formatted in place, never over another OCFS2', async (t) => {
  const { c, cleanup } = kitWithState(() => []);
  t.teardown(cleanup);
  c.kit.exec.rules.unshift((argv) =>
    argv[0] === 'mounted.ocfs2' ? { stdout: 'Device      Stack  Cluster           F  UUID                              Label\n/dev/sdc    o2cb   f1e2d3c4b5a69788  G  0004FB0000050000E70FBDDEB802208F  ovspoolfs\n' } : undefined,
  );
  t.equal((await failure(c.call('create_pool_filesystem', 'lun', '/dev/sdc', CL, FS, BASE, MGR, POOL))).code, 'POOLFS_OWNED_BY_OTHER');
  t.same(c.commands(), []);
  await c.call('create_pool_filesystem', 'lun', '/dev/sdb', CL, FS, BASE, MGR, POOL);
  t.same(c.commands(), [`mkfs.ocfs2 -F -b 4096 -C 1048576 -N 32 -J size=67108864 -L ovspoolfs -U ${FS} --global-heartbeat --cluster-stack=o2cb --cluster-name=${CL} --fs-feature-level=max-features /dev/sdb`]);
  await c.call('create_server_pool', 'pool1', POOL, VIP, 0, 'ovm-1', '192.0.2.11');
  t.equal(c.commands().at(-1), `mount -t ocfs2 /dev/sdb $ROOT/poolfsmnt/${FSHEX}`);
  // ocfs2_get_meta_data reads a root file of the device with debugfs, refuses other paths
  c.kit.exec.rules.unshift((argv) => (argv[0] === 'debugfs.ocfs2' && argv[2] === 'cat /.ovspoolfs' ? { stdout: 'OVS_POOLFS=1\n' } : argv[0] === 'debugfs.ocfs2' && argv[2].startsWith('cat') ? { stderr: "cat: Directory entry not found '/x'" } : undefined));
  t.equal(await c.call('ocfs2_get_meta_data', '/dev/sdb', '.ovspoolfs'), 'OVS_POOLFS=1\n');
  t.equal((await failure(c.call('ocfs2_get_meta_data', '/dev/sdb', 'x'))).code, 'NOT_FOUND');
  t.equal((await failure(c.call('ocfs2_get_meta_data', '/dev/sdb', '../etc/shadow'))).code, 'INVALID_ARGUMENT');
  t.equal((await failure(c.call('ocfs2_get_meta_data', '/etc/shadow', 'x'))).code, 'INVALID_ARGUMENT');
});

t.test('CLUSTERS/HIGH_AVAILABILITY capability only where the cluster can run', async (t) => {
  const { c, cleanup } = kitWithState(() => []);
  t.teardown(cleanup);
  const put = (p: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(c.kit.sysroot, p)), { recursive: true });
    fs.writeFileSync(path.join(c.kit.sysroot, p), text);
  };
  t.equal(await c.area.cluster.capable(), false, 'nothing installed');
  put('usr/sbin/o2cb', '');
  put('proc/filesystems', 'nodev\tsysfs\n\text4\n');
  fs.mkdirSync(path.join(c.kit.sysroot, 'sys/kernel/config'), { recursive: true });
  t.equal(await c.area.cluster.capable(), false, 'no ocfs2 in the kernel (this machine)');
  put('proc/filesystems', 'nodev\tsysfs\nnodev\tconfigfs\n\text4\n\tocfs2\nnodev\tocfs2_dlmfs\n');
  t.equal(await c.area.cluster.capable(), true);
  const none = clusterKit({ config: { cluster: { stack: 'none' } } });
  t.teardown(() => none.kit.cleanup());
  t.equal(await none.area.cluster.capable(), false, 'stack none: no cluster');
});

t.test('after a reboot the agent re-attaches the pool FS and brings the cluster back', async (t) => {
  const { c, setState, cleanup } = kitWithState(() => []);
  t.teardown(cleanup);
  await createFs(c);
  await c.call('create_server_pool', 'pool1', POOL, VIP, 0, 'ovm-1', '192.0.2.11');
  c.mounted.clear(); // the reboot: nothing mounted, configfs empty
  setState(undefined);
  const n = c.commands().length;
  await c.area.feature.start?.();
  t.same(c.commands().slice(n), [
    `mount -t nfs ${TARGET} $ROOT/nfsmnt/${BASE}`,
    `o2cb register-cluster ${CL}`,
    `o2cb start-heartbeat ${CL}`,
    `mount -t ocfs2 /dev/loop7 $ROOT/poolfsmnt/${FSHEX}`,
  ]);
  // already heartbeating (the o2cb init script did it at boot): nothing is run again
  setState('heartbeating');
  const m = c.commands().length;
  await c.area.feature.start?.();
  t.same(c.commands().slice(m), []);
  await c.area.feature.stop?.();
});
