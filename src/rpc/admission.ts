// Who gets a connection slot: a bounded share for connections that have not authenticated yet,
// a bound per address, slots kept free for the owner manager's address, a deadline to
// authenticate, and past the limits a clean refusal (HTTP 503) instead of a reset.
import type { Clock } from '../host/clock.js';

export interface AdmissionLimits {
  /** Connections served (rpc.maxConnections). */
  maxConnections: number;
  /** Of those, at most this many not authenticated yet (rpc.maxUnauthenticated). */
  maxUnauthenticated: number;
  /** Connections from one address, authenticated or not (rpc.maxConnectionsPerAddress). */
  maxPerAddress: number;
  /** Slots only the owner manager's address may use (rpc.ownerReservedConnections). */
  ownerReserved: number;
  /** A connection must authenticate within this time (rpc.authTimeoutMs). */
  authTimeoutMs: number;
  /** Connections over the limits held only to answer 503 (beyond them: closed at once). */
  refusalPool: number;
  /** A refused connection is closed after this long even if it never sends a request. */
  refusalTimeoutMs: number;
}

export type Verdict = 'admit' | 'refuse' | 'drop';

export interface Admitted {
  readonly address: string;
  readonly verdict: Verdict;
  authenticated: boolean;
  timer: { cancel(): void } | undefined;
  /** Closes the connection when it misses its deadline. */
  readonly expire: () => void;
}

export interface AdmissionDeps {
  limits: AdmissionLimits;
  clock: Clock;
  /** The owner manager's address, when the host is owned. */
  ownerAddress: () => string | undefined;
}

export class Admission {
  private admitted = 0;
  private unauthenticated = 0;
  private refused = 0;
  /** Open connections per address (admitted or refused). */
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly deps: AdmissionDeps) {}

  /** Decides for a new connection from `address`; `expire` closes it if it misses its deadline. */
  open(address: string, expire: () => void): Admitted {
    const l = this.deps.limits;
    const owner = address !== '' && address === this.deps.ownerAddress();
    const fromHere = this.perAddress.get(address) ?? 0;
    let verdict: Verdict;
    if (owner) verdict = this.admitted < l.maxConnections ? 'admit' : 'refuse';
    else if (
      this.admitted >= l.maxConnections - l.ownerReserved ||
      this.unauthenticated >= l.maxUnauthenticated ||
      fromHere >= l.maxPerAddress
    )
      verdict = 'refuse';
    else verdict = 'admit';
    if (verdict === 'refuse' && this.refused >= l.refusalPool) verdict = 'drop';
    const conn: Admitted = { address, verdict, authenticated: false, timer: undefined, expire };
    if (verdict === 'drop') return conn;
    this.perAddress.set(address, fromHere + 1);
    if (verdict === 'admit') {
      this.admitted++;
      this.unauthenticated++;
    } else this.refused++;
    const ms = verdict === 'admit' ? l.authTimeoutMs : l.refusalTimeoutMs;
    conn.timer = this.deps.clock.setTimeout(() => {
      conn.timer = undefined;
      if (!conn.authenticated) conn.expire();
    }, ms);
    return conn;
  }

  /** The connection showed valid credentials: it no longer counts as unauthenticated. */
  authenticated(conn: Admitted): void {
    if (conn.authenticated || conn.verdict !== 'admit') return;
    conn.authenticated = true;
    this.unauthenticated--;
    conn.timer?.cancel();
    conn.timer = undefined;
  }

  close(conn: Admitted): void {
    if (conn.verdict === 'drop') return;
    conn.timer?.cancel();
    conn.timer = undefined;
    const n = (this.perAddress.get(conn.address) ?? 1) - 1;
    if (n <= 0) this.perAddress.delete(conn.address);
    else this.perAddress.set(conn.address, n);
    if (conn.verdict === 'admit') {
      this.admitted--;
      if (!conn.authenticated) this.unauthenticated--;
    } else this.refused--;
    // Closing twice must not count twice.
    (conn as { verdict: Verdict }).verdict = 'drop';
  }

  stats(): { admitted: number; unauthenticated: number; refused: number; addresses: number } {
    return { admitted: this.admitted, unauthenticated: this.unauthenticated, refused: this.refused, addresses: this.perAddress.size };
  }
}
