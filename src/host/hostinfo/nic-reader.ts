// MAC addresses of the physical NICs (those with a `device` link in sysfs), the input of the
// derived Unique_Id when the firmware has no usable SMBIOS UUID.
import type { HostFs } from '../host-fs.js';

export async function readPhysicalMacs(fs: HostFs): Promise<string[]> {
  const macs: string[] = [];
  for (const name of await fs.list('/sys/class/net')) {
    if (!(await fs.exists(`/sys/class/net/${name}/device`))) continue;
    // A bond or bridge port may show the bond's MAC; the permanent one is in bonding_slave.
    const perm = (await fs.readTextIfExists(`/sys/class/net/${name}/bonding_slave/perm_hwaddr`))?.trim();
    const mac = perm || (await fs.readTextIfExists(`/sys/class/net/${name}/address`))?.trim();
    if (mac) macs.push(mac.toLowerCase());
  }
  return macs;
}
