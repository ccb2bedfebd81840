// The o2cb path end to end against a recorded host: the exact commands run (mount, truncate,
// mkfs.ocfs2, losetup, o2cb register-cluster/start-heartbeat, mount -t ocfs2), the files
// written, the shared state, and the rollback when a kernel step fails.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clusterKit } from '../../helpers/cluster-kit.js';
import { failure } from '../../helpers/failure.js';

const FIX = path.resolve(import.meta.dirname, '../../fixtures/cluster');
const POOL = '0004fb00000100001a2b3c4d5e6f7081';
const FS = 'f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8';
const FSHEX = 'f12842ebf5ed3fe78da1eb0e17f5ede8';
const REGION = FSHEX.toUpperCase();
const BASE = 'f12842ebf5ed3fe78da1eb0e17f5ede8';
const MGR = 'd1a749d4295041fb99854f52ea4dea97';
const CL = 'd1a749d4295041f';
const TARGET = 'cs-mgmt:/volumes/cs-data/primary/ovm';

const createFs = (c: ReturnType<typeof clusterKit>, pool = POOL) => c.call('create_pool_filesystem', 'nfs', TARGET, CL, FS, BASE, MGR, pool);

t.test('create_pool_filesystem on NFS: the commands, the record, the stock XML', async (t) => {
  const c = clusterKit();
  t.teardown(() => c.kit.cleanup());
  await createFs(c);
  t.same(c.commands(), [
    `mount -t nfs ${TARGET} $ROOT/nfsmnt/${BASE}`,
    `truncate -s 10737418240 $ROOT/nfsmnt/${BASE}/ovspoolfs.img`,
    `mkfs.ocfs2 -F -b 4096 -C 1048576 -N 32 -J size=67108864 -L ovspoolfs -U ${FS} --global-heartbeat --cluster-stack=o2cb --cluster-name=${CL} --fs-feature-level=max-features $ROOT/nfsmnt/${BASE}/ovspoolfs.img`,
    `losetup --find --show $ROOT/nfsmnt/${BASE}/ovspoolfs.img`,
  ]);
  t.equal(c.kit.exec.calls.find((x) => x.argv[0] === 'mkfs.ocfs2')?.opts.input, 'y\n', 'mkfs is told y (no running stack)');
  t.match(fs.readFileSync(path.join(c.kit.sysroot, 'nfsmnt', BASE, '.ovspoolfs'), 'utf8'), `POOL_UUID=${POOL}`);
  t.equal(
    await c.call('discover_pool_filesystem'),
    `<?xml version="1.0" ?><Discover_Pool_Filesystem_Result><Pool_Filesystem><Pool_Filesystem_Type>nfs</Pool_Filesystem_Type><Pool_Filesystem_Target>${TARGET}</Pool_Filesystem_Target><Pool_Filesystem_Uuid>${FS}</Pool_Filesystem_Uuid><Pool_Filesystem_Nfsbase_Uuid>${BASE}</Pool_Filesystem_Nfsbase_Uuid><Pool_Filesystem_Manager_Uuid>${MGR}</Pool_Filesystem_Manager_Uuid><Pool_Filesystem_Version>3.0</Pool_Filesystem_Version><Pool_Filesystem_Pool_Uuid>${POOL}</Pool_Filesystem_Pool_Uuid></Pool_Filesystem></Discover_Pool_Filesystem_Result>`,
  );
  const n = c.kit.exec.calls.length;
  await createFs(c);
  t.equal(c.kit.exec.calls.length, n, 'the same call again changes nothing');
  t.equal((await failure(c.call('create_pool_filesystem', 'nfs', TARGET, CL, '0004fb00-0005-0000-e70f-bddeb802208f', BASE, MGR, POOL))).code, 'POOLFS_INVALID');
});

t.test('refusals change nothing: long cluster name, bad target, other pool stamp, mkfs failure rolls back', async (t) => {
  const c = clusterKit();
  t.teardown(() => c.kit.cleanup());
  t.equal((await failure(c.call('create_pool_filesystem', 'nfs', TARGET, '12345678901234567', FS, BASE, MGR, POOL))).code, 'CLUSTER_INVALID');
  t.equal((await failure(c.call('create_pool_filesystem', 'nfs', '/dev/sdb', CL, FS, BASE, MGR, POOL))).code, 'POOLFS_INVALID');
  t.equal((await failure(c.call('create_pool_filesystem', 'iscsi', TARGET, CL, FS, BASE, MGR, POOL))).code, 'POOLFS_INVALID');
  t.equal((await failure(c.call('create_pool_filesystem', 'nfs', TARGET, CL, 'xyz', BASE, MGR, POOL))).code, 'INVALID_ARGUMENT');
  t.equal((await failure(c.call('create_pool_filesystem', 'nfs', TARGET, CL, FS, BASE, MGR, POOL, 3000))).code, 'INVALID_ARGUMENT');
  t.same(c.commands(), []);

  c.failing.set('mkfs.ocfs2', 'mkfs.ocfs2: Could not open device');
  t.equal((await failure(createFs(c))).code, 'POOLFS_FAILED');
  t.notOk(fs.existsSync(path.join(c.kit.sysroot, 'nfsmnt', BASE, 'ovspoolfs.img')), 'the image is removed again');
  t.notOk(c.mounted.has(path.join(c.kit.sysroot, 'nfsmnt', BASE)), 'the export is unmounted again');
  t.equal(c.commands().at(-1), `umount $ROOT/nfsmnt/${BASE}`);
  t.notOk(fs.existsSync(path.join(c.kit.sysroot, 'nfsmnt', BASE)), 'and its mount point removed');
  t.equal(c.kit.hostState.get('poolfs'), undefined);
  t.same(c.kit.intents.pending(), [], 'no intent left behind');
  c.failing.clear();

  // an export stamped by another pool is refused before anything is formatted
  fs.mkdirSync(path.join(c.kit.sysroot, 'nfsmnt', BASE), { recursive: true });
  fs.writeFileSync(path.join(c.kit.sysroot, 'nfsmnt', BASE, '.ovspoolfs'), `POOLFS_UUID=${FSHEX}\nPOOL_UUID=0004fb0000010000ffffffffffffffff\n`);
  const before = c.commands().length;
  t.equal((await failure(createFs(c))).code, 'POOLFS_OWNED_BY_OTHER');
  t.notOk(c.commands().slice(before).some((x) => x.startsWith('mkfs') || x.startsWith('truncate')), 'nothing formatted');
});

t.test('configure_server_for_cluster writes both files byte for byte (RHEL and Debian)', async (t) => {
  for (const debian of [false, true]) {
    const c = clusterKit();
    t.teardown(() => c.kit.cleanup());
    if (debian) {
      fs.mkdirSync(path.join(c.kit.sysroot, 'etc'), { recursive: true });
      fs.writeFileSync(path.join(c.kit.sysroot, 'etc/debian_version'), '12.8\n');
    }
    await c.call('create_pool_filesystem', 'nfs', TARGET, 'f1e2d3c4b5a69788', '0004fb00-0005-0000-e70f-bddeb802208f', BASE, MGR, POOL);
    const conf = {
      cluster: [{ name: 'f1e2d3c4b5a69788', node_count: '2', heartbeat_mode: 'global' }],
      heartbeat: [{ region: '0004FB0000050000E70FBDDEB802208F', cluster: 'f1e2d3c4b5a69788' }],
      node: [
        { number: '0', name: 'ovm-1', ip_address: '192.0.2.11', ip_port: '7777', cluster: 'f1e2d3c4b5a69788' },
        { number: '1', name: 'ovm-2', ip_address: '192.0.2.12', ip_port: '7777', cluster: 'f1e2d3c4b5a69788' },
      ],
    };
    await c.call('configure_server_for_cluster', { O2CB_HEARTBEAT_THRESHOLD: '61' }, conf, 'nfs', TARGET, '0004fb00-0005-0000-e70f-bddeb802208f', BASE);
    t.equal(fs.readFileSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf'), 'utf8'), fs.readFileSync(path.join(FIX, 'two-nodes/cluster.conf'), 'utf8'));
    if (debian) {
      t.notOk(fs.existsSync(path.join(c.kit.sysroot, 'etc/sysconfig/o2cb')));
      t.match(fs.readFileSync(path.join(c.kit.sysroot, 'etc/default/o2cb'), 'utf8'), /^O2CB_BOOTCLUSTER=f1e2d3c4b5a69788$/m);
    } else {
      t.equal(fs.readFileSync(path.join(c.kit.sysroot, 'etc/sysconfig/o2cb'), 'utf8'), fs.readFileSync(path.join(FIX, 'o2cb/sysconfig-o2cb.ovm'), 'utf8'));
    }
    const xml = (await c.call('discover_cluster')) as string;
    t.match(xml, '<O2CB_BOOTCLUSTER>f1e2d3c4b5a69788</O2CB_BOOTCLUSTER>');
    t.match(xml, '<Node><Number>1</Number><IP_Port>7777</IP_Port><IP_Address>192.0.2.12</IP_Address><Name>ovm-2</Name><Cluster_Name>f1e2d3c4b5a69788</Cluster_Name></Node>');
    t.match(xml, '<Cluster_State>Offline</Cluster_State>');
    // a heartbeat region that is not the pool FS is refused, files unchanged
    const bad = structuredClone(conf);
    bad.heartbeat[0].region = '0004FB0000050000E70FBDDEB8022099';
    t.equal((await failure(c.call('configure_server_for_cluster', {}, bad, 'nfs', TARGET, '0004fb00-0005-0000-e70f-bddeb802208f', BASE))).code, 'CLUSTER_INVALID');
    t.equal(fs.readFileSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf'), 'utf8'), fs.readFileSync(path.join(FIX, 'two-nodes/cluster.conf'), 'utf8'));
    // update_clusterConfiguration, text form: node ovm-2 removed
    // update_clusterConfiguration, text form as list-cluster prints it: written as o2cb writes it
    const text = fs.readFileSync(path.join(FIX, 'node-removed/list-cluster.out'), 'utf8');
    await c.call('update_clusterConfiguration', text);
    t.equal(fs.readFileSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf'), 'utf8'), fs.readFileSync(path.join(FIX, 'node-removed/cluster.conf'), 'utf8'));
    t.equal((await failure(c.call('update_clusterConfiguration', text.replaceAll('208F', '2099')))).code, 'CLUSTER_INVALID', 'another region');
    t.equal((await failure(c.call('update_clusterConfiguration', { cluster: 'x' }))).code, 'CLUSTER_INVALID');
    t.equal(fs.readFileSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf'), 'utf8'), fs.readFileSync(path.join(FIX, 'node-removed/cluster.conf'), 'utf8'), 'unchanged by the refusals');
  }
});

t.test('the ClusterO2CB methods one by one, as a manager drives them', async (t) => {
  const c = clusterKit();
  t.teardown(() => c.kit.cleanup());
  t.equal((await failure(c.call('create_cluster', FS))).code, 'POOLFS_NOT_FOUND');
  await createFs(c);
  t.equal((await failure(c.call('create_cluster', FS))).code, 'CLUSTER_NOT_CONFIGURED');
  t.equal((await failure(c.call('configure_server_for_cluster', FS))).code, 'CLUSTER_NOT_CONFIGURED', 'short form needs a stored cluster.conf');
  const conf = {
    cluster: [{ name: CL, node_count: 1, heartbeat_mode: 'global' }],
    heartbeat: [{ region: REGION, cluster: CL }],
    node: [{ number: 0, name: 'ovm-1', ip_address: '192.0.2.11', ip_port: 7777, cluster: CL }],
  };
  await c.call('configure_server_for_cluster', {}, conf, 'nfs', TARGET, FS, BASE);
  await c.call('configure_server_for_cluster', FS); // CloudStack's one-argument form keeps it
  const n = c.commands().length;
  await c.call('create_cluster', FS);
  await c.call('join_cluster', FS); // already online: nothing more
  t.same(c.commands().slice(n), [`o2cb register-cluster ${CL}`, `o2cb start-heartbeat ${CL}`, `mount -t ocfs2 /dev/loop7 $ROOT/poolfsmnt/${FSHEX}`]);
  t.equal((await failure(c.call('deconfigure_server_for_cluster', FS))).code, 'CLUSTER_INVALID', 'not while online');
  t.equal((await failure(c.call('destroy_pool_filesystem', 'nfs', TARGET, FS, BASE))).code, 'POOLFS_INVALID', 'not while online');
  await c.call('leave_cluster', FS);
  await c.call('destroy_cluster', FS);
  t.same(c.commands().slice(n + 3), [`umount $ROOT/poolfsmnt/${FSHEX}`, `o2cb stop-heartbeat ${CL}`, `o2cb unregister-cluster ${CL}`]);
  await c.call('deconfigure_server_for_cluster', FS);
  t.notOk(fs.existsSync(path.join(c.kit.sysroot, 'etc/ocfs2/cluster.conf')));
  t.match(fs.readFileSync(path.join(c.kit.sysroot, 'etc/sysconfig/o2cb'), 'utf8'), /O2CB_ENABLED=false\n[\s\S]*O2CB_BOOTCLUSTER=\n/);
  // a failed register-cluster leaves nothing half done
  await c.call('configure_server_for_cluster', {}, conf, 'nfs', TARGET, FS, BASE);
  c.failing.set('o2cb start-heartbeat', 'o2cb: Unable to access cluster service while initializing the cluster');
  const m = c.commands().length;
  const e = await failure(c.call('create_cluster', FS));
  t.equal(e.code, 'CLUSTER_STACK_FAILED');
  t.match(e.message, 'Unable to access cluster service');
  t.same(c.commands().slice(m), [`o2cb register-cluster ${CL}`, `o2cb start-heartbeat ${CL}`, `o2cb stop-heartbeat ${CL}`, `o2cb unregister-cluster ${CL}`]);
  t.equal(c.kit.hostState.getJson<{ online: boolean }>('cluster')?.online, false);
  const events = c.kit.db.prepare("SELECT code FROM events WHERE code LIKE 'CLUSTER_%' OR code LIKE 'POOLFS_%' ORDER BY id").all() as Array<{ code: string }>;
  t.same(events.map((x) => x.code), ['POOLFS_CREATED', 'CLUSTER_ONLINE', 'CLUSTER_OFFLINE']);
});
