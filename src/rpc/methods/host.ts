// The host (`Linux`) methods of wire-api.md 3.2: discovery, boot time, clock, time zone, NTP,
// logs, system disk space and power. Thin declarations over HostService.
import { z } from 'zod';
import { xmlSafeText } from '../codec/encode.js';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';
import { wireBoolean, wireInt } from '../wire-types.js';
import type { HostService } from '../../services/host/host-service.js';
import { LOG_NAMES, MOUNT_TYPES } from '../../services/host/host-service.js';

const int = (what: string) => wireInt({ what });
const bool = (what: string) => wireBoolean(what);

export function hostMethods(host: HostService): MethodDef[] {
  return [
    defineMethod({
      name: 'discover_server',
      result: R.xmlDoc,
      params: z.tuple([]),
      access: 'public',
      summary: 'XML Discover_Server_Result/Server',
      handler: () => host.discoverServer(),
    }),
    defineMethod({
      name: 'discover_hardware',
      result: R.xmlDoc,
      params: z.tuple([]),
      access: 'public',
      summary: 'XML Discover_Hardware_Result/NodeInformation',
      handler: () => host.discoverHardware(),
    }),
    defineMethod({
      name: 'discover_physical_luns',
      result: R.xmlDoc,
      params: z.tuple([z.string().max(4096).optional()]),
      access: 'public',
      summary: 'XML list of block devices usable as LUNs (system disks excluded); optional device filter',
      handler: ([args]) => host.discoverPhysicalLuns(args ?? ''),
    }),
    defineMethod({
      name: 'discover_mounted_file_systems',
      result: R.xmlDoc,
      params: z.tuple([z.enum(MOUNT_TYPES, { error: `type must be one of ${MOUNT_TYPES.join(', ')}` })]),
      access: 'public',
      summary: 'XML of mounted file systems of a type (nfs, nfs4, ocfs2, rootfs, all)',
      handler: ([type]) => host.discoverMountedFileSystems(type),
    }),
    defineMethod({
      name: 'get_last_boot_time',
      result: z.object({ last_boot_time: R.num, local_time: R.num }),
      params: z.tuple([]),
      access: 'public',
      summary: '{last_boot_time, local_time} in epoch seconds',
      handler: () => host.getLastBootTime(),
    }),
    defineMethod({
      name: 'get_datetime',
      result: z.array(R.int).length(6),
      params: z.tuple([]),
      access: 'public',
      summary: '[year, month, day, hour, minute, second] in UTC',
      handler: () => host.getDatetime(),
    }),
    defineMethod({
      name: 'set_datetime',
      result: R.nil,
      params: z.tuple([int('year'), int('month'), int('day'), int('hour'), int('minute'), int('second')]),
      access: 'owned',
      lock: 'host-time',
      summary: 'set the host clock (UTC)',
      handler: async (a) => {
        await host.setDatetime(a);
        return null;
      },
    }),
    defineMethod({
      name: 'get_timezone',
      result: z.tuple([z.string(), z.boolean()]),
      params: z.tuple([]),
      access: 'public',
      summary: '[time zone, utc]',
      handler: () => host.getTimezone(),
    }),
    defineMethod({
      name: 'set_timezone',
      result: R.nil,
      params: z.tuple([z.string({ error: 'tz must be a string' }).min(1).max(128), bool('utc')]),
      access: 'owned',
      lock: 'host-time',
      summary: 'set the time zone (a /usr/share/zoneinfo name) and whether the RTC keeps UTC',
      handler: async ([tz, utc]) => {
        await host.setTimezone(tz, utc);
        return null;
      },
    }),
    defineMethod({
      name: 'get_ntp',
      result: z.tuple([z.array(z.string()), z.boolean(), z.boolean()]),
      params: z.tuple([]),
      access: 'public',
      summary: '[[servers], local_time_source, ntp_running]',
      handler: () => host.getNtp(),
    }),
    defineMethod({
      name: 'set_ntp',
      result: R.nil,
      params: z.tuple([
        z.array(z.string().min(1).max(253), { error: 'servers must be a list of host names or addresses' }).max(32),
        bool('running'),
      ]),
      access: 'owned',
      lock: 'host-ntp',
      summary: 'set the NTP servers (chrony) and whether NTP runs',
      handler: async ([servers, running]) => {
        await host.setNtp(servers, running);
        return null;
      },
    }),
    defineMethod({
      name: 'enable_ntp',
      result: R.nil,
      params: z.tuple([]),
      access: 'owned',
      lock: 'host-ntp',
      summary: 'enable and start chronyd',
      handler: async () => {
        await host.enableNtp();
        return null;
      },
    }),
    defineMethod({
      name: 'disable_ntp',
      result: R.nil,
      params: z.tuple([]),
      access: 'owned',
      lock: 'host-ntp',
      summary: 'stop and disable chronyd',
      handler: async () => {
        await host.disableNtp();
        return null;
      },
    }),
    defineMethod({
      name: 'get_log',
      result: z.record(z.string(), z.string()),
      // A single name is accepted too, as a one-element list.
      params: z.tuple([
        z
          .union([z.array(z.string()).min(1).max(16), z.string()], {
            error: `names must be a list of log names (${LOG_NAMES.join(', ')})`,
          })
          .transform((v) => (typeof v === 'string' ? [v] : v)),
      ]),
      // Logs may hold what callers sent and what the host logged: only the owner reads them.
      access: 'owned',
      summary: 'struct log name → bounded tail of that log',
      // Log text may hold bytes XML cannot carry; they must not turn the answer into a fault.
      handler: async ([names]) =>
        Object.fromEntries(Object.entries(await host.getLog(names)).map(([k, v]) => [k, xmlSafeText(v)])),
    }),
    defineMethod({
      name: 'get_system_disk_space',
      result: R.struct,
      params: z.tuple([]),
      access: 'public',
      summary: 'struct of byte sizes for the file system holding /',
      handler: () => host.getSystemDiskSpace(),
    }),
    defineMethod({
      name: 'sys_shutdown',
      result: R.nil,
      params: z.tuple([]),
      access: 'owned',
      lock: 'host-power',
      summary: 'power the host off (config power.allowShutdown; never in sandbox mode)',
      handler: () => {
        host.sysShutdown();
        return null;
      },
    }),
    defineMethod({
      name: 'sys_reboot',
      result: R.nil,
      params: z.tuple([]),
      access: 'owned',
      lock: 'host-power',
      summary: 'reboot the host (config power.allowShutdown; never in sandbox mode)',
      handler: () => {
        host.sysReboot();
        return null;
      },
    }),
  ];
}
