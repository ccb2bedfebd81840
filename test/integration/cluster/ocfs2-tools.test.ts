// The offline ocfs2-tools for real: mkfs.ocfs2 with global heartbeat on an image file and on a
// loop device, read back with tunefs.ocfs2 -Q, mounted.ocfs2 -d and debugfs.ocfs2; then a test
// writer fills heartbeat slots that debugfs -R hb decodes and that drive the live-node map on
// a manual clock. Needs root, losetup and ocfs2-tools; loop devices are detached in teardown.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { HostExec } from '../../../src/host/exec.js';
import { ExecLoopDevices, ExecOcfs2Tools } from '../../../src/host/cluster/ocfs2-tools.js';
import { readHbRegion } from '../../../src/host/cluster/hb-region.js';
import { debugfsHbToRows } from '../../../src/core/cluster/ocfs2-output.js';
import { heartbeatGeometry, slotChecksum } from '../../../src/core/cluster/o2hb.js';
import { LiveNodeMap } from '../../../src/core/cluster/live-nodes.js';
import { ManualClock } from '../../helpers/manual-clock.js';
import { O2hbWriter } from '../../helpers/o2hb-writer.js';

const skip =
  process.getuid?.() !== 0 ? 'needs root (loop devices)' : !fs.existsSync('/usr/sbin/mkfs.ocfs2') && !fs.existsSync('/sbin/mkfs.ocfs2') ? 'ocfs2-tools not installed' : false;

const exec = new HostExec();
const tools = new ExecOcfs2Tools(exec);
const loops = new ExecLoopDevices(exec);

t.test('mkfs.ocfs2 on an image file and on a loop device, read back', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvc-ocfs2-'));
  const attached: string[] = [];
  t.teardown(async () => {
    for (const d of attached) await loops.detach(d).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const img = path.join(dir, 'ovspoolfs.img');
  execFileSync('truncate', ['-s', '1G', img]);
  const opts = { label: 'ovspoolfs', uuid: '0004fb00-0005-0000-e70f-bddeb802208f', clusterName: 'f1e2d3c4b5a6978', slots: 4, journalSize: 16 * 1024 * 1024 };
  await tools.mkfs(img, opts);
  const q = await tools.query(img);
  t.same(q, { uuid: '0004FB0000050000E70FBDDEB802208F', label: 'ovspoolfs', slots: 4, clusterSize: 1048576 });
  t.ok(fs.statSync(img).blocks * 512 < 256 * 1024 * 1024, 'the image stays sparse');

  const dev = await loops.attach(img);
  attached.push(dev);
  t.same(await loops.find(img), [dev]);
  const seen = (await tools.detect()).find((d) => d.device === dev);
  t.same(seen, { device: dev, stack: 'o2cb', cluster: 'f1e2d3c4b5a6978', globalHeartbeat: true, uuid: '0004FB0000050000E70FBDDEB802208F', label: 'ovspoolfs' });
  const st = await tools.stats(dev);
  t.match(st, { blockSize: 4096, clusterSize: 1048576, maxSlots: 4, clusterName: 'f1e2d3c4b5a6978', globalHeartbeat: true });

  // re-format the loop device itself (mkfs over an existing OCFS2 asks; we answer y)
  await tools.mkfs(dev, { ...opts, uuid: '0004fb00-0005-0000-e70f-bddeb8022090', label: 'poolfs2', slots: 8 });
  t.same(await tools.query(dev), { uuid: '0004FB0000050000E70FBDDEB8022090', label: 'poolfs2', slots: 8, clusterSize: 1048576 });
  t.equal(await tools.cat(dev, 'no-such-file'), undefined);
});

t.test('heartbeat slots written in the o2hb layout: debugfs agrees, the live map follows', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvc-hb-'));
  const attached: string[] = [];
  t.teardown(async () => {
    for (const d of attached) await loops.detach(d).catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const img = path.join(dir, 'ovspoolfs.img');
  execFileSync('truncate', ['-s', '1G', img]);
  const dev = await loops.attach(img);
  attached.push(dev);
  await tools.mkfs(dev, { label: 'hvchb', uuid: '0004fb00-0005-0000-e70f-bddeb80220a1', clusterName: 'hvchb', slots: 4, journalSize: 16 * 1024 * 1024 });
  const st = await tools.stats(dev);
  const hb = await tools.heartbeatFile(dev);
  if (!hb) throw new Error('no heartbeat file extent');
  const g = heartbeatGeometry(hb.blkno, st.blockSize, hb.size);
  t.equal(g.startByte, 4 * 1024 * 1024, 'the heartbeat file starts at 4 MiB here');
  const w = new O2hbWriter(dev, g);
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 3, 0, 0));
  const map = new LiveNodeMap(3);
  const sample = async () => map.sample(await readHbRegion(dev, g), clock.now());
  const beat = (nodes: number[], gen: (n: number) => bigint) => {
    clock.advance(2000);
    for (const n of nodes) w.write(n, BigInt(Math.floor(clock.now() / 1000)), gen(n));
  };
  const gen1 = (n: number) => 0x1a2b3c4d5e6f7700n + BigInt(n);
  for (let i = 0; i < 3; i++) {
    beat([0, 2], gen1);
    await sample();
  }
  t.same(map.liveNodes(), [0, 2]);

  const rows = debugfsHbToRows(execFileSync('debugfs.ocfs2', ['-R', 'hb', dev], { encoding: 'utf8' }));
  const region = await readHbRegion(dev, g);
  t.same(
    rows.map((r) => [r.slot, r.node, r.seq, r.generation, r.deadMs]),
    [0, 2].map((n) => [n, n, BigInt(Math.floor(clock.now() / 1000)), gen1(n), 62000]),
    'debugfs.ocfs2 -R hb decodes exactly what the writer wrote',
  );
  t.same(rows.map((r) => r.cksum), [0, 2].map((n) => slotChecksum(region[n])), 'and prints the checksum we compute');

  // node 2 restarts: a new generation is death at once
  beat([0, 2], (n) => (n === 2 ? 0x77n : gen1(n)));
  await sample();
  t.same(map.liveNodes(), [0]);
  // node 0 stops; its slot goes bad too: dead after 3 unchanged samples
  beat([2], () => 0x77n);
  await sample();
  t.same(map.liveNodes(), [0], 'node 0: one miss; node 2: one change since its restart');
  w.corrupt(0);
  beat([2], () => 0x77n);
  await sample();
  t.same(map.liveNodes(), [0, 2], 'node 0: two misses (a bad checksum counts as one); node 2 live again');
  beat([2], () => 0x77n);
  await sample();
  t.same(map.liveNodes(), [2], 'node 0: third miss, dead');
});
