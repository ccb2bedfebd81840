import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { debugfsHbToRows, debugfsHeartbeatFile, debugfsStatsToInfo, mountedDetectToList, tunefsQueryToInfo } from '../../../src/core/cluster/ocfs2-output.js';
import { heartbeatGeometry } from '../../../src/core/cluster/o2hb.js';

const FIX = path.resolve(import.meta.dirname, '../../fixtures/cluster/debugfs');

t.test('recorded ocfs2-tools outputs', async (t) => {
  const st = debugfsStatsToInfo(fs.readFileSync(path.join(FIX, 'stats.out'), 'utf8'));
  t.same(st, { blockSize: 4096, clusterSize: 1048576, maxSlots: 32, label: 'ovspoolfs', uuid: 'F12842EBF5ED3FE78DA1EB0E17F5EDE8', clusterStack: 'o2cb', clusterName: 'd1a749d4295041f', globalHeartbeat: true });
  const hb = debugfsHeartbeatFile(fs.readFileSync(path.join(FIX, 'stat-heartbeat.out'), 'utf8'));
  t.same(hb, { size: 1048576, blkno: 1280 }, 'with 32 slots the heartbeat file starts at block 1280');
  t.same(heartbeatGeometry(hb!.blkno, st.blockSize, hb!.size), { startByte: 5242880, sectorSize: 512, slots: 255 });
  t.same(tunefsQueryToInfo(fs.readFileSync(path.join(FIX, 'tunefs-q.out'), 'utf8')), { uuid: 'F12842EBF5ED3FE78DA1EB0E17F5EDE8', label: 'ovspoolfs', slots: 32, clusterSize: 1048576 });
  t.equal(debugfsHeartbeatFile('nothing'), undefined);
});

t.test('mounted.ocfs2 -d as the lab recorded it (G flag present or not)', async (t) => {
  const text = `Device      Stack  Cluster           F  UUID                              Label
/dev/loop0  o2cb   f1e2d3c4b5a69788  G  9999564F6AF4453CA245C71E0F774F13  ovspoolfs
/dev/loop1  o2cb   f1e2d3c4b5a69788     BF006977661E4AB2B7555DE50A1F58A3  iscsirepo
`;
  t.same(mountedDetectToList(text), [
    { device: '/dev/loop0', stack: 'o2cb', cluster: 'f1e2d3c4b5a69788', globalHeartbeat: true, uuid: '9999564F6AF4453CA245C71E0F774F13', label: 'ovspoolfs' },
    { device: '/dev/loop1', stack: 'o2cb', cluster: 'f1e2d3c4b5a69788', globalHeartbeat: false, uuid: 'BF006977661E4AB2B7555DE50A1F58A3', label: 'iscsirepo' },
  ]);
});

t.test('debugfs.ocfs2 -R hb rows (the lab capture)', async (t) => {
  const text = `\tnode: node              seq       generation checksum deadms
\t   0:    0 000000006b0cc90e 1a2b3c4d5e6f7788 e3ebfbb4  62000
\t   2:    2 000000006b0cc90e 0badc0ffee000002 74d00768 122000
`;
  t.same(debugfsHbToRows(text), [
    { slot: 0, node: 0, seq: 0x6b0cc90en, generation: 0x1a2b3c4d5e6f7788n, cksum: 0xe3ebfbb4, deadMs: 62000 },
    { slot: 2, node: 2, seq: 0x6b0cc90en, generation: 0x0badc0ffee000002n, cksum: 0x74d00768, deadMs: 122000 },
  ]);
});
