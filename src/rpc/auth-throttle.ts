// Slows down password guessing: per caller address, failed logins beyond a threshold delay every
// further password check from that address (doubling, bounded); the state expires when the address
// stays quiet and the table is bounded so a flood of addresses cannot grow it without limit.
import type { Clock } from '../host/clock.js';

export interface AuthThrottleOptions {
  clock: Clock;
  /** Failures tolerated before delays start (config rpc.authFailuresBeforeDelay). */
  failuresBeforeDelay: number;
  /** Delay after the first failure beyond the threshold; doubles with each further failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** An address without a failure for this long starts again from zero. */
  forgetAfterMs?: number;
  maxAddresses?: number;
}

interface Entry {
  failures: number;
  last: number;
}

export class AuthThrottle {
  private readonly table = new Map<string, Entry>();
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly forgetAfterMs: number;
  private readonly maxAddresses: number;

  constructor(private readonly opts: AuthThrottleOptions) {
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.maxDelayMs = opts.maxDelayMs ?? 8_000;
    this.forgetAfterMs = opts.forgetAfterMs ?? 15 * 60_000;
    this.maxAddresses = opts.maxAddresses ?? 10_000;
  }

  /** Failed logins currently remembered for an address. */
  failures(address: string): number {
    const e = this.table.get(address);
    if (!e) return 0;
    if (this.opts.clock.now() - e.last >= this.forgetAfterMs) {
      this.table.delete(address);
      return 0;
    }
    return e.failures;
  }

  /** How long the next password check from this address waits (0: none). */
  delayFor(address: string): number {
    const over = this.failures(address) - this.opts.failuresBeforeDelay;
    if (over < 0) return 0;
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(over, 30));
  }

  recordFailure(address: string): number {
    const failures = this.failures(address) + 1;
    // Re-insert so the Map's order is least-recently-failed first, for eviction.
    this.table.delete(address);
    this.table.set(address, { failures, last: this.opts.clock.now() });
    if (this.table.size > this.maxAddresses) this.prune();
    return failures;
  }

  recordSuccess(address: string): void {
    this.table.delete(address);
  }

  get size(): number {
    return this.table.size;
  }

  private prune(): void {
    const now = this.opts.clock.now();
    for (const [addr, e] of this.table) if (now - e.last >= this.forgetAfterMs) this.table.delete(addr);
    for (const addr of this.table.keys()) {
      if (this.table.size <= this.maxAddresses) break;
      this.table.delete(addr);
    }
  }
}
