// The test clock services get: time moves only when a test says so. `advance` fires every
// timer that falls due in that span, in due order, with now() at its due time, including
// timers the callbacks schedule within the span; `sleep` moves time at once.
import type { Clock, TimerHandle } from '../../src/host/clock.js';

export class ManualClock implements Clock {
  private timers: Array<{ at: number; fn: () => void; live: boolean }> = [];

  constructor(public t: number = Date.UTC(2026, 10, 22, 12, 0, 0)) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const entry = { at: this.t + ms, fn, live: true };
    this.timers.push(entry);
    return { cancel: () => void (entry.live = false) };
  }

  async sleep(ms: number): Promise<void> {
    this.t += ms;
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.live && x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      due.live = false;
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }

  /** Timers scheduled and neither fired nor cancelled. */
  pending(): number {
    return this.timers.filter((x) => x.live).length;
  }
}
