// The bad-input corpus over every registered method (all areas, in process, host commands only
// recorded): wrong counts, wrong types, huge and odd values, reserved names, path tricks in each
// of the first argument positions. Fails on any INTERNAL, on an INVALID_ARGUMENT that does not
// name the argument, on a fault text over the bound, and on a polluted Object.prototype.
import t from 'tap';
import { makeKit } from '../helpers/service-kit.js';
import { Registry } from '../../src/rpc/registry.js';
import { AgentError } from '../../src/core/errors.js';
import { errorToFault, MAX_FAULT_TEXT } from '../../src/rpc/faults.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { authMethods } from '../../src/rpc/methods/auth.js';
import { ownershipMethods } from '../../src/rpc/methods/ownership.js';
import { eventMethods } from '../../src/rpc/methods/events.js';
import { OwnershipService } from '../../src/services/ownership/ownership-service.js';
import { PasswordStore } from '../../src/services/auth/password-store.js';
import { buildFeatures } from '../../src/feature-list.js';
import type { ServiceDeps } from '../../src/services/context.js';

const BAD: unknown[] = [
  2n ** 70n,
  -1,
  1.5,
  Number.MAX_SAFE_INTEGER,
  'x'.repeat(100_000),
  '',
  '../../../../etc/passwd',
  '/etc/passwd',
  '__proto__',
  'constructor',
  JSON.parse('{"__proto__": {"polluted": 1}}'),
  { constructor: { prototype: { polluted: 1 } } },
  // As the decoder builds structs: null-prototype, reserved names as own members.
  Object.assign(Object.create(null) as object, JSON.parse('{"__proto__": {"polluted": 1}, "constructor": 1, "prototype": 2}') as object),
  [[[[['deep']]]]],
  true,
  Buffer.from('bytes'),
  new Date(0),
  {},
  [],
];

async function buildRegistry() {
  const kit = makeKit({ power: { allowShutdown: false }, libvirt: { uri: 'test:///default' } });
  const deps: ServiceDeps = { config: kit.config, log: kit.log, db: kit.db, hostState: kit.hostState, clock: kit.clock, exec: kit.exec, fs: kit.fs, events: kit.events, jobs: kit.jobs, intents: kit.intents, locks: kit.locks };
  const ownership = new OwnershipService({ hostState: kit.hostState, events: kit.events, log: kit.log });
  const passwords = new PasswordStore({ config: kit.config, fs: kit.fs, clock: kit.clock, log: kit.log });
  const registry = new Registry({ isOwned: () => true });
  registry.register(commonMethods({ clock: kit.clock, dispatchAllowed: () => false }));
  registry.register(authMethods(passwords));
  registry.register(ownershipMethods(ownership));
  registry.register(eventMethods({ events: kit.events, jobs: kit.jobs, setStatisticInterval: () => undefined, invoke: (m, p, b) => registry.call(m, p, b) }));
  const { features } = await buildFeatures(deps, { ownership, agentVersion: 'test' });
  for (const f of features) registry.register(f.methods);
  const base = { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', user: 'oracle', signal: new AbortController().signal, log: kit.log };
  return { kit, registry, base };
}

/** Argument lists for one method: counts, then each bad value in each of the first 4 positions. */
function corpus(): unknown[][] {
  const out: unknown[][] = [[], Array(20).fill('x')];
  for (let pos = 0; pos < 4; pos++) {
    for (const bad of BAD) {
      const args: unknown[] = Array.from({ length: pos + 1 }, () => 'x');
      args[pos] = bad;
      out.push(args);
    }
  }
  return out;
}

const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

t.test('every method, every bad input: a clear fault, never INTERNAL', async (t) => {
  const { kit, registry, base } = await buildRegistry();
  t.teardown(() => kit.cleanup());
  const before = protoKeys();
  const problems: string[] = [];
  let calls = 0;
  let unanswered = 0;
  // Methods whose corpus calls may wait on the manual clock (sleep) are bounded per call.
  const deadline = () => new Promise<'hung'>((r) => setTimeout(() => r('hung'), 500).unref());
  for (const def of registry.list()) {
    for (const args of corpus()) {
      calls++;
      let err: unknown;
      const r = await Promise.race([
        Promise.resolve()
          .then(() => registry.invoke(def.name, args, base))
          .then(
            () => 'ok' as const,
            (e: unknown) => ((err = e), 'fault' as const),
          ),
        deadline(),
      ]);
      if (r === 'hung') unanswered++;
      if (r !== 'fault') continue;
      const shown = `${def.name}(${JSON.stringify(args, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'string' && v.length > 40 ? `${v.slice(0, 20)}…` : v)).slice(0, 120)})`;
      const fault = errorToFault(err);
      if (!(err instanceof AgentError) || fault.faultCode === 9000) {
        problems.push(`${shown}: INTERNAL (${(err as Error)?.message?.slice(0, 120)})`);
        continue;
      }
      if (fault.faultString.length > MAX_FAULT_TEXT + 40) problems.push(`${shown}: fault of ${fault.faultString.length} chars`);
      if (err.code === 'INVALID_ARGUMENT' && !/argument|arguments/.test(err.message)) problems.push(`${shown}: INVALID_ARGUMENT without the argument: ${err.message.slice(0, 120)}`);
    }
  }
  t.equal(protoKeys(), before, 'Object.prototype untouched');
  t.equal(({} as { polluted?: unknown }).polluted, undefined, 'no polluted member');
  t.ok(calls > 5000, `${calls} calls over ${registry.list().length} methods (${unanswered} still running at 500 ms)`);
  t.same(problems, [], `${problems.length} bad faults`);
});
