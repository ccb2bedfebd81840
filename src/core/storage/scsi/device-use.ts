// Is a LUN's block device in use? Read from /proc/self/mounts text and the holder chain the
// host layer collects (partitions, the multipath map, what sits on the map). A logout or
// portal deletion under a mounted file system would yank it: those are refused. Pure.

/** Mount sources of /proc/self/mounts (octal escapes such as \040 decoded). */
export function mountSources(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [src, dir] = line.split(' ');
    if (!src || !dir) continue;
    const dec = (s: string): string => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    out.set(dec(src), dec(dir));
  }
  return out;
}

export interface DeviceChain {
  /** The SCSI disk (sdb). */
  dev: string;
  /** Its partitions (sdb1, ...). */
  partitions: string[];
  /** Device-mapper holders (dm-4) with their map names and what holds them in turn. */
  maps: Array<{ dm: string; name: string; holders: string[] }>;
}

/** Why the chain is busy ("/dev/mapper/mpathb is mounted on /x"), or undefined when it is free. */
export function deviceBusyReason(chain: DeviceChain, mounts: ReadonlyMap<string, string>): string | undefined {
  const nodes = [chain.dev, ...chain.partitions].map((d) => `/dev/${d}`);
  for (const m of chain.maps) nodes.push(`/dev/${m.dm}`, `/dev/mapper/${m.name}`);
  for (const n of nodes) {
    const dir = mounts.get(n);
    if (dir !== undefined) return `${n} is mounted on ${dir}`;
  }
  for (const m of chain.maps) if (m.holders.length > 0) return `/dev/mapper/${m.name} is held by ${m.holders.join(', ')}`;
  return undefined;
}
