// Fibre Channel sysfs attribute values as drivers/scsi/scsi_transport_fc.c writes them
// (`0x%llx` names, `0x%06x` port ids, "16 Gbit" speeds, "Online"/"Linkdown" states), turned
// into the values the agent reports, and the SCSI/rport names of sysfs. Pure.

/** `0x21000024ff3dd2b8` → `21:00:00:24:ff:3d:d2:b8`; undefined for 0 / unknown. */
export function wwnFromSysfs(v: string | undefined): string | undefined {
  const m = /^(?:0x)?([0-9a-f]{1,16})$/i.exec((v ?? '').trim());
  if (!m || /^0+$/.test(m[1])) return undefined;
  const hex = m[1].toLowerCase().padStart(16, '0');
  return hex.match(/../g)!.join(':');
}

/** `21:00:00:24:ff:3d:d2:b8` or `0x2100...` → the 16 hex digits, for by-path names and comparisons. */
export function wwnHex(v: string): string | undefined {
  const s = v.trim().toLowerCase().replace(/^0x/, '').replace(/:/g, '');
  return /^[0-9a-f]{16}$/.test(s) ? s : undefined;
}

/** `0x010200` → `0x010200` (kept; undefined when the attribute is empty or unknown). */
export function portIdFromSysfs(v: string | undefined): string | undefined {
  const s = (v ?? '').trim();
  return /^0x[0-9a-f]{1,6}$/i.test(s) ? `0x${s.slice(2).toLowerCase().padStart(6, '0')}` : undefined;
}

/** `16 Gbit` → 16000000000 bits/s; `unknown`/`Not Negotiated` → undefined. */
export function speedBits(v: string | undefined): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*Gbit/i.exec((v ?? '').trim());
  return m ? Math.round(Number(m[1]) * 1e9) : undefined;
}

/** Free text attribute: trimmed, `unknown` and empty read as undefined. */
export function textAttr(v: string | undefined): string | undefined {
  const s = (v ?? '').trim();
  return s === '' || /^unknown$/i.test(s) ? undefined : s;
}

/** `FCP Target, FCP Initiator` → ['FCP Target', 'FCP Initiator']. */
export function rolesFromSysfs(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '' && !/^unknown$/i.test(s));
}

/** `host5` → 5. */
export function hostNumber(name: string): number | undefined {
  const m = /^host(\d+)$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** `rport-5:0-2` → {host 5, channel 0, number 2}. */
export function parseRportName(name: string): { host: number; channel: number; number: number } | undefined {
  const m = /^rport-(\d+):(\d+)-(\d+)$/.exec(name);
  return m ? { host: Number(m[1]), channel: Number(m[2]), number: Number(m[3]) } : undefined;
}

/** `5:0:1:3` → {host, channel, target, lun}. */
export function parseHctl(name: string): { host: number; channel: number; target: number; lun: number } | undefined {
  const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(name);
  return m ? { host: Number(m[1]), channel: Number(m[2]), target: Number(m[3]), lun: Number(m[4]) } : undefined;
}

/** A host name for sysfs writes: only `hostN`, so nothing else under /sys is ever written. */
export function isScsiHostName(name: string): boolean {
  return /^host\d{1,5}$/.test(name);
}

/** SCSI peripheral type number (sysfs `type`) → the name the agent reports. */
export function scsiTypeName(t: number): string {
  const names: Record<number, string> = { 0: 'DIRECT_ACCESS', 1: 'SEQUENTIAL_ACCESS', 5: 'MMC', 8: 'MEDIUM_CHANGER', 12: 'STORAGE_ARRAY_CONTROLLER', 13: 'ENCLOSURE_SERVICES' };
  return names[t] ?? `TYPE_${t}`;
}
