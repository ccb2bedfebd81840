// Reads the o2hb heartbeat region (read-only): one sector per slot from the pool FS device or
// image, at the heartbeat file's offset.
import * as fs from 'node:fs/promises';
import type { HbGeometry } from '../../core/cluster/o2hb.js';

export type HbRegionReader = (device: string, g: HbGeometry) => Promise<Uint8Array[]>;

export const readHbRegion: HbRegionReader = async (device, g) => {
  const fh = await fs.open(device, 'r');
  try {
    const buf = Buffer.alloc(g.sectorSize * g.slots);
    await fh.read(buf, 0, buf.length, g.startByte);
    return Array.from({ length: g.slots }, (_, i) => new Uint8Array(buf.buffer, buf.byteOffset + i * g.sectorSize, g.sectorSize));
  } finally {
    await fh.close();
  }
};
