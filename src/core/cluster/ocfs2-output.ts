// Parsers of what ocfs2-tools 1.8 print: `mounted.ocfs2 -d`, our `tunefs.ocfs2 -Q` format,
// `debugfs.ocfs2 -R stats`, `-R "stat //heartbeat"` (the heartbeat file's extent) and `-R hb`.
import { parseMountedOcfs2, parseTunefsQuery, TUNEFS_QUERY as STORAGE_TUNEFS_QUERY, type MountedOcfs2 } from '../storage/ocfs2.js';

/** One `mounted.ocfs2 -d` row, the uuid as the tool prints it (32 upper-case hex). */
export type DetectedOcfs2 = MountedOcfs2;

/** `mounted.ocfs2 -d`, read by the storage area's fixed-column parser (the F column may be blank). */
export function mountedDetectToList(text: string): DetectedOcfs2[] {
  return parseMountedOcfs2(text).map((m) => ({ ...m, uuid: m.uuid.replace(/-/g, '').toUpperCase() }));
}

/** The `tunefs.ocfs2 -Q` format: the storage area's (one format, one parser of its answer). */
export const TUNEFS_QUERY = STORAGE_TUNEFS_QUERY;

export interface TunefsQuery {
  uuid: string;
  label: string;
  slots: number;
  clusterSize: number;
}

/** The storage area's parser, the uuid kept as the tool prints it (32 upper-case hex). */
export function tunefsQueryToInfo(text: string): TunefsQuery {
  const f = parseTunefsQuery(text);
  return { uuid: f.uuid.replace(/-/g, '').toUpperCase(), label: f.label, slots: f.slots, clusterSize: f.clusterSize };
}

export interface DebugfsStats {
  blockSize: number;
  clusterSize: number;
  maxSlots: number;
  label: string;
  uuid: string;
  clusterStack: string;
  clusterName: string;
  globalHeartbeat: boolean;
}

export function debugfsStatsToInfo(text: string): DebugfsStats {
  const m = (re: RegExp) => re.exec(text)?.[1] ?? '';
  return {
    blockSize: 2 ** Number(m(/Block Size Bits:\s*(\d+)/) || 0),
    clusterSize: 2 ** Number(m(/Cluster Size Bits:\s*(\d+)/) || 0),
    maxSlots: Number(m(/Max Node Slots:\s*(\d+)/) || 0),
    label: m(/^\s*Label:\s*(.*?)\s*$/m),
    uuid: m(/^\s*UUID:\s*([0-9A-Fa-f]+)/m),
    clusterStack: m(/Cluster stack:\s*(\S+)/),
    clusterName: m(/Cluster name:\s*(\S+)/),
    globalHeartbeat: /Cluster flags:.*Globalheartbeat/.test(text),
  };
}

/** Size and first extent block of `stat //heartbeat`; undefined when not found. */
export function debugfsHeartbeatFile(text: string): { size: number; blkno: number } | undefined {
  const size = /\bSize:\s*(\d+)/.exec(text);
  const ext = /^\s*0\s+0\s+\d+\s+(\d+)\s+0x/m.exec(text);
  if (!size || !ext) return undefined;
  return { size: Number(size[1]), blkno: Number(ext[1]) };
}

export interface DebugfsHbRow {
  slot: number;
  node: number;
  seq: bigint;
  generation: bigint;
  cksum: number;
  deadMs: number;
}

/** `debugfs.ocfs2 -R hb`: `slot: node seq generation checksum deadms` in hex (deadms decimal). */
export function debugfsHbToRows(text: string): DebugfsHbRow[] {
  const rows: DebugfsHbRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*(\d+):\s+(\d+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+(\d+)\s*$/.exec(line);
    if (m) rows.push({ slot: Number(m[1]), node: Number(m[2]), seq: BigInt('0x' + m[3]), generation: BigInt('0x' + m[4]), cksum: parseInt(m[5], 16), deadMs: Number(m[6]) });
  }
  return rows;
}
