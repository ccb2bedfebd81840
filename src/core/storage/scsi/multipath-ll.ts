// `multipath -ll` as multipath-tools prints it (0.4.x round-robin and 0.8+/0.9 service-time
// formats, with or without user-friendly names): one map per LUN with its path groups and
// each path's states. Pure; fixtures in test/fixtures/scsi/multipath.

export interface MultipathPath {
  /** host:channel:id:lun */
  hctl: string;
  /** Kernel device name (sdb). */
  dev: string;
  majMin: string;
  /** dm state: active | failed */
  dmState: string;
  /** path checker state: ready | faulty | ghost | shaky | i/o pending | ... */
  checkerState: string;
  /** device state: running | offline | ... (absent in very old versions) */
  devState?: string;
}

export interface MultipathGroup {
  policy: string;
  prio?: number;
  /** active | enabled | disabled */
  status: string;
  paths: MultipathPath[];
}

export interface MultipathMap {
  /** The map name: the WWID, or mpathN with user_friendly_names. */
  name: string;
  wwid: string;
  /** dm-N */
  dm: string;
  vendor: string;
  product: string;
  /** Bytes, from `size=269G` (multipath rounds: precise to its unit). */
  size?: number;
  features?: string;
  hwhandler?: string;
  wp?: string;
  groups: MultipathGroup[];
}

const UNIT: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, P: 1024 ** 5 };

function parseSize(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([KMGTP])$/.exec(s);
  return m ? Math.round(Number(m[1]) * UNIT[m[2]]) : undefined;
}

function quoted(line: string, key: string): string | undefined {
  const m = new RegExp(`${key}='([^']*)'`).exec(line) ?? new RegExp(`${key}=(\\S+)`).exec(line);
  return m?.[1];
}

// Header: "mpatha (3600...) dm-2 NETAPP,LUN C-Mode" or "3600... dm-1 WINSYS,SF2372"
const HEADER = /^(\S+)(?:\s+\((\S+)\))?\s+(dm-\d+)\s+([^,]*),(.*)$/;
// Path: "| `- 6:0:0:0 sdb 8:16  active ready  running"
const PATH = /^[\s|`-]*(\d+:\d+:\d+:\d+)\s+(\S+)\s+(\d+:\d+)\s+(\S+)\s+(i\/o pending|\S+)(?:\s+(\S+))?/;

/** Parse every map of `multipath -ll`; lines it does not know (warnings, timestamps) are skipped. */
export function parseMultipathLl(text: string): MultipathMap[] {
  const maps: MultipathMap[] = [];
  let map: MultipathMap | undefined;
  let group: MultipathGroup | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line === '') continue;
    const h = HEADER.exec(line);
    if (h && !line.startsWith(' ') && !/^[|`]/.test(line)) {
      map = { name: h[1], wwid: h[2] ?? h[1], dm: h[3], vendor: h[4].trim(), product: h[5].trim(), groups: [] };
      maps.push(map);
      group = undefined;
      continue;
    }
    if (!map) continue;
    if (/^(\[)?size=/.test(line)) {
      const size = parseSize(/size=(\S+?)\]?(?:\s|$)/.exec(line)?.[1] ?? '');
      if (size !== undefined) map.size = size;
      const features = quoted(line, 'features');
      if (features !== undefined) map.features = features;
      const hw = quoted(line, 'hwhandler');
      if (hw !== undefined) map.hwhandler = hw;
      const wp = quoted(line, 'wp');
      if (wp !== undefined) map.wp = wp.replace(/\]$/, '');
      continue;
    }
    if (/policy=/.test(line)) {
      group = { policy: quoted(line, 'policy') ?? '', status: (quoted(line, 'status') ?? '').replace(/\]$/, ''), paths: [] };
      const prio = quoted(line, 'prio');
      if (prio !== undefined && /^-?\d+/.test(prio)) group.prio = parseInt(prio, 10);
      map.groups.push(group);
      continue;
    }
    const p = PATH.exec(line);
    if (p && group) {
      const path: MultipathPath = { hctl: p[1], dev: p[2], majMin: p[3], dmState: p[4], checkerState: p[5] };
      if (p[6] !== undefined) path.devState = p[6];
      group.paths.push(path);
    }
  }
  return maps;
}

/** Every path of a map, with the group it is in. */
export function mapPaths(m: MultipathMap): Array<MultipathPath & { groupStatus: string }> {
  return m.groups.flatMap((g) => g.paths.map((p) => ({ ...p, groupStatus: g.status })));
}

/** A path usable for I/O: dm active and the checker says ready. */
export function pathUp(p: MultipathPath): boolean {
  return p.dmState === 'active' && (p.checkerState === 'ready' || p.checkerState === 'ghost');
}

/** `multipath -ll` failed because this kernel has no device-mapper (not an error for listing). */
export function multipathUnavailable(stderr: string): boolean {
  return /device-mapper|cannot get kernel dm version|\/dev\/mapper\/control/i.test(stderr);
}
