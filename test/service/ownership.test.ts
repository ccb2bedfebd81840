import t from 'tap';
import { makeKit } from '../helpers/service-kit.js';
import { OwnershipService } from '../../src/services/ownership/ownership-service.js';
import { ownershipMethods } from '../../src/rpc/methods/ownership.js';
import { isAgentError } from '../../src/core/errors.js';

const M1 = '0004fb0000020000ba9aaf00ae5e2d73';
const M2 = '0004fb00000200001111111111111111';

function setup() {
  const kit = makeKit();
  const own = new OwnershipService({ hostState: kit.hostState, events: kit.events, log: kit.log });
  // The manager's host names resolve to the caller's address.
  const resolveHost = async (name: string) => (['mgr', 'm'].includes(name) ? ['10.0.0.9'] : Promise.reject(new Error('ENOTFOUND')));
  const defs = Object.fromEntries(ownershipMethods(own, { resolveHost }).map((d) => [d.name, d]));
  const ctx = { remoteAddress: '10.0.0.9' } as never;
  const call = async (name: string, args: unknown[]) => defs[name].handler(defs[name].params.parse(args), ctx);
  return { kit, own, call, defs };
}

async function code(fn: () => unknown): Promise<string | undefined> {
  try {
    await fn();
  } catch (e) {
    return isAgentError(e) ? e.code : String(e);
  }
  return undefined;
}

t.test('Unowned → Owned with the 3.2 form, idempotent for the same manager, refused for another', async (t) => {
  const { kit, own, call } = setup();
  t.equal(own.state(), 'Unowned');
  await call('take_ownership', [M1, 'https://mgr:7002/ovm/core/OVMManagerCoreServlet']);
  t.equal(own.state(), 'Owned');
  t.equal(own.managerUuid(), M1);
  await call('take_ownership', [M1]);
  t.equal(await code(() => call('take_ownership', [M2])), 'OWNED_BY_OTHER');
  t.equal(own.managerUuid(), M1, 'the refused call changed nothing');
  t.equal(kit.events.byCode('OWNERSHIP_TAKEN').length, 1, 'one event for the first take only');
  kit.cleanup();
});

t.test('3.3 struct form stores event and statistic URLs', async (t) => {
  const { kit, own, call } = setup();
  await call('take_ownership', [
    { manager_uuid: M1, manager_event_url: 'https://m:7002/ev', manager_statistic_url: 'https://m:7002/st', manager_certificate: 'None' },
  ]);
  t.equal(own.eventUrl(), 'https://m:7002/ev');
  t.equal(own.statisticUrl(), 'https://m:7002/st');
  kit.cleanup();
});

t.test('bad arguments are refused by the schema', async (t) => {
  const { kit, defs } = setup();
  for (const args of [[], ['not-a-uuid'], [{ manager_uuid: 'zz' }], [M1, 5]]) {
    t.notOk(defs.take_ownership.params.safeParse(args).success, JSON.stringify(args));
  }
  kit.cleanup();
});

t.test('release: only by the owner, not while pooled', async (t) => {
  const { kit, own, call } = setup();
  t.equal(await code(() => call('release_ownership', [M1])), 'NOT_OWNED');
  await call('take_ownership', [M1]);
  t.equal(await code(() => call('release_ownership', [M2])), 'OWNED_BY_OTHER');
  kit.hostState.setJson('pool', { uuid: 'p' });
  t.equal(own.state(), 'Pooled');
  t.equal(await code(() => call('release_ownership', [M1])), 'POOL_ALREADY_MEMBER');
  kit.hostState.delete('pool');
  await call('release_ownership', [M1]);
  t.equal(own.state(), 'Unowned');
  await call('take_ownership', [M2]);
  t.equal(own.managerUuid(), M2, 'a released host can be taken by another manager');
  kit.cleanup();
});

t.test('roles', async (t) => {
  const { kit, own, call, defs } = setup();
  t.equal(own.state(), 'Unowned');
  t.equal(defs.update_server_roles.access, 'setup', 'CloudStack sets roles before take_ownership; once owned, only the owner');
  await call('update_server_roles', ['xen,utility']);
  t.same(own.roles(), ['xen', 'utility']);
  await call('update_server_roles', [['utility']]);
  t.same(own.roles(), ['utility']);
  t.equal(await code(() => call('update_server_roles', ['xen,storage'])), 'INVALID_ROLES');
  t.same(own.roles(), ['utility'], 'refused roles changed nothing');
  kit.cleanup();
});
