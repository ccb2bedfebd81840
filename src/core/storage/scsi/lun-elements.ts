// LUN sightings (one per target/portal or per FC path) folded into storage elements: a LUN
// seen on several paths is one element with its paths and their states, its device the
// multipath map when one holds it. Pure.
import type { LunPath, SeInfo } from '../records.js';
import { mapPaths, pathUp, type MultipathMap } from './multipath-ll.js';

export interface LunSighting {
  transport: 'iscsi' | 'fc';
  lun: number;
  /** scsi_id-style WWID ('' when the LUN reports none). */
  wwid: string;
  vendor: string;
  product: string;
  serial: string;
  size: number;
  blockSize?: number;
  /** iSCSI: target and `addr:port` of this sighting. */
  target?: string;
  portal?: string;
  /** FC: local HBA (host5) and remote port WWPN. */
  hba?: string;
  remotePort?: string;
  /** Kernel block device when this path is on the host (sdb). */
  dev?: string;
  hctl?: string;
  byPath?: string;
  /** SCSI device state from sysfs (running/offline) when known. */
  devState?: string;
}

function keyOf(s: LunSighting): string {
  return s.wwid !== '' ? `wwid:${s.wwid}` : `${s.transport}:${s.target ?? s.hba ?? ''}:${s.portal ?? s.remotePort ?? ''}:${s.lun}`;
}

/** Fold sightings into elements, ordered by first sighting. */
export function buildStorageElements(sightings: readonly LunSighting[], maps: readonly MultipathMap[], ssUuid: string): SeInfo[] {
  const groups = new Map<string, LunSighting[]>();
  for (const s of sightings) groups.set(keyOf(s), [...(groups.get(keyOf(s)) ?? []), s]);
  const out: SeInfo[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const devs = group.filter((s) => s.dev !== undefined);
    const map = maps.find((m) => (first.wwid !== '' && m.wwid === first.wwid) || devs.some((s) => mapPaths(m).some((p) => p.dev === s.dev)));
    let paths: LunPath[];
    let devicePath = '';
    let up: boolean;
    let someDown = false;
    if (map) {
      const mp = mapPaths(map);
      paths = mp.map((p) => {
        const sighting = group.find((s) => s.dev === p.dev);
        const lp: LunPath = { device: p.dev, state: [p.dmState, p.checkerState, p.devState].filter(Boolean).join(' '), hctl: p.hctl };
        if (sighting?.byPath) lp.by_path = sighting.byPath;
        return lp;
      });
      devicePath = `/dev/mapper/${map.name}`;
      up = mp.some(pathUp);
      someDown = mp.some((p) => !pathUp(p));
    } else {
      paths = devs.map((s) => {
        const lp: LunPath = { device: s.dev!, state: s.devState ?? 'running' };
        if (s.byPath) lp.by_path = s.byPath;
        if (s.hctl) lp.hctl = s.hctl;
        return lp;
      });
      if (devs.length > 0) devicePath = `/dev/${devs[0].dev}`;
      up = devs.some((s) => (s.devState ?? 'running') === 'running');
      someDown = devs.some((s) => (s.devState ?? 'running') !== 'running');
    }
    const connected = paths.length > 0;
    const status = !connected ? (first.transport === 'iscsi' ? 'not-logged-in' : 'offline') : !up ? 'offline' : someDown ? 'degraded' : 'online';
    const uuid = first.wwid !== '' ? first.wwid : first.transport === 'iscsi' ? `${first.target}:${first.lun}` : `${first.hba}:${first.remotePort}:${first.lun}`;
    const extra: Record<string, string | number | boolean> = { transport: first.transport, multipath: map !== undefined };
    if (map) extra.multipath_name = map.name;
    if (first.blockSize !== undefined) extra.block_size = first.blockSize;
    const targets = [...new Set(group.map((s) => s.target).filter((x): x is string => x !== undefined))];
    const portals = [...new Set(group.map((s) => s.portal).filter((x): x is string => x !== undefined))];
    const rports = [...new Set(group.map((s) => s.remotePort).filter((x): x is string => x !== undefined))];
    if (targets.length) extra.targets = targets.join(',');
    if (portals.length) extra.portals = portals.join(',');
    if (rports.length) extra.remote_ports = rports.join(',');
    out.push({
      uuid,
      ss_uuid: ssUuid,
      name: uuid,
      page83_id: first.wwid,
      size: Math.max(...group.map((s) => s.size)),
      state: status === 'online' || status === 'degraded' ? 1 : 2,
      status,
      vendor: first.vendor,
      product: first.product,
      serial: first.serial,
      lun: first.lun,
      access_path: paths.find((p) => p.by_path)?.by_path ?? devicePath ?? '',
      access_grp_names: [],
      device_path: devicePath,
      paths,
      extra_info: extra,
    });
  }
  return out;
}

/** The element a manager's se_record names: by page83_id, uuid, name or device path. */
export function findElement(elements: readonly SeInfo[], se: { uuid?: string; page83_id?: string; name?: string; access_path?: string }): SeInfo | undefined {
  const keys = [se.page83_id, se.uuid, se.name, se.access_path].filter((k): k is string => typeof k === 'string' && k !== '');
  return elements.find((e) => keys.some((k) => k === e.page83_id || k === e.uuid || k === e.name || k === e.access_path || k === e.device_path));
}
