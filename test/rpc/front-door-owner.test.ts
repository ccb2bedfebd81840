// Ownership means something: take_ownership records the caller's address, and on an owned host
// owner-only methods (release_ownership included) answer FORBIDDEN to any other address.
import t from 'tap';
import pino from 'pino';
import { Registry } from '../../src/rpc/registry.js';
import { ownershipMethods } from '../../src/rpc/methods/ownership.js';
import type { OwnershipRequest, OwnershipService } from '../../src/services/ownership/ownership-service.js';

const MGR = '0004fb0000020000ba9aaf00ae5e2d73';

function setup() {
  let owner: OwnershipRequest | undefined;
  const own = {
    takeOwnership: (r: OwnershipRequest) => void (owner = r),
    releaseOwnership: () => void (owner = undefined),
    updateServerRoles: () => undefined,
  } as unknown as OwnershipService;
  const reg = new Registry(
    { isOwned: () => owner !== undefined, isOwner: (a) => (owner?.managerAddress ?? a) === a },
    ownershipMethods(own),
  );
  const from = (remoteAddress: string) => ({ remoteAddress, localAddress: '10.0.0.5', user: 'oracle', signal: new AbortController().signal, log: pino({ level: 'silent' }) });
  const call = (addr: string, m: string, ...a: unknown[]) => Promise.resolve().then(() => reg.invoke(m, a, from(addr)));
  return { call, owner: () => owner };
}

t.test('the owner address is recorded; others cannot use owner-only methods or release', async (t) => {
  const s = setup();
  await s.call('10.0.0.9', 'take_ownership', MGR, 'https://10.0.0.9:7002/ovm/core');
  t.equal(s.owner()?.managerAddress, '10.0.0.9');
  await t.rejects(s.call('10.0.0.66', 'release_ownership', MGR), { code: 'FORBIDDEN' }, 'a stranger cannot release');
  await t.rejects(s.call('10.0.0.66', 'update_server_roles', 'xen'), { code: 'FORBIDDEN' });
  t.ok(s.owner(), 'still owned');
  await s.call('10.0.0.9', 'update_server_roles', 'xen');
  await s.call('10.0.0.9', 'release_ownership', MGR);
  t.equal(s.owner(), undefined, 'the owner can release');
});

t.test('3.3 form records the address too', async (t) => {
  const s = setup();
  await s.call('10.0.0.8', 'take_ownership', { manager_uuid: MGR, manager_core_api_url: 'https://10.0.0.8:7002/ovm/core' });
  t.equal(s.owner()?.managerAddress, '10.0.0.8');
});
