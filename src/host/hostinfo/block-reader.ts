// Block devices from /sys/block for discover_physical_luns, with the devices that hold the
// system (/, /boot, /usr, /var, swap) marked so they are never offered as LUNs.
import type { HostFs } from '../host-fs.js';
import type { Lun } from '../../core/discovery/host-info.js';
import { mountinfoToEntries, procSwapsToDevices } from '../../core/hostinfo/proc-files.js';

export interface BlockDevice extends Lun {
  /** Holds (directly, through a partition, or under a device-mapper/md device) a system file system. */
  system: boolean;
  /** Built upon by a device-mapper/md device (a multipath path, an LVM PV): the upper device is the LUN. */
  held: boolean;
  /** Has partitions: not a raw disk. */
  partitioned: boolean;
  /** It or one of its partitions is mounted somewhere (in use even when not a system mount). */
  mounted: boolean;
}

/** Mount points whose devices are the system disk. */
export const SYSTEM_MOUNTS = ['/', '/boot', '/boot/efi', '/usr', '/var', '/home', '/opt', '/tmp'];

// Never LUNs: memory and loop devices, compressed RAM swap, optical drives, floppies.
const SKIP = /^(loop|ram|zram|sr|fd|nbd)\d*/;

interface Node {
  dev: string;
  /** The whole disk a partition belongs to (itself for a disk). */
  disk: string;
}

export async function readBlockDevices(fs: HostFs): Promise<BlockDevice[]> {
  const r = async (p: string): Promise<string> => ((await fs.readTextIfExists(p)) ?? '').trim();
  const nodes = new Map<string, Node>();
  const disks = (await fs.list('/sys/block')).filter((n) => !n.startsWith('.'));
  for (const disk of disks) {
    nodes.set(disk, { dev: await r(`/sys/block/${disk}/dev`), disk });
    for (const child of await fs.list(`/sys/block/${disk}`)) {
      if (child.startsWith(disk) && (await fs.exists(`/sys/block/${disk}/${child}/partition`))) {
        nodes.set(child, { dev: await r(`/sys/block/${disk}/${child}/dev`), disk });
      }
    }
  }

  // Seed: devices behind the system mounts (by major:minor) and active swap partitions.
  const mountinfo = (await fs.readTextIfExists('/proc/self/mountinfo')) ?? '';
  const mountEntries = mountinfoToEntries(mountinfo);
  const systemDevs = new Set(mountEntries.filter((m) => SYSTEM_MOUNTS.includes(m.dir)).map((m) => m.dev));
  const mountedDevs = new Set(mountEntries.map((m) => m.dev));
  const marked = new Set<string>();
  for (const [name, n] of nodes) if (n.dev && systemDevs.has(n.dev)) marked.add(name);
  for (const dev of procSwapsToDevices((await fs.readTextIfExists('/proc/swaps')) ?? '')) {
    const base = dev.replace(/^\/dev\//, '');
    if (nodes.has(base)) marked.add(base);
  }
  // Close over the stack: a marked partition marks its disk; a marked dm/md device marks
  // what it is built from (its `slaves`).
  const queue = [...marked];
  while (queue.length) {
    const name = queue.pop() as string;
    const n = nodes.get(name);
    const below = [...(n && n.disk !== name ? [n.disk] : [])];
    const slavesDir = n && n.disk !== name ? `/sys/block/${n.disk}/${name}/slaves` : `/sys/block/${name}/slaves`;
    below.push(...(await fs.list(slavesDir)));
    for (const b of below) {
      if (!marked.has(b)) {
        marked.add(b);
        queue.push(b);
      }
    }
  }

  const out: BlockDevice[] = [];
  for (const name of disks) {
    if (SKIP.test(name)) continue;
    const base = `/sys/block/${name}`;
    const sectors = Number.parseInt(await r(`${base}/size`), 10) || 0;
    if (sectors === 0) continue;
    const system = [...nodes].some(([p, n]) => n.disk === name && marked.has(p));
    const dmName = await r(`${base}/dm/name`);
    let held = (await fs.list(`${base}/holders`)).length > 0;
    for (const [p, n] of nodes) {
      if (n.disk === name && p !== name && (await fs.list(`${base}/${p}/holders`)).length > 0) held = true;
    }
    out.push({
      name,
      device: dmName ? `/dev/mapper/${dmName}` : `/dev/${name}`,
      sizeBytes: sectors * 512,
      vendor: await r(`${base}/device/vendor`),
      model: await r(`${base}/device/model`),
      serial: (await r(`${base}/serial`)) || (await r(`${base}/device/serial`)),
      wwid: (await r(`${base}/wwid`)) || (await r(`${base}/device/wwid`)) || (await r(`${base}/dm/uuid`)),
      removable: (await r(`${base}/removable`)) === '1',
      readOnly: (await r(`${base}/ro`)) === '1',
      rotational: (await r(`${base}/queue/rotational`)) === '1',
      system,
      held,
      partitioned: [...nodes].some(([p, n]) => n.disk === name && p !== name),
      mounted: [...nodes].some(([, n]) => n.disk === name && n.dev !== '' && mountedDevs.has(n.dev)),
    });
  }
  return out;
}
