// Ownership methods (wire-api 3.4): take_ownership in its 3.2 and 3.3 forms,
// release_ownership, update_server_roles.
import { isIP } from 'node:net';
import { z } from 'zod';
import * as R from '../results.js';
import { AgentError } from '../../core/errors.js';
import { defineMethod, type MethodDef } from '../method.js';
import { wireHex32 } from '../wire-types.js';
import type { OwnershipService } from '../../services/ownership/ownership-service.js';

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

/**
 * Push URLs go to the owner manager only: an IP-literal host must be the caller's address. A
 * host name is accepted as given (the manager is often configured by name); it is not pinned.
 */
function checkManagerUrl(arg: string, url: string | undefined, caller: string): void {
  if (url === undefined || url === '') return;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AgentError('INVALID_ARGUMENT', `take_ownership: ${arg}: expected an http(s) URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AgentError('INVALID_ARGUMENT', `take_ownership: ${arg}: expected an http(s) URL, got ${u.protocol}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) && host !== caller) {
    throw new AgentError('INVALID_ARGUMENT', `take_ownership: ${arg}: host ${host} is not the manager's address ${caller}`);
  }
}

export function ownershipMethods(own: OwnershipService): MethodDef[] {
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
      handler: (args, ctx) => {
        const a = args as [string, string?] | [z.output<typeof ownershipStruct>];
        const managerAddress = ctx.remoteAddress;
        if (typeof a[0] === 'string') {
          checkManagerUrl('argument 2 (core API url)', a[1] as string | undefined, managerAddress);
          own.takeOwnership({ managerUuid: a[0], coreApiUrl: a[1] as string | undefined, managerAddress });
        } else {
          const s = a[0];
          checkManagerUrl('argument 1 (manager_core_api_url)', s.manager_core_api_url, managerAddress);
          checkManagerUrl('argument 1 (manager_event_url)', s.manager_event_url, managerAddress);
          checkManagerUrl('argument 1 (manager_statistic_url)', s.manager_statistic_url, managerAddress);
          own.takeOwnership({
            managerUuid: s.manager_uuid,
            coreApiUrl: s.manager_core_api_url,
            eventUrl: s.manager_event_url,
            statisticUrl: s.manager_statistic_url,
            managerCertificate: s.manager_certificate,
            signedServerCertificate: s.signed_server_certificate,
            managerAddress,
          });
        }
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
