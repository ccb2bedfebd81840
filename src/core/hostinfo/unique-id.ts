// The host's Unique_Id: its SMBIOS UUID when the firmware gives a real one, else a UUID
// derived from the physical NIC MACs so it survives reboots and reinstalls.
import { createHash } from 'node:crypto';

/** UUIDs firmware ships as placeholders instead of a real system UUID. */
const PLACEHOLDERS = new Set([
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '03000200-0400-0500-0006-000700080009',
  '00020003-0004-0005-0006-000700080009',
]);

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function usableSmbiosUuid(raw: string | undefined): string | undefined {
  const u = (raw ?? '').trim().toLowerCase();
  return UUID_RE.test(u) && !PLACEHOLDERS.has(u) ? u : undefined;
}

/** Fixed namespace of our derived ids (a random v4 UUID chosen once for hvagent). */
export const HVAGENT_NAMESPACE = '8b0f6f0e-2c53-4d4e-9a57-3f6b1f6c2d11';

function uuidV5(namespace: string, name: string): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const h = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * UUIDv5 (RFC 4122) in HVAGENT_NAMESPACE over the lowercase MACs, sorted and joined by ','.
 * Sorting makes the id independent of NIC enumeration order.
 */
export function macsToUniqueId(macs: readonly string[]): string | undefined {
  const clean = [...new Set(macs.map((m) => m.trim().toLowerCase()))]
    .filter((m) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m) && m !== '00:00:00:00:00:00')
    .sort();
  return clean.length ? uuidV5(HVAGENT_NAMESPACE, clean.join(',')) : undefined;
}

/** Last resort (no SMBIOS UUID, no NIC): the machine-id, 32 hex digits, dashed. */
export function machineIdToUniqueId(machineId: string | undefined): string | undefined {
  const m = (machineId ?? '').trim().toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(m)) return undefined;
  return `${m.slice(0, 8)}-${m.slice(8, 12)}-${m.slice(12, 16)}-${m.slice(16, 20)}-${m.slice(20)}`;
}

/**
 * The wire spelling of a host id: its 16 bytes as colon-separated hex pairs, as real agents
 * sent Unique_Id and DMTF System/UUID (`1d:d5:e8:...`). Anything that is not a UUID is kept.
 */
export function uuidToColonHex(id: string): string {
  const hex = id.replace(/-/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(hex) ? (hex.match(/../g) as string[]).join(':') : id;
}
