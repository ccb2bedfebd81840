// The o2hb on-disk heartbeat (fs/ocfs2/cluster/ocfs2_heartbeat.h): one slot per node, one
// device sector each, little-endian {seq u64, node u8, pad[3], cksum u32, generation u64,
// dead_ms u32}; cksum = crc32_le(0, sector) computed with the cksum field zeroed.

export const O2HB_REGION_TIMEOUT_MS = 2000;
export const O2HB_LIVE_THRESHOLD = 2;
export const O2HB_DEFAULT_DEAD_THRESHOLD = 31;
export const O2HB_MAX_SLOTS = 255;

export interface HbSlot {
  seq: bigint;
  node: number;
  cksum: number;
  generation: bigint;
  deadMs: number;
}

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** Linux crc32_le(seed, buf, len): reflected CRC-32 without the final inversion. */
export function crc32Le(seed: number, buf: Uint8Array): number {
  let c = seed >>> 0;
  for (let i = 0; i < buf.length; i++) c = TABLE[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return c >>> 0;
}

export function slotChecksum(sector: Uint8Array): number {
  const copy = Uint8Array.from(sector);
  new DataView(copy.buffer).setUint32(12, 0, true);
  return crc32Le(0, copy);
}

export function decodeSlot(sector: Uint8Array): HbSlot {
  const dv = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  return { seq: dv.getBigUint64(0, true), node: dv.getUint8(8), cksum: dv.getUint32(12, true), generation: dv.getBigUint64(16, true), deadMs: dv.getUint32(24, true) };
}

export function slotIsValid(sector: Uint8Array): boolean {
  return decodeSlot(sector).cksum === slotChecksum(sector);
}

/** One sector as the kernel writes it (seq 0 becomes 1, as o2hb_prepare_block does). */
export function encodeSlot(s: Omit<HbSlot, 'cksum'>, sectorSize = 512): Uint8Array {
  const b = new Uint8Array(sectorSize);
  const dv = new DataView(b.buffer);
  dv.setBigUint64(0, s.seq === 0n ? 1n : s.seq, true);
  dv.setUint8(8, s.node);
  dv.setBigUint64(16, s.generation, true);
  dv.setUint32(24, s.deadMs, true);
  dv.setUint32(12, crc32Le(0, b), true);
  return b;
}

export interface HbGeometry {
  /** Byte offset of slot 0 in the device (heartbeat file extent start). */
  startByte: number;
  sectorSize: number;
  slots: number;
}

/** ocfs2_fill_heartbeat_desc: blocks = min(255, clusters × clustersize / blocksize). */
export function heartbeatGeometry(extentBlkno: number, blockSize: number, fileBytes: number, sectorSize = 512): HbGeometry {
  return { startByte: extentBlkno * blockSize, sectorSize, slots: Math.min(O2HB_MAX_SLOTS, Math.floor(fileBytes / blockSize)) };
}
