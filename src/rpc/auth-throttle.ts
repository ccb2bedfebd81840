// Slows down password guessing: per caller address, failed logins beyond a threshold delay every
// further password check from that address (doubling, bounded). Checks from one address are also
// spaced out, so parallel connections gain nothing: one beyond the bound is refused unchecked. The
// state expires when the address stays quiet; the table is bounded against floods of addresses.
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
  /** When the latest admitted check from this address may run. */
  slot: number;
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

  /**
   * Admits one password check: the ms to wait before running it, or undefined when the address
   * already has more checks queued than the longest delay allows (answer 401 without checking).
   */
  admit(address: string): number | undefined {
    const delay = this.delayFor(address);
    if (delay === 0) return 0;
    const e = this.table.get(address)!;
    const now = this.opts.clock.now();
    const slot = Math.max(now, e.slot) + delay;
    if (slot - now > this.maxDelayMs) return undefined;
    e.slot = slot;
    return slot - now;
  }

  recordFailure(address: string): number {
    const failures = this.failures(address) + 1;
    const slot = this.table.get(address)?.slot ?? 0;
    // Re-insert so the Map's order is least-recently-failed first, for eviction.
    this.table.delete(address);
    this.table.set(address, { failures, last: this.opts.clock.now(), slot });
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
