// SMBIOS/DMI facts from /sys/class/dmi/id (and the SMBIOS entry point for its version).
// Absent on hosts without firmware tables (e.g. Firecracker VMs): every field is then ''.
import type { HostFs } from '../host-fs.js';
import type { HardwareInfo } from '../../core/discovery/host-info.js';
import { readBytesIfExists } from './fs-links.js';

export type DmtfInfo = HardwareInfo['dmtf'];

const DMI = '/sys/class/dmi/id';

// SMBIOS chassis type codes (DMTF DSP0134, table 17), for the readable Chassis/Type.
const CHASSIS_TYPES: Record<number, string> = {
  1: 'Other', 2: 'Unknown', 3: 'Desktop', 4: 'Low Profile Desktop', 5: 'Pizza Box', 6: 'Mini Tower',
  7: 'Tower', 8: 'Portable', 9: 'Laptop', 10: 'Notebook', 11: 'Hand Held', 12: 'Docking Station',
  13: 'All in One', 14: 'Sub Notebook', 15: 'Space-saving', 16: 'Lunch Box', 17: 'Main Server Chassis',
  18: 'Expansion Chassis', 19: 'SubChassis', 20: 'Bus Expansion Chassis', 21: 'Peripheral Chassis',
  22: 'RAID Chassis', 23: 'Rack Mount Chassis', 24: 'Sealed-case PC', 25: 'Multi-system chassis',
  26: 'Compact PCI', 27: 'Advanced TCA', 28: 'Blade', 29: 'Blade Enclosure', 30: 'Tablet',
  31: 'Convertible', 32: 'Detachable', 33: 'IoT Gateway', 34: 'Embedded PC', 35: 'Mini PC', 36: 'Stick PC',
};

/** Version from the entry point: `_SM_` (2.x, bytes 6-7) or `_SM3_` (3.x, bytes 7-8). */
export function smbiosEntryToVersion(b: Buffer | undefined): string {
  if (!b) return '';
  if (b.subarray(0, 5).toString('latin1') === '_SM3_' && b.length >= 9) return `${b[7]}.${b[8]}`;
  if (b.subarray(0, 4).toString('latin1') === '_SM_' && b.length >= 8) return `${b[6]}.${b[7]}`;
  return '';
}

export async function readDmi(fs: HostFs): Promise<DmtfInfo> {
  // product_serial and product_uuid are root-only; an unreadable file reads as ''.
  const r = async (name: string): Promise<string> => {
    try {
      return ((await fs.readTextIfExists(`${DMI}/${name}`)) ?? '').trim();
    } catch {
      return '';
    }
  };
  const chassisCode = Number.parseInt(await r('chassis_type'), 10);
  return {
    smbiosVersion: smbiosEntryToVersion(await readBytesIfExists(fs, '/sys/firmware/dmi/tables/smbios_entry_point')),
    board: { manufacturer: await r('board_vendor'), productName: await r('board_name'), serialNumber: await r('board_serial') },
    bios: { vendor: await r('bios_vendor'), version: await r('bios_version'), releaseDate: await r('bios_date') },
    system: {
      manufacturer: await r('sys_vendor'),
      productName: await r('product_name'),
      serialNumber: await r('product_serial'),
      uuid: await r('product_uuid'),
    },
    chassis: {
      manufacturer: await r('chassis_vendor'),
      type: Number.isFinite(chassisCode) ? (CHASSIS_TYPES[chassisCode] ?? String(chassisCode)) : '',
      serialNumber: await r('chassis_serial'),
      assetTag: await r('chassis_asset_tag'),
    },
  };
}
