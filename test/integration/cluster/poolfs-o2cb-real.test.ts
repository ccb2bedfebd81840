// The o2cb pool FS with every tool for real: create_pool_filesystem formats a sparse
// ovspoolfs.img with mkfs.ocfs2 and attaches it with losetup (a bind mount of a temp dir stands
// in for the NFS export); the agent's sampler reads heartbeat slots a test writer puts there;
// create_server_pool then fails at the real `o2cb register-cluster` (no cluster stack in this
// kernel) and rolls back; destroy_pool_filesystem detaches and removes it. Needs root.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { HostExec } from '../../../src/host/exec.js';
import { ExecMounter } from '../../../src/host/mounter.js';
import { O2cbStack } from '../../../src/host/cluster/o2cb-tool.js';
import { ExecLoopDevices, ExecOcfs2Tools } from '../../../src/host/cluster/ocfs2-tools.js';
import { ExecPoolFsMounts } from '../../../src/host/cluster/pool-fs-mounts.js';
import { readHbRegion } from '../../../src/host/cluster/hb-region.js';
import { buildClusterArea } from '../../../src/services/cluster/cluster-area.js';
import { OwnershipService } from '../../../src/services/ownership/ownership-service.js';
import { PoolService } from '../../../src/services/ownership/pool-service.js';
import { poolMethods } from '../../../src/rpc/methods/pool.js';
import { heartbeatGeometry } from '../../../src/core/cluster/o2hb.js';
import { makeKit, tempDir } from '../../helpers/service-kit.js';
import { Registry } from '../../../src/rpc/registry.js';
import { injector } from '../../helpers/inject.js';
import { failure } from '../../helpers/failure.js';
import { O2hbWriter } from '../../helpers/o2hb-writer.js';

const skip = process.getuid?.() !== 0 ? 'needs root (loop devices, bind mounts)' : !fs.existsSync('/usr/sbin/o2cb') ? 'ocfs2-tools not installed' : false;
const POOL = '0004fb00000100001a2b3c4d5e6f70c2';
const FS = '0004fb00-0005-0000-e70f-bddeb80220c2';
const FSHEX = FS.replace(/-/g, '');
const BASE = '0004fb00000500007777bddeb80220c2';
const MGR = '0004fb0000020000ba9aaf00ae5e2d73';

t.test('an OCFS2 pool FS made, sampled, refused by the missing kernel stack, destroyed', { skip }, async (t) => {
  const exportDir = tempDir('hvc-export-');
  const kit = makeKit({ cluster: { poolFsImageBytes: 1024 * 1024 * 1024, poolFsSlots: 4 } });
  const exec = new HostExec();
  t.teardown(() => {
    for (const l of execFileSync('losetup', ['-j', path.join(exportDir, 'ovspoolfs.img')], { encoding: 'utf8' }).split('\n')) {
      const dev = /^(\/dev\/loop\d+):/.exec(l)?.[1];
      if (dev) execFileSync('losetup', ['-d', dev]);
    }
    const mine = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((m) => m?.startsWith(kit.sysroot));
    for (const m of mine.reverse()) execFileSync('umount', ['-l', m]);
    kit.cleanup();
    fs.rmSync(exportDir, { recursive: true, force: true });
  });
  const real = new ExecPoolFsMounts(exec, new ExecMounter(exec));
  const deps = {
    ...kit,
    exec,
    stack: new O2cbStack(exec),
    tools: new ExecOcfs2Tools(exec),
    loops: new ExecLoopDevices(exec),
    mounts: { mountExport: (_t: string, dir: string) => real.bind(exportDir, dir), bind: (s: string, d: string) => real.bind(s, d), unmount: (d: string) => real.unmount(d), isMounted: (d: string) => real.isMounted(d) },
    readHb: readHbRegion,
    configfsRoot: '/',
    hostname: async () => 'hvc-real',
  };
  const own = new OwnershipService({ hostState: kit.hostState, events: kit.events, log: kit.log });
  own.takeOwnership({ managerUuid: MGR });
  const pool = new PoolService({ hostState: kit.hostState, events: kit.events, ownership: own, log: kit.log });
  const area = buildClusterArea(deps, pool);
  const call = injector(new Registry({ isOwned: () => true }, [...area.feature.methods, ...poolMethods(pool, area.sequence)]));

  await call('create_pool_filesystem', 'nfs', 'hvc-nfs:/export', 'hvcreal', FS, BASE, MGR, POOL, 4096, 1048576, 16 * 1024 * 1024);
  const img = path.join(exportDir, 'ovspoolfs.img');
  t.equal(fs.statSync(img).size, 1024 * 1024 * 1024);
  const dev = area.poolFs.get()?.device as string;
  t.match(dev, /^\/dev\/loop\d+$/);
  t.match(execFileSync('mounted.ocfs2', ['-d'], { encoding: 'utf8' }), new RegExp(`${dev}\\s+o2cb\\s+hvcreal\\s+G\\s+${FSHEX.toUpperCase()}\\s+ovspoolfs`));
  t.match(execFileSync('tunefs.ocfs2', ['-Q', '%N %T', dev], { encoding: 'utf8' }), '4 1048576');

  // the agent's own heartbeat reading, slots written in the o2hb layout by a test writer
  const st = await deps.tools.stats(dev);
  const hb = await deps.tools.heartbeatFile(dev);
  const w = new O2hbWriter(dev, heartbeatGeometry(hb!.blkno, st.blockSize, hb!.size));
  for (let i = 1; i <= 3; i++) {
    w.write(1, BigInt(1_700_000_000 + i), 0x42n);
    kit.clock.advance(2000);
    await area.cluster.sampleHeartbeat();
  }
  t.same(await area.cluster.sampleHeartbeat(), [1], 'node 1 live (the fourth sample saw no change: one miss of 61)');
  t.match(await call('discover_cluster'), '<Node><Number>1</Number><State>live</State>');

  // this kernel has no cluster stack: the real o2cb refuses, everything is rolled back
  const e = await failure(call('create_server_pool', 'pool1', POOL, '192.0.2.250', 0, 'hvc-real', '192.0.2.11'));
  t.equal(e.code, 'CLUSTER_STACK_FAILED');
  t.match(e.message, /o2cb register-cluster hvcreal failed/);
  t.notOk(fs.existsSync(path.join(kit.sysroot, 'etc/ocfs2/cluster.conf')));
  t.equal(own.state(), 'Owned');
  t.equal(await call('is_cluster_online'), false);

  // another host still heartbeats on the image (it writes while destroy waits): only detached
  const sleep = kit.clock.sleep.bind(kit.clock);
  kit.clock.sleep = async (ms: number) => {
    w.write(2, BigInt(1_800_000_000 + kit.clock.now()), 0x99n);
    await sleep(ms);
  };
  await call('destroy_pool_filesystem', 'nfs', 'hvc-nfs:/export', FS, BASE);
  t.equal(execFileSync('losetup', ['-j', img], { encoding: 'utf8' }), '', 'loop device detached');
  t.same(fs.readdirSync(exportDir).sort(), ['.ovspoolfs', 'ovspoolfs.img'], 'but the image and stamp stay for the host still using them');
  t.equal(await call('discover_pool_filesystem'), '<?xml version="1.0" ?><Discover_Pool_Filesystem_Result/>');
  kit.clock.sleep = sleep;

  // adopted again (no format), then destroyed for good once nobody heartbeats
  const mkfsBefore = fs.statSync(img).mtimeMs;
  await call('create_pool_filesystem', 'nfs', 'hvc-nfs:/export', 'hvcreal', FS, BASE, MGR, POOL);
  t.equal(fs.statSync(img).mtimeMs, mkfsBefore, 'adopted, not re-formatted');
  await call('destroy_pool_filesystem', 'nfs', 'hvc-nfs:/export', FS, BASE);
  t.equal(execFileSync('losetup', ['-j', img], { encoding: 'utf8' }), '', 'loop device detached');
  t.same(fs.readdirSync(exportDir), [], 'image and stamp removed');
  t.notOk(fs.readFileSync('/proc/mounts', 'utf8').includes(kit.sysroot), 'nothing left mounted');
});
