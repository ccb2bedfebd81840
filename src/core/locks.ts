// The agent's one lock manager: named resources (`network`, `pool`, `repository:<uuid>`,
// `vm:<repo>/<vm>`, `template:<repo>/<id>`...) held shared or exclusive, never waited for: a
// request that conflicts faults at once naming the holder. Pure: no I/O, no timers.
import { AgentError, type ErrorCode } from './errors.js';

export type LockMode = 'shared' | 'exclusive';

export interface LockRequest {
  resource: string;
  mode: LockMode;
  /** The fault a conflict on this resource raises (default BUSY), e.g. REPO_IN_USE. */
  busy?: ErrorCode;
}

/** Who holds: a call (`call:<id>`) or a job (`job:<id>`), and a readable name for faults. */
export interface LockOwner {
  id: string;
  what: string;
}

export interface LockHold {
  resource: string;
  mode: LockMode;
  owner: LockOwner;
}

/** One acquisition; release() is idempotent. */
export interface Lease {
  readonly requests: readonly LockRequest[];
  release(): void;
}

interface Holder {
  owner: LockOwner;
  mode: LockMode;
  count: number;
}

const conflicts = (a: LockMode, b: LockMode): boolean => a === 'exclusive' || b === 'exclusive';

export const exclusive = (resource: string, busy?: ErrorCode): LockRequest => ({ resource, mode: 'exclusive', busy });
export const shared = (resource: string, busy?: ErrorCode): LockRequest => ({ resource, mode: 'shared', busy });

const NO_LEASE: Lease = { requests: [], release: () => {} };

export class LockManager {
  private readonly held = new Map<string, Holder[]>();

  /**
   * Takes every request or none. Holds of the same owner never conflict with each other (a
   * call that also holds through a job of its own). Throws the first conflict's fault.
   */
  acquire(owner: LockOwner, requests: readonly LockRequest[]): Lease {
    if (requests.length === 0) return NO_LEASE;
    for (const r of requests) {
      const other = this.held.get(r.resource)?.find((h) => h.owner.id !== owner.id && conflicts(h.mode, r.mode));
      if (other) throw busyFault(owner, r, other);
    }
    for (const r of requests) this.add(owner, r);
    let released = false;
    return {
      requests,
      release: () => {
        if (released) return;
        released = true;
        for (const r of requests) this.remove(owner, r);
      },
    };
  }

  /** Current holds of a resource (all of them when resource is omitted), for checks and `status`. */
  holds(resource?: string): LockHold[] {
    const out: LockHold[] = [];
    for (const [res, hs] of this.held) {
      if (resource !== undefined && res !== resource) continue;
      for (const h of hs) out.push({ resource: res, mode: h.mode, owner: h.owner });
    }
    return out;
  }

  isHeld(resource: string): boolean {
    return this.held.has(resource);
  }

  private add(owner: LockOwner, r: LockRequest): void {
    const hs = this.held.get(r.resource) ?? [];
    const mine = hs.find((h) => h.owner.id === owner.id && h.mode === r.mode);
    if (mine) mine.count++;
    else hs.push({ owner, mode: r.mode, count: 1 });
    this.held.set(r.resource, hs);
  }

  private remove(owner: LockOwner, r: LockRequest): void {
    const hs = this.held.get(r.resource);
    const i = hs?.findIndex((h) => h.owner.id === owner.id && h.mode === r.mode) ?? -1;
    if (!hs || i < 0) return;
    if (--hs[i].count > 0) return;
    hs.splice(i, 1);
    if (hs.length === 0) this.held.delete(r.resource);
  }
}

function busyFault(owner: LockOwner, r: LockRequest, other: Holder): AgentError {
  const how = other.mode === 'shared' ? ' (shared)' : '';
  const message = `${owner.what} cannot run now: ${other.owner.what} holds the ${r.resource} lock${how}`;
  return new AgentError(r.busy ?? 'BUSY', message, { lock: r.resource, holder: other.owner.id, holderWhat: other.owner.what });
}
