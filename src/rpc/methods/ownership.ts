// Ownership methods (wire-api 3.4): take_ownership in its 3.2 and 3.3 forms,
// release_ownership, update_server_roles.
import { z } from 'zod';
import { defineMethod, type MethodDef } from '../method.js';
import { managerUuid } from '../../core/ids.js';
import type { OwnershipService } from '../../services/ownership/ownership-service.js';

const url = z.string().max(2048);

const ownershipStruct = z.object({
  manager_uuid: managerUuid,
  manager_event_url: url.optional(),
  manager_statistic_url: url.optional(),
  manager_core_api_url: url.optional(),
  manager_certificate: z.string().max(65536).optional(),
  signed_server_certificate: z.string().max(65536).optional(),
});

export function ownershipMethods(own: OwnershipService): MethodDef[] {
  return [
    defineMethod({
      name: 'take_ownership',
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
          own.takeOwnership({ managerUuid: a[0], coreApiUrl: a[1] as string | undefined, managerAddress });
        } else {
          const s = a[0];
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
      summary: 'Set the server roles ("xen", "utility")',
      access: 'owned',
      params: z.tuple([z.union([z.string().max(200), z.array(z.string().max(50)).max(10)])]),
      handler: ([roles]) => {
        own.updateServerRoles(roles);
        return null;
      },
    }),
  ];
}
