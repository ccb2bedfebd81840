// o2hb's liveness rules applied by a reader of the heartbeat region: a node becomes live after
// two samples whose seq changed, dead after `deadThreshold` unchanged samples, and dead at once
// when its generation changes (it restarted); a bad checksum counts as a missed sample.
import { decodeSlot, O2HB_LIVE_THRESHOLD, slotIsValid } from './o2hb.js';
import type { LiveNodeView } from './cluster-xml.js';

interface NodeTrack {
  seq: bigint;
  generation: bigint;
  changed: number;
  unchanged: number;
  live: boolean;
  seen: boolean;
}

export class LiveNodeMap {
  private readonly nodes = new Map<number, NodeTrack>();
  private lastSampleAt: number | undefined;

  constructor(private readonly deadThreshold: number) {}

  /** One sample of every slot (index = node number), taken at `now` ms. */
  sample(sectors: readonly Uint8Array[], now: number): void {
    this.lastSampleAt = now;
    sectors.forEach((sector, node) => {
      const t = this.nodes.get(node);
      const valid = slotIsValid(sector);
      const s = decodeSlot(sector);
      if (!valid || s.seq === 0n) {
        // An empty slot never became live; a bad checksum is a missed beat.
        if (t) this.miss(t);
        return;
      }
      if (!t) {
        this.nodes.set(node, { seq: s.seq, generation: s.generation, changed: 0, unchanged: 0, live: false, seen: true });
        return;
      }
      if (t.live && s.generation !== t.generation) {
        // The node restarted: the old incarnation is dead at once; the new one starts counting.
        Object.assign(t, { seq: s.seq, generation: s.generation, changed: 0, unchanged: 0, live: false });
        return;
      }
      t.generation = s.generation;
      if (s.seq !== t.seq) {
        t.seq = s.seq;
        t.unchanged = 0;
        t.changed++;
        if (!t.live && t.changed >= O2HB_LIVE_THRESHOLD) t.live = true;
      } else {
        this.miss(t);
      }
    });
  }

  private miss(t: NodeTrack): void {
    t.unchanged++;
    if (!t.live) t.changed = 0;
    if (t.live && t.unchanged >= this.deadThreshold) {
      t.live = false;
      t.changed = 0;
    }
  }

  liveNodes(): number[] {
    return [...this.nodes.entries()].filter(([, t]) => t.live).map(([n]) => n).sort((a, b) => a - b);
  }

  view(): LiveNodeView[] {
    return [...this.nodes.entries()]
      .sort(([a], [b]) => a - b)
      .map(([number, t]) => ({ number, state: t.live ? 'live' : t.unchanged > 0 ? 'dead' : 'unknown', generation: t.generation.toString(16).padStart(16, '0'), seq: Number(t.seq) }));
  }

  sampledAt(): number | undefined {
    return this.lastSampleAt;
  }
}
