// Slows down password guessing without ever locking the right password out: a wrong password's
// 401 is held back (doubling, bounded) by the failures of its address and by the failures of all
// addresses together; a right password is checked and answered at once. The per-address state
// expires when the address stays quiet; the table is bounded against floods of addresses.
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
  /** Failures from all addresses together before every failure is held back (global bound). */
  globalFailuresBeforeDelay?: number;
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
  readonly globalFailuresBeforeDelay: number;
  private global = { failures: 0, last: 0 };

  constructor(private readonly opts: AuthThrottleOptions) {
    this.baseDelayMs = opts.baseDelayMs ?? 250;
    this.maxDelayMs = opts.maxDelayMs ?? 8_000;
    this.forgetAfterMs = opts.forgetAfterMs ?? 15 * 60_000;
    this.maxAddresses = opts.maxAddresses ?? 10_000;
    this.globalFailuresBeforeDelay = opts.globalFailuresBeforeDelay ?? 20;
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

  /** How long the 401 of this address's next failure is held back (0: none). */
  delayFor(address: string): number {
    return Math.max(this.backoff(this.failures(address), this.opts.failuresBeforeDelay), this.globalDelay());
  }

  /** Failures from all addresses, forgotten after a quiet period like those of one address. */
  globalFailures(): number {
    if (this.opts.clock.now() - this.global.last >= this.forgetAfterMs) this.global = { failures: 0, last: 0 };
    return this.global.failures;
  }

  /** Delay that every failure gets once all addresses together failed too often. */
  globalDelay(): number {
    // Doubling every 8 failures past the bound: spreading guesses over addresses gains nothing.
    const over = this.globalFailures() - this.globalFailuresBeforeDelay;
    return over <= 0 ? 0 : Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(Math.floor((over - 1) / 8), 30));
  }

  private backoff(failures: number, threshold: number): number {
    const over = failures - threshold;
    if (over <= 0) return 0;
    return Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(over - 1, 30));
  }

  /** Records a failed login; returns how long to hold back its 401. */
  failed(address: string): { failures: number; delayMs: number } {
    const failures = this.recordFailure(address);
    this.global = { failures: this.globalFailures() + 1, last: this.opts.clock.now() };
    return { failures, delayMs: this.delayFor(address) };
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

/** Runs at most `max` tasks at once; the others wait their turn, in order. */
export class ParallelLimit {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    else this.running++;
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, or free it.
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }
}
