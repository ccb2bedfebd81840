// Who owns this host: Unowned → Owned (a manager took ownership) → Pooled (it joined a server
// pool). Kept in the database so the host remembers its manager across restarts. Also who the
// owner is on the wire (its certificate or its address) and where its pushes may go.
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import type { AgentConfig } from '../../core/config/schema.js';
import { certificateFingerprint } from './manager-cert.js';
import type { PushPins } from './push-urls.js';
import { AgentError } from '../../core/errors.js';
import type { HostStateRepo } from '../../store/host-state.js';
import type { EventSink } from '../events/event-journal.js';
import { STATE_KEYS } from '../context.js';
import { crashPoint } from '../../host/crash-point.js';

export type MembershipState = 'Unowned' | 'Owned' | 'Pooled';

export interface OwnershipRequest {
  managerUuid: string;
  coreApiUrl?: string;
  eventUrl?: string;
  statisticUrl?: string;
  managerCertificate?: string;
  signedServerCertificate?: string;
  /** The caller's address; the same manager taking ownership again from elsewhere moves it. */
  managerAddress?: string;
  /** Push URL host names pinned to an address (push-urls.ts); replaces the earlier pins. */
  pushPins?: PushPins;
}

export type OwnerCheck = AgentConfig['rpc']['ownerCheck'];

/** What the owner check looks at: the caller's address and the certificate it showed. */
export interface Caller {
  remoteAddress: string;
  peerCertificate?: string;
}

export interface PoolInfo {
  uuid: string;
  alias: string;
  virtualIp: string;
  nodeNumber: number;
  hostname: string;
  registeredIp: string;
  memberIps: string[];
  isMaster: boolean;
  roles?: string;
}

export const VALID_ROLES = ['xen', 'utility'] as const;

export interface OwnershipDeps {
  hostState: HostStateRepo;
  events: EventSink;
  log: Logger;
}

export class OwnershipService {
  /** The stored certificate and its fingerprint, parsed once. */
  private certCache: { text: string; fingerprint: string | undefined } | undefined;

  constructor(private readonly deps: OwnershipDeps) {}

  /** SHA-256 fingerprint of the certificate the owner took ownership with (3.3), when it did. */
  managerCertificateFingerprint(): string | undefined {
    if (!this.isOwned()) return undefined;
    const text = this.deps.hostState.get(STATE_KEYS.managerCertificate);
    if (text === undefined) return undefined;
    if (this.certCache?.text !== text) this.certCache = { text, fingerprint: certificateFingerprint(text) };
    return this.certCache.fingerprint;
  }

  /** True when, under this check, the owner is known by its certificate rather than its address. */
  holdsByCertificate(check: OwnerCheck): boolean {
    return check === 'certificate' && this.managerCertificateFingerprint() !== undefined;
  }

  /**
   * Whether this caller is the owner manager: by its client certificate after a 3.3 ownership
   * with one (rpc.ownerCheck certificate), else by the address it took ownership from. An owner
   * recorded before its address was (an older database) is not locked out.
   */
  isOwnerCaller(caller: Caller, check: OwnerCheck): boolean {
    if (check === 'off') return true;
    if (check === 'certificate') {
      const fp = this.managerCertificateFingerprint();
      if (fp !== undefined) return caller.peerCertificate === fp;
    }
    return (this.managerAddress() ?? caller.remoteAddress) === caller.remoteAddress;
  }

  /**
   * Where a push to `url` may connect: the owner manager's address, for a URL whose host is that
   * address or a name pinned to it at take_ownership; undefined for anything else.
   */
  pushAddress(url: string): string | undefined {
    const owner = this.managerAddress();
    if (owner === undefined) return undefined;
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
    } catch {
      return undefined;
    }
    if (isIP(host)) return host === owner ? owner : undefined;
    const pins = this.deps.hostState.getJson<PushPins>(STATE_KEYS.managerPushPins);
    // Owned before pins were kept (an older database): the name is taken as the owner's.
    if (pins === undefined) return owner;
    return Object.prototype.hasOwnProperty.call(pins, host) && pins[host] === owner ? owner : undefined;
  }

  /** The owner manager's address, when owned (and known: owned before it was recorded, unknown). */
  managerAddress(): string | undefined {
    return this.managerUuid() === undefined ? undefined : this.deps.hostState.get(STATE_KEYS.managerAddress);
  }

  managerUuid(): string | undefined {
    return this.deps.hostState.get(STATE_KEYS.managerUuid);
  }

  isOwned(): boolean {
    return this.managerUuid() !== undefined;
  }

  pool(): PoolInfo | undefined {
    return this.deps.hostState.getJson<PoolInfo>(STATE_KEYS.pool);
  }

  state(): MembershipState {
    if (!this.isOwned()) return 'Unowned';
    return this.pool() ? 'Pooled' : 'Owned';
  }

  /** A stored manager URL (STATE_KEYS.manager*Url). */
  storedUrl(key: string): string | undefined {
    return this.deps.hostState.get(key);
  }

  eventUrl(): string | undefined {
    return this.deps.hostState.get(STATE_KEYS.managerEventUrl);
  }

  statisticUrl(): string | undefined {
    return this.deps.hostState.get(STATE_KEYS.managerStatisticUrl);
  }

  roles(): string[] {
    const r = this.deps.hostState.get(STATE_KEYS.serverRoles);
    return r ? r.split(',').filter(Boolean) : [];
  }

  takeOwnership(req: OwnershipRequest): void {
    const hs = this.deps.hostState;
    const current = this.managerUuid();
    const wanted = req.managerUuid.toLowerCase();
    if (current !== undefined && current !== wanted) {
      throw new AgentError('OWNED_BY_OTHER', `Server already owned by manager: ${current}`);
    }
    const first = current === undefined;
    // One transaction: a crash never leaves an owner without its URLs, or the event without the owner.
    hs.atomic(() => {
      hs.set(STATE_KEYS.managerUuid, wanted);
      crashPoint('ownership:write'); // crash tests: killed mid-transaction, nothing of it lands
      const setOrKeep = (key: string, v: string | undefined) => {
        if (v !== undefined && v !== '') hs.set(key, v);
      };
      setOrKeep(STATE_KEYS.managerCoreApiUrl, req.coreApiUrl);
      setOrKeep(STATE_KEYS.managerEventUrl, req.eventUrl);
      setOrKeep(STATE_KEYS.managerStatisticUrl, req.statisticUrl);
      setOrKeep(STATE_KEYS.managerCertificate, req.managerCertificate);
      setOrKeep(STATE_KEYS.managerAddress, req.managerAddress);
      if (req.pushPins !== undefined) hs.setJson(STATE_KEYS.managerPushPins, req.pushPins);
      if (first) {
        this.deps.events.emit({
          severity: 'info',
          object: 'host',
          code: 'OWNERSHIP_TAKEN',
          message: `manager ${wanted} took ownership of this server`,
          data: { managerUuid: wanted },
        });
      }
    });
    this.deps.log.info({ managerUuid: wanted, first }, 'ownership taken');
  }

  releaseOwnership(managerUuid: string): void {
    const current = this.managerUuid();
    const wanted = managerUuid.toLowerCase();
    if (current === undefined) throw new AgentError('NOT_OWNED', 'Server is not owned by any manager');
    if (current !== wanted) throw new AgentError('OWNED_BY_OTHER', `Server is owned by another manager: ${current}`);
    const pool = this.pool();
    if (pool) {
      throw new AgentError('POOL_ALREADY_MEMBER', `Server is a member of pool ${pool.uuid}: leave the pool before releasing ownership`);
    }
    const hs = this.deps.hostState;
    hs.atomic(() => {
      for (const k of [
        STATE_KEYS.managerUuid,
        STATE_KEYS.managerCoreApiUrl,
        STATE_KEYS.managerEventUrl,
        STATE_KEYS.managerStatisticUrl,
        STATE_KEYS.managerCertificate,
        STATE_KEYS.managerAddress,
        STATE_KEYS.managerPushPins,
      ]) {
        hs.delete(k);
      }
      this.deps.events.emit({
        severity: 'info',
        object: 'host',
        code: 'OWNERSHIP_RELEASED',
        message: `manager ${wanted} released this server`,
      });
    });
  }

  updateServerRoles(roles: string | string[]): void {
    const tokens = (Array.isArray(roles) ? roles : roles.split(','))
      .map((r) => r.trim().toLowerCase())
      .filter((r) => r !== '');
    const bad = tokens.filter((r) => !(VALID_ROLES as readonly string[]).includes(r));
    if (bad.length > 0) throw new AgentError('INVALID_ROLES', `Invalid roles: ${bad.join(',')}`);
    const unique = [...new Set(tokens)];
    this.deps.hostState.set(STATE_KEYS.serverRoles, unique.join(','));
  }
}
