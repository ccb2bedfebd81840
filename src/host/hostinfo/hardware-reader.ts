// Everything discover_hardware reports, gathered from procfs/sysfs under the sysroot and,
// where the kernel is silent (no `cpu MHz` on some ARM hosts), from systeminformation.
import type { HostFs } from '../host-fs.js';
import type { HardwareInfo } from '../../core/discovery/host-info.js';
import { cpuinfoToCpus } from '../../core/hostinfo/cpuinfo.js';
import { meminfoToBytes } from '../../core/hostinfo/proc-files.js';
import { readDmi } from './dmi-reader.js';
import type { SystemInfoFacade } from './system-info.js';

const PAGE = 4096;

export async function readScsiHosts(fs: HostFs): Promise<HardwareInfo['scsiHosts']> {
  const out: HardwareInfo['scsiHosts'] = [];
  for (const h of await fs.list('/sys/class/scsi_host')) {
    const m = /^host(\d+)$/.exec(h);
    if (!m) continue;
    out.push({ num: Number(m[1]), procName: ((await fs.readTextIfExists(`/sys/class/scsi_host/${h}/proc_name`)) ?? '').trim() });
  }
  return out.sort((a, b) => a.num - b.num);
}

export async function readInitiatorName(fs: HostFs): Promise<string> {
  const text = (await fs.readTextIfExists('/etc/iscsi/initiatorname.iscsi')) ?? '';
  return /^\s*InitiatorName\s*=\s*(\S+)/m.exec(text)?.[1] ?? '';
}

export async function readNumaNodes(fs: HostFs): Promise<number> {
  const n = (await fs.list('/sys/devices/system/node')).filter((x) => /^node\d+$/.test(x)).length;
  return n || 1;
}

export async function readHardwareInfo(fs: HostFs, si?: SystemInfoFacade): Promise<HardwareInfo> {
  const topo = cpuinfoToCpus((await fs.readTextIfExists('/proc/cpuinfo')) ?? '');
  const mem = meminfoToBytes((await fs.readTextIfExists('/proc/meminfo')) ?? '');
  const nodes = await readNumaNodes(fs);
  let mhz = topo.mhz;
  if (!mhz && si) {
    const c = await si.cpu().catch(() => undefined);
    mhz = (c?.speedMax || c?.speed || 0) * 1000;
  }
  const free = mem.MemAvailable ?? mem.MemFree ?? 0;
  return {
    physical: {
      threadsPerCore: topo.threadsPerCore,
      coresPerSocket: topo.coresPerSocket,
      socketsPerNode: Math.max(1, Math.round(topo.sockets / nodes)),
      nodes,
      cpuKHz: Math.round(mhz * 1000),
      totalPages: Math.floor((mem.MemTotal ?? 0) / PAGE),
      freePages: Math.floor(free / PAGE),
      hwCaps: topo.flags,
    },
    cpus: topo.cpus,
    scsiHosts: await readScsiHosts(fs),
    iscsiInitiatorName: await readInitiatorName(fs),
    dmtf: await readDmi(fs),
  };
}
