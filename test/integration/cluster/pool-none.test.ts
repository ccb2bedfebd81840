// cluster.stack none, for real: the pool FS is a shared directory (here a temp dir standing in
// for the NFS export, bind-mounted where the export would be), and three agents with their own
// sysroot and database create, join, refuse a used node number, leave and destroy the pool
// through real mounts and the shared state file. Needs root (bind mounts); all unmounted and
// removed in teardown.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { HostExec } from '../../../src/host/exec.js';
import { ExecMounter } from '../../../src/host/mounter.js';
import { ExecPoolFsMounts } from '../../../src/host/cluster/pool-fs-mounts.js';
import { clusterKit, type ClusterKit } from '../../helpers/cluster-kit.js';
import { makeKit, tempDir } from '../../helpers/service-kit.js';
import { failure } from '../../helpers/failure.js';
import { PoolSharedState } from '../../../src/services/cluster/pool-shared-state.js';

const skip = process.getuid?.() !== 0 ? 'needs root (bind mounts)' : false;
const POOL = '0004fb00000100001a2b3c4d5e6f7081';
const FS = '0004fb00-0005-0000-e70f-bddeb80220c1';
const FSHEX = FS.replace(/-/g, '');
const BASE = '0004fb00000500007777bddeb80220c1';
const MGR = '0004fb0000020000ba9aaf00ae5e2d73';
const TARGET = 'hvc-nfs:/export/pool';
const VIP = '192.0.2.250';

t.test('a pool on a shared directory: create, join from a second agent, leave, destroy', { skip }, async (t) => {
  const exportDir = tempDir('hvc-export-');
  const exec = new HostExec();
  const agents: ClusterKit[] = [];
  t.teardown(() => {
    for (const a of agents) {
      const mine = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(a.kit.sysroot));
      for (const m of mine.reverse()) execFileSync('umount', ['-l', m]);
      a.kit.cleanup();
    }
    fs.rmSync(exportDir, { recursive: true, force: true });
  });
  const agent = (hostname: string) => {
    const kit = makeKit({ cluster: { stack: 'none' } });
    kit.exec.rules.push(() => ({ code: 99, stderr: 'RecordingExec must not be used here' }));
    const c = clusterKit({
      kit,
      hostname,
      mounts: (d) => {
        const real = new ExecPoolFsMounts(exec, new ExecMounter(exec));
        // The "NFS export" is the shared temp dir, bind-mounted where mount -t nfs would put it.
        return { ...real, mountExport: (_target: string, dir: string) => real.bind(exportDir, dir), bind: (s, dd) => real.bind(s, dd), unmount: (dd) => real.unmount(dd), isMounted: (dd) => real.isMounted(dd) };
      },
    });
    agents.push(c);
    return c;
  };
  const a = agent('hvc-a');
  const b = agent('hvc-b');
  const c = agent('hvc-c');
  const docOnExport = () => JSON.parse(fs.readFileSync(path.join(exportDir, 'ovspoolfs/.hvagent/pool.json'), 'utf8'));

  await a.call('create_pool_filesystem', 'nfs', TARGET, 'hvcpool', FS, BASE, MGR, POOL);
  t.ok(a.mounted.size === 0, 'no fake mounts: the real ones are in /proc/mounts');
  t.equal(execFileSync('findmnt', ['-n', '-o', 'TARGET', path.join(a.kit.sysroot, 'poolfsmnt', FSHEX)], { encoding: 'utf8' }).trim(), path.join(a.kit.sysroot, 'poolfsmnt', FSHEX));
  t.match(fs.readFileSync(path.join(exportDir, '.ovspoolfs'), 'utf8'), `POOL_UUID=${POOL}`);
  t.equal(await a.call('is_cluster_online'), false);
  t.match(await a.call('discover_cluster'), '<Cluster_State>Offline</Cluster_State>');
  t.equal((await failure(a.call('configure_server_for_cluster', FS))).code, 'NOT_SUPPORTED');

  await a.call('create_server_pool', 'pool1', POOL, VIP, 0, 'hvc-a', '192.0.2.11');
  t.match(docOnExport(), { poolUuid: POOL, master: 'hvc-a', members: [{ hostname: 'hvc-a', nodeNumber: 0 }] });

  await b.call('create_pool_filesystem', 'nfs', TARGET, 'hvcpool', FS, BASE, MGR, POOL);
  await b.call('join_server_pool', 'pool1', POOL, VIP, 1, 'hvc-b', '192.0.2.12');
  t.match(docOnExport(), { master: 'hvc-a', members: [{ hostname: 'hvc-a' }, { hostname: 'hvc-b', nodeNumber: 1 }] });
  t.same(b.pool.get()?.memberIps, ['192.0.2.11', '192.0.2.12']);

  await c.call('create_pool_filesystem', 'nfs', TARGET, 'hvcpool', FS, BASE, MGR, POOL);
  const e = await failure(c.call('join_server_pool', 'pool1', POOL, VIP, 1, 'hvc-c', '192.0.2.13'));
  t.equal(e.code, 'CLUSTER_NODE_IN_USE');
  t.equal(c.own.state(), 'Owned');
  t.equal(docOnExport().members.length, 2, 'the refused member left no trace in the shared state');
  t.equal((await failure(c.call('create_pool_filesystem', 'nfs', TARGET, 'hvcpool', FS, BASE, MGR, '0004fb0000010000ffffffffffffffff'))).code, 'POOLFS_OWNED_BY_OTHER', 'the pool FS is pool1\'s');
  await c.call('destroy_pool_filesystem', 'nfs', TARGET, FS, BASE);
  t.ok(fs.existsSync(path.join(exportDir, '.ovspoolfs')), "C's destroy only detached it: the pool still uses the export");
  t.equal(docOnExport().members.length, 2);

  // B restarts without the manager: its view comes from the pool FS, or from its database
  const shared = new PoolSharedState(b.deps, `/poolfsmnt/${FSHEX}`, 'hvc-b');
  t.match((await shared.load()).source, 'poolfs');
  execFileSync('umount', [path.join(b.kit.sysroot, 'poolfsmnt', FSHEX)]);
  fs.mkdirSync(path.join(b.kit.sysroot, 'poolfsmnt', FSHEX, '.hvagent/pool.json'), { recursive: true }); // unreadable as a file
  const fromDb = await shared.load();
  t.equal(fromDb.source, 'db');
  t.equal(fromDb.doc?.members.length, 2);
  fs.rmSync(path.join(b.kit.sysroot, 'poolfsmnt', FSHEX, '.hvagent'), { recursive: true });
  // B's reboot lost its mounts too; at start the agent puts them back as they were
  execFileSync('umount', [path.join(b.kit.sysroot, 'nfsmnt', BASE)]);
  await b.area.feature.start?.();
  t.equal((await shared.load()).source, 'poolfs', 'export and pool FS mounted again at start');
  t.equal((await shared.read())?.members.length, 2);

  await b.call('leave_server_pool', POOL);
  t.match(docOnExport(), { members: [{ hostname: 'hvc-a' }] });
  await b.call('destroy_pool_filesystem', 'nfs', TARGET, FS, BASE);
  t.equal((await failure(a.call('destroy_pool_filesystem', 'nfs', TARGET, FS, BASE))).code, 'POOLFS_INVALID', 'still used by the pool');
  await a.call('destroy_server_pool', POOL);
  t.notOk(fs.existsSync(path.join(exportDir, 'ovspoolfs/.hvagent/pool.json')), 'the last member removed the shared state');
  await a.call('destroy_pool_filesystem', 'nfs', TARGET, FS, BASE);
  t.same(fs.readdirSync(exportDir), [], 'the export is empty again');
  for (const x of [a, b, c]) {
    t.notOk(fs.readFileSync('/proc/mounts', 'utf8').includes(x.kit.sysroot), 'nothing left mounted');
    t.equal(await x.call('discover_pool_filesystem'), '<?xml version="1.0" ?><Discover_Pool_Filesystem_Result/>');
  }
});
