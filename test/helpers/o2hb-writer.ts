// A test heartbeat writer: writes o2hb slots (the kernel's on-disk layout) into a real pool FS
// device or image at the heartbeat file's offset, as a node's o2hb thread would.
import * as fs from 'node:fs';
import { encodeSlot, type HbGeometry } from '../../src/core/cluster/o2hb.js';

export class O2hbWriter {
  constructor(
    private readonly device: string,
    private readonly g: HbGeometry,
  ) {}

  write(node: number, seq: bigint, generation: bigint, deadMs = 62000): void {
    const fd = fs.openSync(this.device, 'r+');
    try {
      fs.writeSync(fd, encodeSlot({ seq, node, generation, deadMs }, this.g.sectorSize), 0, this.g.sectorSize, this.g.startByte + node * this.g.sectorSize);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  corrupt(node: number): void {
    const fd = fs.openSync(this.device, 'r+');
    try {
      fs.writeSync(fd, Buffer.from([0xee, 0xee]), 0, 2, this.g.startByte + node * this.g.sectorSize + 40);
    } finally {
      fs.closeSync(fd);
    }
  }
}
