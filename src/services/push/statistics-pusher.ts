// Pushes host statistics to the manager's statistic URL every `interval` seconds (0 = off),
// as the stock agent did after set_statistic_interval. Format (our choice): XML-RPC call
// `hvagent_statistics(stats)`. A failed push is logged and the next interval tries again:
// statistics are a stream of samples, not events, so they are not queued.
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from '../../host/clock.js';
import type { PushClientFactory } from './event-pusher.js';

export interface StatisticsPusherDeps {
  clock: Clock;
  log: Logger;
  clientFor: PushClientFactory;
  url: () => string | undefined;
  collect: () => Promise<Record<string, unknown>>;
}

export class StatisticsPusher {
  private timer: TimerHandle | undefined;
  private intervalSec = 0;
  private stopped = true;
  pushed = 0;
  failed = 0;

  constructor(private readonly deps: StatisticsPusherDeps) {}

  start(intervalSec: number): void {
    this.stopped = false;
    this.setInterval(intervalSec);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  interval(): number {
    return this.intervalSec;
  }

  setInterval(intervalSec: number): void {
    this.intervalSec = intervalSec;
    this.timer?.cancel();
    this.timer = undefined;
    if (!this.stopped && intervalSec > 0) this.timer = this.deps.clock.setTimeout(() => void this.tick(), intervalSec * 1000);
  }

  async pushOnce(): Promise<boolean> {
    const url = this.deps.url();
    if (!url) return false;
    try {
      const stats = await this.deps.collect();
      await this.deps.clientFor(url).call('hvagent_statistics', [stats]);
      this.pushed++;
      return true;
    } catch (e) {
      this.failed++;
      this.deps.log.warn({ err: (e as Error).message }, 'statistics push failed');
      return false;
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    await this.pushOnce();
    if (!this.stopped && this.intervalSec > 0) {
      this.timer = this.deps.clock.setTimeout(() => void this.tick(), this.intervalSec * 1000);
    }
  }
}
