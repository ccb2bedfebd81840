import t from 'tap';
import * as zlib from 'node:zlib';
import { crc32Le, decodeSlot, encodeSlot, slotIsValid, heartbeatGeometry } from '../../../src/core/cluster/o2hb.js';
import { LiveNodeMap } from '../../../src/core/cluster/live-nodes.js';
import { ManualClock } from '../../helpers/manual-clock.js';

t.test('crc32_le(0, …) equals zlib crc32 seeded with ~0 and inverted (the kernel math)', async (t) => {
  const buf = Buffer.from('123456789');
  const viaZlib = ((zlib as unknown as { crc32(b: Buffer, s: number): number }).crc32(buf, 0xffffffff) ^ 0xffffffff) >>> 0;
  t.equal(crc32Le(0, buf), viaZlib);
  t.not(crc32Le(0, buf), 0xcbf43926, 'not the inverted IEEE CRC');
});

t.test('a slot round-trips; seq 0 is written as 1; a flipped byte fails the checksum', async (t) => {
  const s = encodeSlot({ seq: 0x6b0cc90en, node: 2, generation: 0x0badc0ffee000002n, deadMs: 122000 });
  t.equal(s.length, 512);
  t.same({ ...decodeSlot(s), cksum: 0 }, { seq: 0x6b0cc90en, node: 2, cksum: 0, generation: 0x0badc0ffee000002n, deadMs: 122000 });
  t.ok(slotIsValid(s));
  t.equal(decodeSlot(encodeSlot({ seq: 0n, node: 0, generation: 1n, deadMs: 0 })).seq, 1n);
  const bad = Uint8Array.from(s);
  bad[100] ^= 1;
  t.notOk(slotIsValid(bad));
  t.same(heartbeatGeometry(1024, 4096, 1048576), { startByte: 4194304, sectorSize: 512, slots: 255 });
  t.same(heartbeatGeometry(1024, 4096, 65536), { startByte: 4194304, sectorSize: 512, slots: 16 });
});

/** A region of `n` slots written by a fake node set, sampled every 2 s on a manual clock. */
function region(n: number) {
  const gen = new Map<number, bigint>();
  const seq = new Map<number, bigint>();
  const sectors: Uint8Array[] = Array.from({ length: n }, () => new Uint8Array(512));
  return {
    sectors,
    beat(node: number, clock: ManualClock) {
      seq.set(node, BigInt(Math.floor(clock.now() / 1000)));
      sectors[node] = encodeSlot({ seq: seq.get(node) as bigint, node, generation: gen.get(node) ?? 0x1000n + BigInt(node), deadMs: 62000 });
    },
    restart(node: number) {
      gen.set(node, (gen.get(node) ?? 0x1000n + BigInt(node)) + 0x100n);
    },
    corrupt(node: number) {
      sectors[node] = Uint8Array.from(sectors[node]);
      sectors[node][40] ^= 0xff;
    },
  };
}

t.test('live after two changed samples, dead after the threshold of unchanged ones', async (t) => {
  const clock = new ManualClock();
  const r = region(4);
  const map = new LiveNodeMap(5);
  const tick = (beating: number[]) => {
    clock.advance(2000);
    for (const n of beating) r.beat(n, clock);
    map.sample(r.sectors, clock.now());
  };
  tick([0, 1]);
  t.same(map.liveNodes(), [], 'first sight is not life');
  tick([0, 1]);
  t.same(map.liveNodes(), [], 'one change is not enough');
  tick([0, 1]);
  t.same(map.liveNodes(), [0, 1], 'two changed samples: live');
  for (let i = 0; i < 4; i++) tick([0]);
  t.same(map.liveNodes(), [0, 1], 'node 1 silent for 4 samples: still live (threshold 5)');
  tick([0]);
  t.same(map.liveNodes(), [0], 'fifth unchanged sample: node 1 dead');
  t.equal(map.view().find((v) => v.number === 1)?.state, 'dead');
  t.equal(map.sampledAt(), clock.now());
});

t.test('a generation change is death at once; a bad checksum is a missed beat', async (t) => {
  const clock = new ManualClock();
  const r = region(3);
  const map = new LiveNodeMap(3);
  const tick = (beating: number[]) => {
    clock.advance(2000);
    for (const n of beating) r.beat(n, clock);
    map.sample(r.sectors, clock.now());
  };
  for (let i = 0; i < 3; i++) tick([0, 2]);
  t.same(map.liveNodes(), [0, 2]);
  r.restart(2);
  tick([0, 2]);
  t.same(map.liveNodes(), [0], 'node 2 restarted: dead at once, though it beats');
  tick([0, 2]);
  tick([0, 2]);
  t.same(map.liveNodes(), [0, 2], 'the new incarnation becomes live after two changes');
  tick([0]);
  r.corrupt(2);
  tick([0]);
  t.same(map.liveNodes(), [0, 2], 'two misses (one a bad checksum) under threshold 3');
  r.beat(2, clock);
  r.corrupt(2);
  tick([0]);
  t.same(map.liveNodes(), [0], 'a freshly written but corrupt slot is still a miss: third miss, dead');
});
