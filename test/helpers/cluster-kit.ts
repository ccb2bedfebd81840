// Test kit for the cluster area: the real Exec-backed adapters over a RecordingExec that plays
// a host with the o2cb stack (mount state, loop devices, tunefs answers), so tests assert the
// exact command sequence; plus the services and their RPC methods.
import { makeKit, type Kit } from './service-kit.js';
import { OwnershipService } from '../../src/services/ownership/ownership-service.js';
import { PoolService } from '../../src/services/ownership/pool-service.js';
import { O2cbStack } from '../../src/host/cluster/o2cb-tool.js';
import { ExecLoopDevices, ExecOcfs2Tools } from '../../src/host/cluster/ocfs2-tools.js';
import { ExecPoolFsMounts } from '../../src/host/cluster/pool-fs-mounts.js';
import { ExecMounter } from '../../src/host/mounter.js';
import { buildClusterArea } from '../../src/services/cluster/cluster-area.js';
import type { ClusterDeps, PoolFsMounts } from '../../src/services/cluster/cluster-records.js';
import type { HbRegionReader } from '../../src/host/cluster/hb-region.js';
import { poolMethods } from '../../src/rpc/methods/pool.js';
import { Registry } from '../../src/rpc/registry.js';
import { injector } from './inject.js';

export interface ClusterKit {
  kit: Kit;
  deps: ClusterDeps;
  area: ReturnType<typeof buildClusterArea>;
  own: OwnershipService;
  pool: PoolService;
  call: (name: string, ...args: unknown[]) => Promise<unknown>;
  /** argv lines run, joined by spaces, without the read-only probes. */
  commands(): string[];
  /** Commands (prefix match) that fail with this stderr. */
  failing: Map<string, string>;
  /** Real path of an image or device → the OCFS2 UUID tunefs reports for it. */
  formatted: Map<string, string>;
  mounted: Set<string>;
}

export interface ClusterKitOptions {
  config?: Record<string, unknown>;
  mounts?: (deps: ClusterDeps) => PoolFsMounts;
  readHb?: HbRegionReader;
  configfsRoot?: string;
  hostname?: string;
  kit?: Kit;
}

const PROBES = /^(mountpoint|losetup -j|mounted\.ocfs2|tunefs\.ocfs2 -Q|o2cb cluster-status|debugfs\.ocfs2)/;

export function clusterKit(o: ClusterKitOptions = {}): ClusterKit {
  const kit = o.kit ?? makeKit(o.config ?? {});
  const mounted = new Set<string>();
  const loops = new Map<string, string>();
  const failing = new Map<string, string>();
  const formatted = new Map<string, string>();
  kit.exec.rules.push((argv) => {
    const cmd = argv.join(' ');
    for (const [prefix, stderr] of failing) if (cmd.startsWith(prefix)) return { code: 1, stderr };
    if (argv[0] === 'mountpoint') return { code: mounted.has(argv[2]) ? 0 : 32 };
    if (argv[0] === 'mount') mounted.add(argv[argv.length - 1]);
    if (argv[0] === 'umount') mounted.delete(argv[argv.length - 1]);
    if (argv[0] === 'losetup' && argv[1] === '--find') {
      const dev = `/dev/loop${7 + loops.size}`;
      loops.set(dev, argv[3]);
      return { stdout: `${dev}\n` };
    }
    if (argv[0] === 'losetup' && argv[1] === '-j') {
      return { stdout: [...loops].filter(([, f]) => f === argv[2]).map(([d, f]) => `${d}: [2049]:1234 (${f})\n`).join('') };
    }
    if (argv[0] === 'losetup' && argv[1] === '-d') loops.delete(argv[2]);
    if (argv[0] === 'tunefs.ocfs2') {
      // The UUID the last mkfs.ocfs2 wrote (or the one a test planted in `formatted`).
      const mkfs = [...kit.exec.calls].reverse().find((c) => c.argv[0] === 'mkfs.ocfs2');
      const u = formatted.get(argv[argv.length - 1]) ?? (mkfs ? mkfs.argv[mkfs.argv.indexOf('-U') + 1] : '');
      return { stdout: `UUID=${u.replace(/-/g, '').toUpperCase()}\nLabel=ovspoolfs\nSlots=32\nClusterSize=1048576\n` };
    }
    if (argv[0] === 'mounted.ocfs2') return { stdout: 'Device      Stack  Cluster           F  UUID                              Label\n' };
    if (argv[0] === 'o2cb' && argv.includes('cluster-status')) return { code: 1, stdout: 'offline\n' };
    return undefined;
  });
  const own = new OwnershipService({ hostState: kit.hostState, events: kit.events, log: kit.log });
  own.takeOwnership({ managerUuid: '0004fb0000020000ba9aaf00ae5e2d73' });
  const pool = new PoolService({ hostState: kit.hostState, events: kit.events, ownership: own, log: kit.log });
  const base = {
    ...kit,
    stack: new O2cbStack(kit.exec),
    tools: new ExecOcfs2Tools(kit.exec),
    loops: new ExecLoopDevices(kit.exec),
    mounts: new ExecPoolFsMounts(kit.exec, new ExecMounter(kit.exec)),
    readHb: o.readHb ?? (async () => []),
    configfsRoot: o.configfsRoot ?? kit.sysroot,
    hostname: async () => o.hostname ?? 'ovm-1',
  };
  const deps: ClusterDeps = { ...base, mounts: o.mounts ? o.mounts(base) : base.mounts };
  const area = buildClusterArea(deps, pool);
  const call = injector(new Registry({ isOwned: () => own.isOwned() }, [...area.feature.methods, ...poolMethods(pool, area.sequence)]));
  const commands = () => kit.exec.calls.map((c) => c.argv.join(' ').replaceAll(kit.sysroot, '$ROOT')).filter((c) => !PROBES.test(c));
  return { kit, deps, area, own, pool, call, commands, failing, formatted, mounted };
}
