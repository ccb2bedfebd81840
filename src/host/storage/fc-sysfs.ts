// Fibre Channel and SCSI devices from sysfs (root injectable through HostFs: `/` on a host, a
// recorded or synthetic tree in tests): HBAs of /sys/class/fc_host, remote ports of
// /sys/class/fc_remote_ports, SCSI LUNs of /sys/bus/scsi/devices, and the rescan writes.
import * as fsp from 'node:fs/promises';
import { AgentError } from '../../core/errors.js';
import {
  hostNumber,
  isScsiHostName,
  parseHctl,
  parseRportName,
  portIdFromSysfs,
  rolesFromSysfs,
  scsiTypeName,
  speedBits,
  textAttr,
  wwnFromSysfs,
} from '../../core/storage/scsi/fc-attrs.js';
import { lunWwid, parseVpdPage80, parseVpdPage83 } from '../../core/storage/scsi/vpd.js';
import type { HostFs } from '../host-fs.js';

export interface FcHost {
  name: string;
  host: number;
  wwpn?: string;
  wwnn?: string;
  portId?: string;
  portState?: string;
  portType?: string;
  speed?: string;
  speedBits?: number;
  supportedSpeeds?: string;
  fabricName?: string;
  symbolicName?: string;
}

export interface FcRemotePort {
  name: string;
  host: number;
  channel: number;
  wwpn?: string;
  wwnn?: string;
  portId?: string;
  portState?: string;
  roles: string[];
  scsiTargetId?: number;
}

export interface ScsiLun {
  hctl: string;
  host: number;
  channel: number;
  target: number;
  lun: number;
  type: string;
  vendor: string;
  model: string;
  revision: string;
  state: string;
  /** Kernel block device name (sdb) when bound. */
  dev?: string;
  size?: number;
  serial?: string;
  wwid?: string;
}

async function attr(fs: HostFs, p: string): Promise<string | undefined> {
  try {
    return await fs.readTextIfExists(p);
  } catch {
    return undefined; // unreadable attribute (EINVAL/EIO on some drivers): treat as absent
  }
}

async function binAttr(fs: HostFs, p: string): Promise<Uint8Array | undefined> {
  try {
    return await fsp.readFile(fs.resolve(p));
  } catch {
    return undefined;
  }
}

export async function readFcHosts(fs: HostFs): Promise<FcHost[]> {
  const out: FcHost[] = [];
  for (const name of await fs.list('/sys/class/fc_host')) {
    const host = hostNumber(name);
    if (host === undefined) continue;
    const d = `/sys/class/fc_host/${name}`;
    const h: FcHost = { name, host };
    const set = <K extends keyof FcHost>(k: K, v: FcHost[K] | undefined): void => {
      if (v !== undefined) h[k] = v;
    };
    set('wwpn', wwnFromSysfs(await attr(fs, `${d}/port_name`)));
    set('wwnn', wwnFromSysfs(await attr(fs, `${d}/node_name`)));
    set('portId', portIdFromSysfs(await attr(fs, `${d}/port_id`)));
    set('portState', textAttr(await attr(fs, `${d}/port_state`)));
    set('portType', textAttr(await attr(fs, `${d}/port_type`)));
    const speed = textAttr(await attr(fs, `${d}/speed`));
    set('speed', speed);
    set('speedBits', speedBits(speed));
    set('supportedSpeeds', textAttr(await attr(fs, `${d}/supported_speeds`)));
    set('fabricName', wwnFromSysfs(await attr(fs, `${d}/fabric_name`)));
    set('symbolicName', textAttr(await attr(fs, `${d}/symbolic_name`)));
    out.push(h);
  }
  return out.sort((a, b) => a.host - b.host);
}

export async function readFcRemotePorts(fs: HostFs): Promise<FcRemotePort[]> {
  const out: FcRemotePort[] = [];
  for (const name of await fs.list('/sys/class/fc_remote_ports')) {
    const n = parseRportName(name);
    if (!n) continue;
    const d = `/sys/class/fc_remote_ports/${name}`;
    const r: FcRemotePort = { name, host: n.host, channel: n.channel, roles: rolesFromSysfs(await attr(fs, `${d}/roles`)) };
    const wwpn = wwnFromSysfs(await attr(fs, `${d}/port_name`));
    if (wwpn) r.wwpn = wwpn;
    const wwnn = wwnFromSysfs(await attr(fs, `${d}/node_name`));
    if (wwnn) r.wwnn = wwnn;
    const pid = portIdFromSysfs(await attr(fs, `${d}/port_id`));
    if (pid) r.portId = pid;
    const st = textAttr(await attr(fs, `${d}/port_state`));
    if (st) r.portState = st;
    const tid = (await attr(fs, `${d}/scsi_target_id`))?.trim();
    if (tid && /^\d+$/.test(tid)) r.scsiTargetId = Number(tid);
    out.push(r);
  }
  return out;
}

/** SCSI devices (optionally only those on the given hosts), with their block device and ids. */
export async function readScsiLuns(fs: HostFs, hosts?: readonly number[]): Promise<ScsiLun[]> {
  const out: ScsiLun[] = [];
  for (const name of await fs.list('/sys/bus/scsi/devices')) {
    const h = parseHctl(name);
    if (!h || (hosts && !hosts.includes(h.host))) continue;
    const d = `/sys/bus/scsi/devices/${name}`;
    const type = Number((await attr(fs, `${d}/type`))?.trim() ?? 'NaN');
    const lun: ScsiLun = {
      hctl: name,
      ...h,
      type: Number.isInteger(type) ? scsiTypeName(type) : 'UNKNOWN',
      vendor: (await attr(fs, `${d}/vendor`))?.trim() ?? '',
      model: (await attr(fs, `${d}/model`))?.trim() ?? '',
      revision: (await attr(fs, `${d}/rev`))?.trim() ?? '',
      state: (await attr(fs, `${d}/state`))?.trim() ?? '',
    };
    const blocks = await fs.list(`${d}/block`);
    if (blocks.length > 0) {
      lun.dev = blocks[0];
      const sectors = (await attr(fs, `/sys/block/${blocks[0]}/size`))?.trim();
      if (sectors && /^\d+$/.test(sectors)) lun.size = Number(sectors) * 512;
    }
    const p80 = await binAttr(fs, `${d}/vpd_pg80`);
    const serial = p80 ? parseVpdPage80(p80) : undefined;
    if (serial) lun.serial = serial;
    const p83 = await binAttr(fs, `${d}/vpd_pg83`);
    const wwid = p83 ? lunWwid(parseVpdPage83(p83)) : undefined;
    if (wwid) lun.wwid = wwid;
    out.push(lun);
  }
  return out;
}

async function writeSysfs(fs: HostFs, p: string, value: string): Promise<void> {
  try {
    // sysfs attributes take one plain write, never a temp-file-and-rename.
    await fsp.writeFile(fs.resolve(p), value);
  } catch (e) {
    throw new AgentError('STORAGE_COMMAND_FAILED', `write ${JSON.stringify(value)} to ${p} failed: ${(e as Error).message}`);
  }
}

/** Rescan one SCSI host: a loop initialization on FC HBAs (issue_lip), then `- - -` to scan. */
export async function rescanScsiHost(fs: HostFs, name: string): Promise<void> {
  if (!isScsiHostName(name)) throw new AgentError('STORAGE_INVALID', `rescan: ${JSON.stringify(name)} is not a SCSI host (hostN)`);
  if (await fs.exists(`/sys/class/fc_host/${name}/issue_lip`)) await writeSysfs(fs, `/sys/class/fc_host/${name}/issue_lip`, '1');
  await writeSysfs(fs, `/sys/class/scsi_host/${name}/scan`, '- - -');
}
