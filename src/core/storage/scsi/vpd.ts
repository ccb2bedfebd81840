// SCSI identity of a LUN: the binary VPD page 0x83 (as Linux exposes it in
// /sys/bus/scsi/devices/*/vpd_pg83) decoded, and the one id the agent reports for a LUN, in
// the form udev's scsi_id and multipath use for WWIDs (NAA "3" + hex, T10 "1" + text). Pure.

export interface VpdDesignator {
  codeSet: number;
  association: number;
  type: number;
  /** Hex of the designator bytes (binary code set), else its text. */
  value: string;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function latin1(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

export const DESIGNATOR = { VENDOR: 0, T10: 1, EUI64: 2, NAA: 3, SCSI_NAME: 8 } as const;

/** Decode page 0x83 (header of 4 bytes, then designation descriptors). */
export function parseVpdPage83(buf: Uint8Array): VpdDesignator[] {
  if (buf.length < 4 || buf[1] !== 0x83) return [];
  const len = Math.min(buf.length - 4, (buf[2] << 8) | buf[3]);
  const out: VpdDesignator[] = [];
  let off = 4;
  while (off + 4 <= 4 + len) {
    const codeSet = buf[off] & 0x0f;
    const association = (buf[off + 1] >> 4) & 0x03;
    const type = buf[off + 1] & 0x0f;
    const dlen = buf[off + 3];
    const body = buf.subarray(off + 4, Math.min(off + 4 + dlen, 4 + len));
    const value = codeSet === 1 ? hex(body) : latin1(body).replace(/\0+$/, '').trim();
    out.push({ codeSet, association, type, value });
    off += 4 + dlen;
  }
  return out;
}

/**
 * The LUN's id (its WWID): the logical unit's NAA designator first, then EUI-64, then T10
 * vendor id, then SCSI name string, each with scsi_id's type prefix. undefined when none.
 */
export function lunWwid(ds: ReadonlyArray<{ codeSet: number; association: number; type: number; value: string }>): string | undefined {
  const lu = ds.filter((d) => d.association === 0);
  const naa = lu.find((d) => d.type === DESIGNATOR.NAA && d.codeSet === 1 && /^[0-9a-f]{16,32}$/.test(d.value));
  if (naa) return `3${naa.value}`;
  const eui = lu.find((d) => d.type === DESIGNATOR.EUI64 && d.codeSet === 1 && /^[0-9a-f]+$/.test(d.value));
  if (eui) return `2${eui.value}`;
  const t10 = lu.find((d) => d.type === DESIGNATOR.T10 && d.value !== '');
  if (t10) return `1${t10.value.replace(/\s+/g, '_')}`;
  const name = lu.find((d) => d.type === DESIGNATOR.SCSI_NAME && d.value !== '');
  if (name) return `8${name.value}`;
  return undefined;
}

/** Page 0x80 (unit serial number) from its binary form. */
export function parseVpdPage80(buf: Uint8Array): string | undefined {
  if (buf.length < 4 || buf[1] !== 0x80) return undefined;
  const len = (buf[2] << 8) | buf[3];
  const s = latin1(buf.subarray(4, 4 + len)).replace(/\0/g, '').trim();
  return s || undefined;
}
