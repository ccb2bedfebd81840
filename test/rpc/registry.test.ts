// The registry in process: dispatch, validation, ownership gate, non-blocking locks, faults on the
// wire and the START/FINISH log lines (captured from pino).
import t from 'tap';
import { pino } from 'pino';
import { z } from 'zod';
import { AgentError } from '../../src/core/errors.js';
import { decodeMethodResponse, encodeMethodCall } from '../../src/rpc/codec/index.js';
import { defineMethod, type CallContext } from '../../src/rpc/method.js';
import { Registry, callFromWire, type CallInfo } from '../../src/rpc/registry.js';

const SECRET = 'hunter2-very-secret';

function setup(owned = { value: false }) {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  let release: () => void = () => {};
  const calls: string[] = [];
  let lastCtx: CallContext | undefined;
  const reg = new Registry({ isOwned: () => owned.value }, [
    defineMethod({ name: 'echo', params: z.tuple([z.unknown()]), access: 'public', handler: ([m]) => m }),
    defineMethod({
      name: 'set_statistic_interval',
      aliases: ['set_statistics_interval'],
      params: z.tuple([z.number().int().min(0)]),
      access: 'owned',
      handler: ([n], ctx) => {
        lastCtx = ctx;
        calls.push(`interval ${n}`);
        return null;
      },
    }),
    defineMethod({
      name: 'update_agent_password',
      params: z.tuple([
        z.string(),
        z.string().refine((v) => v.length >= 32, { error: (iss) => `password ${String(iss.input)} is too weak` }),
      ]),
      access: 'public',
      secretArgs: [1],
      handler: ([user]) => {
        calls.push(`password for ${user}`);
        return null;
      },
    }),
    defineMethod({
      name: 'configure',
      params: z.tuple([z.string(), z.number(), z.object({ mtu: z.number().max(9000) })]),
      access: 'owned',
      handler: () => null,
    }),
    defineMethod({
      name: 'slow_net',
      params: z.tuple([]),
      access: 'owned',
      lock: 'network',
      handler: () => new Promise<string>((resolve) => (release = () => resolve('done'))),
    }),
    defineMethod({ name: 'fast_net', params: z.tuple([]), access: 'owned', lock: 'network', handler: () => 'fast' }),
    defineMethod({
      name: 'broken_net',
      params: z.tuple([]),
      access: 'owned',
      lock: 'network',
      handler: () => {
        throw new Error(`internal detail ${SECRET}`);
      },
    }),
    defineMethod({ name: 'expected_fail', params: z.tuple([]), access: 'public', handler: () => { throw new AgentError('NET_BAD_VLAN', 'VLAN 5000'); } }),
    defineMethod({ name: 'unencodable', params: z.tuple([]), access: 'public', handler: () => () => 1 }),
  ]);
  const base = { remoteAddress: '192.0.2.10', localAddress: '192.0.2.1', user: 'oracle', signal: new AbortController().signal, log };
  const wire = async (method: string, params: unknown[]) => decodeMethodResponse(await callFromWire(reg, encodeMethodCall(method, params), base), { maxDepth: 64 });
  return { reg, base, lines, calls, wire, owned, release: () => release(), ctx: () => lastCtx };
}

t.test('unknown method is a fault, and its arguments are not logged', async (t) => {
  const { wire, lines } = setup();
  t.strictSame(await wire('no_such', [SECRET]), { ok: false, fault: { faultCode: 1002, faultString: 'exceptions.Exception:UNKNOWN_METHOD: method no_such is not supported' } });
  t.match(lines[0], { msg: 'START', method: 'no_such', args: '1 args' });
  t.notMatch(JSON.stringify(lines), SECRET);
});

t.test('unparsable request is a fault, not an exception', async (t) => {
  const { reg, base } = setup();
  const res = decodeMethodResponse(await callFromWire(reg, '<methodCall><methodName>echo</methodName>', base), { maxDepth: 64 });
  t.equal(res.ok, false);
  if (!res.ok) {
    t.equal(res.fault.faultCode, 1001);
    t.match(res.fault.faultString, /^exceptions\.Exception:PARSE_ERROR: /);
  }
});

t.test('validation lists every problem by position', async (t) => {
  const { wire, owned } = setup();
  owned.value = true;
  const res = await wire('configure', [1, 'x', { mtu: 10000 }]);
  t.equal(res.ok, false);
  if (res.ok) return;
  t.equal(res.fault.faultCode, 1003);
  t.match(res.fault.faultString, /^exceptions\.Exception:INVALID_ARGUMENT: configure: /);
  t.match(res.fault.faultString, /argument 1: .*expected string/);
  t.match(res.fault.faultString, /argument 2: .*expected number/);
  t.match(res.fault.faultString, /argument 3 \(mtu\): .*9000/);
  const tooMany = await wire('configure', ['a', 1, { mtu: 1 }, 'extra']);
  t.match(!tooMany.ok && tooMany.fault.faultString, /expected at most 3 arguments, got 4/);
  const tooFew = await wire('configure', ['a']);
  t.match(!tooFew.ok && tooFew.fault.faultString, /expected at least 3 arguments, got 1/);
});

t.test('a secret argument is never echoed, on the wire or in the log', async (t) => {
  const { wire, lines, calls } = setup();
  const res = await wire('update_agent_password', ['oracle', SECRET]);
  t.equal(res.ok, false);
  t.match(!res.ok && res.fault.faultString, /argument 2: invalid/);
  t.notMatch(!res.ok && res.fault.faultString, SECRET);
  t.strictSame(calls, [], 'handler not run');
  const ok = await wire('update_agent_password', ['oracle', SECRET.repeat(2)]);
  t.equal(ok.ok, true);
  const start = lines.find((l) => l.msg === 'START' && l.method === 'update_agent_password');
  t.strictSame(start?.args, ['oracle', '***']);
  t.notMatch(JSON.stringify(lines), SECRET, 'no log line holds the secret');
});

t.test('secret-looking struct members and long values are redacted in START', async (t) => {
  const { wire, lines } = setup();
  await wire('echo', [{ user: 'u', password: SECRET, nested: { chap_secret: SECRET }, long: 'x'.repeat(1000), blob: Buffer.alloc(4096) }]);
  const start = lines.find((l) => l.msg === 'START');
  const arg = (start?.args as Array<Record<string, unknown>>)[0];
  t.equal(arg.password, '***');
  t.strictSame(arg.nested, { chap_secret: '***' });
  t.ok(String(arg.long).length < 300, 'long string truncated');
  t.equal(arg.blob, '<4096 bytes>');
  t.notMatch(JSON.stringify(lines), SECRET);
});

t.test('owned methods fault NOT_OWNED until the host is owned', async (t) => {
  const { wire, owned, calls } = setup();
  const res = await wire('set_statistic_interval', [5]);
  t.equal(!res.ok && res.fault.faultCode, 1004);
  t.match(!res.ok && res.fault.faultString, /^exceptions\.Exception:NOT_OWNED: /);
  t.strictSame(calls, []);
  t.equal((await wire('echo', ['hi'])).ok, true, 'public methods still work');
  owned.value = true;
  t.strictSame(await wire('set_statistics_interval', [5]), { ok: true, value: null }, 'alias works once owned');
  t.strictSame(calls, ['interval 5']);
});

t.test('the handler sees the call context', async (t) => {
  const { wire, owned, ctx } = setup();
  owned.value = true;
  await wire('set_statistic_interval', [1]);
  const c = ctx();
  t.equal(c?.method, 'set_statistic_interval');
  t.equal(c?.remoteAddress, '192.0.2.10');
  t.equal(c?.localAddress, '192.0.2.1');
  t.equal(c?.user, 'oracle');
  t.match(c?.callId, /^[0-9a-f-]{36}$/);
});

t.test('a busy lock faults BUSY immediately and is released afterwards', async (t) => {
  const { wire, owned, release } = setup();
  owned.value = true;
  const first = wire('slow_net', []);
  await new Promise((r) => setImmediate(r));
  const second = await wire('fast_net', []);
  t.equal(!second.ok && second.fault.faultCode, 1006, 'second call on the same lock is BUSY');
  t.match(!second.ok && second.fault.faultString, /slow_net .* holds the network lock/);
  release();
  t.strictSame(await first, { ok: true, value: 'done' });
  t.strictSame(await wire('fast_net', []), { ok: true, value: 'fast' }, 'lock released after success');
  t.equal((await wire('broken_net', [])).ok, false);
  t.strictSame(await wire('fast_net', []), { ok: true, value: 'fast' }, 'lock released after a throw');
});

t.test('an unexpected error has no stack or detail on the wire, but is logged at error', async (t) => {
  const { wire, owned, lines } = setup();
  owned.value = true;
  const res = await wire('broken_net', []);
  t.equal(!res.ok && res.fault.faultCode, 9000);
  const fs = !res.ok ? res.fault.faultString : '';
  t.match(fs, /^exceptions\.Exception:INTERNAL: internal error \(call id [0-9a-f-]{36}\)$/);
  t.notMatch(fs, /detail|at |\.ts/);
  const finish = lines.find((l) => l.msg === 'FINISH' && l.method === 'broken_net');
  t.equal(finish?.level, 50);
  t.match((finish?.err as { stack: string }).stack, /internal detail/);
  t.equal(fs.match(/call id (\S+)\)/)?.[1], finish?.callId, 'the fault names the call id of the log line');
});

t.test('expected errors log at info with their code', async (t) => {
  const { wire, lines } = setup();
  const res = await wire('expected_fail', []);
  t.strictSame(res, { ok: false, fault: { faultCode: 2002, faultString: 'exceptions.Exception:NET_BAD_VLAN: VLAN 5000' } });
  const finish = lines.find((l) => l.msg === 'FINISH');
  t.equal(finish?.level, 30);
  t.equal(finish?.code, 'NET_BAD_VLAN');
  t.equal(finish?.err, undefined, 'no stack for an expected error');
  t.type(finish?.ms, 'number');
});

t.test('START and FINISH lines carry method, caller and duration', async (t) => {
  const { wire, lines } = setup();
  await wire('echo', ['x']);
  const [start, finish] = lines;
  t.match(start, { msg: 'START', method: 'echo', caller: '192.0.2.10', args: ['x'] });
  t.match(finish, { msg: 'FINISH', method: 'echo', ok: true, callId: start.callId });
  t.type(finish.ms, 'number');
});

t.test('a result that cannot be encoded is an INTERNAL fault', async (t) => {
  const { wire } = setup();
  const res = await wire('unencodable', []);
  t.equal(!res.ok && res.fault.faultCode, 9000);
});

t.test('onCall fires for known methods only, even when they fault', async (t) => {
  const { reg, wire } = setup();
  const seen: CallInfo[] = [];
  const off = reg.onCall((i) => seen.push(i));
  reg.onCall(() => {
    throw new Error('listener bug');
  });
  await wire('echo', [1]);
  await wire('set_statistic_interval', [1]);
  await wire('no_such', []);
  t.strictSame(seen.map((s) => s.method), ['echo', 'set_statistic_interval']);
  t.match(seen[0], { remoteAddress: '192.0.2.10', localAddress: '192.0.2.1', user: 'oracle' });
  off();
  await wire('echo', [1]);
  t.equal(seen.length, 2, 'unsubscribed');
});

t.test('registration refuses duplicate names and aliases', async (t) => {
  const { reg } = setup();
  const def = (name: string, aliases?: string[]) => defineMethod({ name, aliases, params: z.tuple([]), access: 'public', handler: () => null });
  t.throws(() => reg.register([def('echo')]), { code: 'ALREADY_EXISTS' });
  t.throws(() => reg.register([def('x', ['set_statistics_interval'])]), { code: 'ALREADY_EXISTS' });
  t.throws(() => reg.register([def('y'), def('y')]), { code: 'ALREADY_EXISTS' });
  t.notOk(reg.has('y'), 'a refused batch registers nothing');
  reg.register([def('z', ['z_alias'])]);
  t.ok(reg.has('z') && reg.has('z_alias'));
  const names = reg.list().map((d) => d.name);
  t.strictSame(names, [...names].sort());
});
