// Ownership means something: take_ownership records the caller's address, and on an owned host
// owner-only methods (release_ownership included) answer FORBIDDEN to any other address.
import t from 'tap';
import pino from 'pino';
import { Registry } from '../../src/rpc/registry.js';
import { ownershipMethods } from '../../src/rpc/methods/ownership.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { OwnershipService } from '../../src/services/ownership/ownership-service.js';
import { makeKit } from '../helpers/service-kit.js';

const MGR = '0004fb0000020000ba9aaf00ae5e2d73';

/** Names the test's resolver knows; any other name does not resolve. */
const DNS: Record<string, string[]> = {
  'mgr.example': ['10.0.0.9'],
  'mgr-moved.example': ['10.0.0.10'],
  localhost: ['127.0.0.1', '::1'],
  'elsewhere.example': ['169.254.169.254'],
  'both.example': ['10.0.0.77', '10.0.0.9'],
};

function setup(t: { teardown(fn: () => void): void }) {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const own = new OwnershipService({ hostState: kit.hostState, events: kit.events, log: kit.log });
  const resolved: string[] = [];
  const resolveHost = async (name: string) => {
    resolved.push(name);
    const a = DNS[name];
    return a ? a : Promise.reject(new Error(`getaddrinfo ENOTFOUND ${name}`));
  };
  const reg = new Registry({ isOwned: () => own.isOwned(), isOwner: (c) => own.isOwnerCaller(c, 'address') }, ownershipMethods(own, { ownerCheck: 'address', resolveHost }));
  const from = (remoteAddress: string) => ({ remoteAddress, localAddress: '10.0.0.5', user: 'oracle', signal: new AbortController().signal, log: pino({ level: 'silent' }) });
  const call = (addr: string, m: string, ...a: unknown[]) => Promise.resolve().then(() => reg.invoke(m, a, from(addr)));
  const owner = () => (own.isOwned() ? { managerAddress: own.managerAddress(), uuid: own.managerUuid() } : undefined);
  return { call, owner, own, kit, resolved };
}

t.test('the owner address is recorded; others cannot use owner-only methods or release', async (t) => {
  const s = setup(t);
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
  const s = setup(t);
  await s.call('10.0.0.8', 'take_ownership', { manager_uuid: MGR, manager_core_api_url: 'https://10.0.0.8:7002/ovm/core' });
  t.equal(s.owner()?.managerAddress, '10.0.0.8');
});

t.test('push URLs: an IP-literal host must be the caller; other schemes refused', async (t) => {
  const s = setup(t);
  await t.rejects(s.call('10.0.0.9', 'take_ownership', MGR, 'https://169.254.169.254/latest/'), { code: 'INVALID_ARGUMENT', message: /argument 2.*169\.254\.169\.254.*10\.0\.0\.9/ });
  await t.rejects(s.call('10.0.0.9', 'take_ownership', { manager_uuid: MGR, manager_event_url: 'file:///etc/passwd' }), { code: 'INVALID_ARGUMENT', message: /manager_event_url/ });
  await t.rejects(s.call('10.0.0.9', 'take_ownership', { manager_uuid: MGR, manager_statistic_url: 'https://127.0.0.1:22/' }), { code: 'INVALID_ARGUMENT', message: /manager_statistic_url/ });
  t.equal(s.owner(), undefined, 'nothing changed');
  await s.call('10.0.0.9', 'take_ownership', { manager_uuid: MGR, manager_event_url: 'https://10.0.0.9:7002/ovm/events', manager_statistic_url: 'https://mgr.example:7002/s' });
  t.ok(s.owner(), 'the caller itself, or a name, is accepted');
});

t.test('dispatch only to pool members or the allow-list', async (t) => {
  const called: string[] = [];
  const defs = commonMethods({
    createClient: (url) => ({
      call: async () => {
        called.push(url);
        return 'ok';
      },
      close: () => undefined,
    }),
    dispatchAllowed: (h) => ['10.0.0.21', 'agent3.example'].includes(h),
  });
  const reg = new Registry({ isOwned: () => true }, defs);
  const base = { remoteAddress: '10.0.0.9', localAddress: '10.0.0.5', user: 'oracle', signal: new AbortController().signal, log: pino({ level: 'silent' }) };
  const call = (...a: unknown[]) => Promise.resolve().then(() => reg.invoke('dispatch', a, base));
  await call('https://oracle:pw@10.0.0.21:8899/api/3/', 'echo', 1);
  await call('https://oracle:pw@agent3.example:8899/api/3/', 'echo', 1);
  for (const bad of ['https://oracle:pw@127.0.0.1:6379/', 'http://169.254.169.254/', 'https://[::1]:8899/', 'https://10.0.0.22:8899/']) {
    await t.rejects(call(bad, 'echo', 1), { code: 'FORBIDDEN', message: /argument 1 \(uri\)/ }, bad);
  }
  await t.rejects(call('gopher://10.0.0.21/', 'echo'), { code: 'INVALID_ARGUMENT', message: /argument 1 \(uri\)/ });
  t.equal(called.length, 2, 'only the two allowed hosts were called');
  t.notMatch(JSON.stringify(called), /gopher|127\.0\.0\.1|169\.254/);
});

t.test('the same manager taking ownership again from a new address moves the hold there', async (t) => {
  const s = setup(t);
  await s.call('10.0.0.9', 'take_ownership', MGR, 'https://mgr.example:7002/ovm/core');
  await t.rejects(s.call('10.0.0.10', 'take_ownership', '0004fb00000200001111111111111111', 'https://mgr-moved.example/core'), { code: 'OWNED_BY_OTHER' }, 'another uuid: refused');
  await t.rejects(s.call('10.0.0.10', 'take_ownership', MGR), { code: 'INVALID_ARGUMENT', message: /manager_core_api_url \(kept from the earlier take_ownership\).*mgr\.example resolves to 10\.0\.0\.9, not the manager's address 10\.0\.0\.10/ }, 'a kept URL that points at the old address must be given again');
  t.equal(s.owner()?.managerAddress, '10.0.0.9', 'the refused calls changed nothing');
  await s.call('10.0.0.10', 'take_ownership', MGR, 'https://mgr-moved.example/core');
  t.equal(s.owner()?.managerAddress, '10.0.0.10', 'same uuid, new address, URL at the new address: moved');
  await t.rejects(s.call('10.0.0.9', 'update_server_roles', 'xen'), { code: 'FORBIDDEN' }, 'the old address is no longer the owner');
  await s.call('10.0.0.10', 'update_server_roles', 'xen');
  t.equal(s.own.pushAddress('https://mgr-moved.example/core'), '10.0.0.10');
  t.equal(s.own.pushAddress('https://mgr.example:7002/ovm/core'), undefined, 'the old name is not pinned any more');
});

t.test('push URL names: resolved once, pinned to the owner; elsewhere, unresolvable or rebound names go nowhere', async (t) => {
  const s = setup(t);
  await t.rejects(s.call('10.0.0.9', 'take_ownership', { manager_uuid: MGR, manager_event_url: 'https://elsewhere.example/ev' }), { code: 'INVALID_ARGUMENT', message: /argument 1 \(manager_event_url\).*resolves to 169\.254\.169\.254/ });
  await t.rejects(s.call('10.0.0.9', 'take_ownership', { manager_uuid: MGR, manager_statistic_url: 'https://nowhere.example/st' }), { code: 'INVALID_ARGUMENT', message: /argument 1 \(manager_statistic_url\).*does not resolve/ });
  await t.rejects(s.call('10.0.0.9', 'take_ownership', { manager_uuid: MGR, manager_event_url: 'https://mgr.example/ev', manager_statistic_url: 'https://elsewhere.example/st' }), { code: 'INVALID_ARGUMENT' }, 'all or nothing');
  t.equal(s.owner(), undefined);
  // CloudStack's 3.3 take_ownership: localhost placeholders and "None" certificates.
  await s.call('10.0.0.9', 'take_ownership', { manager_uuid: MGR, manager_event_url: 'https://both.example/ev', manager_statistic_url: 'http://localhost:10024/stats', manager_certificate: 'None' });
  t.equal(s.own.pushAddress('https://both.example/ev'), '10.0.0.9', 'a name with the owner among its addresses is pinned to it');
  t.equal(s.own.pushAddress('http://localhost:10024/stats'), undefined, 'a loopback placeholder is kept but never pushed to');
  t.equal(s.own.pushAddress('https://10.0.0.9/x'), '10.0.0.9');
  t.equal(s.own.pushAddress('https://10.0.0.77/x'), undefined);
  t.equal(s.own.pushAddress('https://mgr.example/x'), undefined, 'a name never checked goes nowhere');
  const lookups = s.resolved.length;
  DNS['both.example'] = ['6.6.6.6'];
  t.teardown(() => void (DNS['both.example'] = ['10.0.0.77', '10.0.0.9']));
  t.equal(s.own.pushAddress('https://both.example/ev'), '10.0.0.9', 'a later DNS answer changes nothing: the pin holds');
  t.equal(s.resolved.length, lookups, 'and the name is not looked up again');
  t.equal(s.own.eventUrl(), 'https://both.example/ev');
});
