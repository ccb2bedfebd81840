// What libiscsi's userspace tools (1.19) print: `iscsi-ls -s` targets and LUNs, `iscsi-inq`
// standard inquiry and VPD pages 0x80/0x83, `iscsi-readcapacity16`, and their login errors.
// Pure; formats recorded against tgtd in test/fixtures/scsi/libiscsi.
import { parsePortal, type Portal } from './iscsi-names.js';

export interface LsLun {
  lun: number;
  /** SCSI peripheral type as libiscsi names it: DIRECT_ACCESS, STORAGE_ARRAY_CONTROLLER, ... */
  type: string;
  /** The rounded size iscsi-ls shows ("Size:63M"), in bytes; the exact size comes from READ CAPACITY. */
  approxSize?: number;
}

export interface LsTarget {
  target: string;
  portals: Portal[];
  luns: LsLun[];
  /** Set when the LUN listing of this target failed (e.g. authentication). */
  error?: string;
}

const UNIT: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** `iscsi-ls [-s]` output: `Target:iqn Portal:addr:port,tpgt` then `Lun:N Type:T (Size:xM)` lines. */
export function parseIscsiLs(text: string): LsTarget[] {
  const out: LsTarget[] = [];
  let cur: LsTarget | undefined;
  for (const line of text.split('\n')) {
    const t = /^Target:(\S+)\s+Portal:(\S+)/.exec(line);
    if (t) {
      let portal: Portal | undefined;
      try {
        portal = parsePortal(t[2]);
      } catch {
        portal = undefined;
      }
      const existing = out.find((x) => x.target === t[1]);
      cur = existing ?? { target: t[1], portals: [], luns: [] };
      if (!existing) out.push(cur);
      if (portal) cur.portals.push(portal);
      continue;
    }
    const l = /^Lun:(\d+)\s+Type:(\S+)(?:\s+\(Size:(\d+)([KMGT]?)\))?/.exec(line);
    if (l && cur) {
      const lun: LsLun = { lun: Number(l[1]), type: l[2] };
      if (l[3] !== undefined) lun.approxSize = Number(l[3]) * UNIT[l[4]];
      cur.luns.push(lun);
      continue;
    }
    if (cur && /^list_luns:|Failed to log in|Login Failed/i.test(line)) cur.error = line.trim();
  }
  return out;
}

export interface StdInquiry {
  deviceType: string;
  vendor: string;
  product: string;
  revision: string;
  version?: string;
}

function fields(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const k = line.slice(0, i).trim();
    if (!m.has(k)) m.set(k, line.slice(i + 1));
  }
  return m;
}

/** `iscsi-inq URL` (standard INQUIRY); vendor/product/revision are trimmed of their padding. */
export function parseStdInquiry(text: string): StdInquiry {
  const f = fields(text);
  const inq: StdInquiry = {
    deviceType: (f.get('Peripheral Device Type') ?? '').trim(),
    vendor: (f.get('Vendor') ?? '').trim(),
    product: (f.get('Product') ?? '').trim(),
    revision: (f.get('Revision') ?? '').trim(),
  };
  const v = f.get('Version');
  if (v !== undefined) inq.version = v.trim();
  return inq;
}

/** `iscsi-inq -e 1 -c 128`: `Unit Serial Number:[   HVI0001]` (the field is space-padded). */
export function parseUnitSerial(text: string): string | undefined {
  const m = /Unit Serial Number:\[([^\]]*)\]/.exec(text);
  const s = m?.[1].trim();
  return s ? s : undefined;
}

export interface Designator {
  codeSet: number;
  association: number;
  type: number;
  /** The designator as iscsi-inq printed it (text for ASCII/UTF-8 code sets). */
  text: string;
}

/**
 * `iscsi-inq -e 1 -c 131` (page 0x83). iscsi-inq prints binary designators (NAA, EUI-64) as raw
 * bytes, which do not survive as text: only ASCII/UTF-8 designators carry a usable value here.
 */
export function parseDeviceIdPage(text: string): Designator[] {
  const out: Designator[] = [];
  let cur: Partial<Designator> | undefined;
  for (const line of text.split('\n')) {
    if (/^DEVICE DESIGNATOR #\d+/.test(line)) {
      cur = {};
      continue;
    }
    if (!cur) continue;
    const cs = /^Code Set:\((\d+)\)/.exec(line);
    if (cs) cur.codeSet = Number(cs[1]);
    const as = /^Association:\((\d+)\)/.exec(line);
    if (as) cur.association = Number(as[1]);
    const ty = /^Designator Type:\((\d+)\)/.exec(line);
    if (ty) cur.type = Number(ty[1]);
    const d = /^Designator:\[(.*)\]\s*$/.exec(line);
    if (d && cur.codeSet !== undefined && cur.type !== undefined) {
      out.push({ codeSet: cur.codeSet, association: cur.association ?? 0, type: cur.type, text: d[1] });
      cur = undefined;
    }
  }
  return out;
}

export interface Capacity16 {
  lastLba: bigint;
  blockSize: number;
  /** Bytes: (last LBA + 1) × block size. */
  size: bigint;
}

/** `iscsi-readcapacity16 URL`. */
export function parseReadCapacity16(text: string): Capacity16 | undefined {
  const lba = /RETURNED LOGICAL BLOCK ADDRESS:(\d+)/.exec(text);
  const bs = /LOGICAL BLOCK LENGTH IN BYTES:(\d+)/.exec(text);
  if (!lba || !bs) return undefined;
  const lastLba = BigInt(lba[1]);
  const blockSize = Number(bs[1]);
  return { lastLba, blockSize, size: (lastLba + 1n) * BigInt(blockSize) };
}

/** How a libiscsi tool failed, from its stderr (rc is 10 for every failure). */
export type LibiscsiFailure = 'auth' | 'target-auth' | 'unreachable' | 'no-target' | 'no-lun' | 'other';

export function classifyLibiscsiError(text: string): LibiscsiFailure {
  if (/Invalid CHAP_R response from the target|did not return CHAP_N/i.test(text)) return 'target-auth';
  if (/Authentication failure|Authorization failure/i.test(text)) return 'auth';
  if (/Target not found|Target removed/i.test(text)) return 'no-target';
  if (/LOGICAL_UNIT_NOT_SUPPORTED/i.test(text)) return 'no-lun';
  if (/Connection refused|connection failed|socket error|No route to host|timed out|Network is unreachable|Failed to resolve/i.test(text)) return 'unreachable';
  return 'other';
}
