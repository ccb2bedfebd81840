// Ownership methods (wire-api 3.4): take_ownership in its 3.2 and 3.3 forms,
// release_ownership, update_server_roles.
import { z } from 'zod';
import * as R from '../results.js';
import { AgentError } from '../../core/errors.js';
import { defineMethod, type CallContext, type MethodDef } from '../method.js';
import { wireHex32 } from '../wire-types.js';
import type { OwnerCheck, OwnershipRequest, OwnershipService } from '../../services/ownership/ownership-service.js';
import { certificateFingerprint, isNoCertificate } from '../../services/ownership/manager-cert.js';
import { pinPushUrls, type PushUrl } from '../../services/ownership/push-urls.js';
import { resolveHost, type ResolveHost } from '../../host/resolve-host.js';
import { STATE_KEYS } from '../../services/context.js';

const url = z.string().max(2048);
const managerUuid = wireHex32('manager_uuid');

const ownershipStruct = z.object({
  manager_uuid: managerUuid,
  manager_event_url: url.optional(),
  manager_statistic_url: url.optional(),
  manager_core_api_url: url.optional(),
  manager_certificate: z.string().max(65536).optional(),
  signed_server_certificate: z.string().max(65536).optional(),
});

export interface OwnershipMethodOptions {
  /** rpc.ownerCheck (default 'certificate'). */
  ownerCheck?: OwnerCheck;
  /** Resolves push URL host names once, at take_ownership (default: the system resolver, 5 s). */
  resolveHost?: ResolveHost;
}

type TakeArgs = [string, string?] | [z.output<typeof ownershipStruct>];

/** The stored push URLs, by the struct member that sets each. */
const STORED_URLS: ReadonlyArray<[field: string, key: string]> = [
  ['manager_core_api_url', STATE_KEYS.managerCoreApiUrl],
  ['manager_event_url', STATE_KEYS.managerEventUrl],
  ['manager_statistic_url', STATE_KEYS.managerStatisticUrl],
];

/** The request and its push URLs, each with the argument name a fault gives. */
function readArgs(a: TakeArgs, caller: string): { req: OwnershipRequest; urls: PushUrl[] } {
  if (typeof a[0] === 'string') {
    const core = a[1] as string | undefined;
    return { req: { managerUuid: a[0], coreApiUrl: core, managerAddress: caller }, urls: [{ arg: 'argument 2 (core API url)', url: core, field: 'manager_core_api_url' }] };
  }
  const s = a[0];
  let managerCertificate: string | undefined;
  if (!isNoCertificate(s.manager_certificate)) {
    if (certificateFingerprint(s.manager_certificate!) === undefined) {
      throw new AgentError('INVALID_ARGUMENT', 'take_ownership: argument 1 (manager_certificate): expected a PEM (or base64 DER) X.509 certificate, or "None"');
    }
    managerCertificate = s.manager_certificate;
  }
  const at = (k: string) => `argument 1 (${k})`;
  return {
    req: {
      managerUuid: s.manager_uuid,
      coreApiUrl: s.manager_core_api_url,
      eventUrl: s.manager_event_url,
      statisticUrl: s.manager_statistic_url,
      managerCertificate,
      signedServerCertificate: s.signed_server_certificate,
      managerAddress: caller,
    },
    urls: STORED_URLS.map(([field]) => ({ arg: at(field), url: s[field as keyof typeof s], field })),
  };
}

export function ownershipMethods(own: OwnershipService, opts: OwnershipMethodOptions = {}): MethodDef[] {
  const check = opts.ownerCheck ?? 'certificate';
  const resolve = opts.resolveHost ?? resolveHost();

  /**
   * take_ownership by the same manager again: from a new address it moves the hold there (the
   * password and the uuid are its proof), but a hold by certificate moves only for a caller
   * that shows the certificate, as the stock agent then accepts no other connection.
   */
  function checkRetake(uuid: string, ctx: CallContext): void {
    const current = own.managerUuid();
    if (current === undefined) return;
    if (current !== uuid.toLowerCase()) throw new AgentError('OWNED_BY_OTHER', `Server already owned by manager: ${current}`);
    if (own.holdsByCertificate(check) && !own.isOwnerCaller(ctx, check)) {
      throw new AgentError('FORBIDDEN', 'take_ownership: this host is owned by certificate; take ownership again with the manager certificate');
    }
  }

  return [
    defineMethod({
      name: 'take_ownership',
      result: R.nil,
      summary: 'Become owned by a manager (3.2: uuid, core API url; 3.3: one struct)',
      access: 'public',
      lock: 'ownership',
      secretArgs: [0],
      params: z.union([
        z.tuple([managerUuid, url.optional()]),
        z.tuple([ownershipStruct]),
      ]),
      handler: async (args, ctx) => {
        const caller = ctx.remoteAddress;
        const { req, urls } = readArgs(args as TakeArgs, caller);
        checkRetake(req.managerUuid, ctx);
        // URLs given before and not now are kept: they are checked (and pinned) again, against the
        // caller's address, which is new when the manager moved.
        if (own.isOwned()) {
          for (const [field, key] of STORED_URLS) {
            const kept = own.storedUrl(key);
            if (kept && !urls.some((u) => u.field === field && u.url)) urls.push({ arg: `${field} (kept from the earlier take_ownership)`, url: kept, field });
          }
        }
        req.pushPins = await pinPushUrls(urls, caller, resolve);
        own.takeOwnership(req);
        return null;
      },
    }),
    defineMethod({
      name: 'release_ownership',
      result: R.nil,
      summary: 'Release the host from its manager',
      access: 'owned',
      lock: 'ownership',
      params: z.tuple([managerUuid]),
      handler: ([uuid]) => {
        own.releaseOwnership(uuid);
        return null;
      },
    }),
    defineMethod({
      name: 'update_server_roles',
      result: R.nil,
      summary: 'Set the server roles ("xen", "utility"); before ownership too, as managers set roles first',
      access: 'setup',
      params: z.tuple([z.union([z.string().max(200), z.array(z.string().max(50)).max(10)])]),
      handler: ([roles]) => {
        own.updateServerRoles(roles);
        return null;
      },
    }),
  ];
}
