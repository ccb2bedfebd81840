// No prototype pollution: __proto__, constructor and prototype in every name position of the
// network methods and in every struct-key position of any call are refused or kept as data, and
// the process stays healthy (read-only methods answer, Object.prototype untouched).
import t from 'tap';
import pino from 'pino';
import { networkMethods } from '../../src/rpc/methods/network.js';
import { Registry } from '../../src/rpc/registry.js';
import { defineMethod, type MethodDef } from '../../src/rpc/method.js';
import { AgentError } from '../../src/core/errors.js';
import { z } from 'zod';
import { callFromWire } from '../../src/rpc/wire.js';
import { decodeMethodCall, decodeMethodResponse, encodeMethodCall } from '../../src/rpc/codec/index.js';
import { makeHarness } from '../helpers/net-harness.js';
import { port } from '../helpers/fake-net-host.js';

const RESERVED = ['__proto__', 'constructor', 'prototype'];
const snap = () => ({
  links: [
    port('eth0', '52:54:00:00:00:01', { addresses: [{ family: 'inet' as const, address: '10.0.0.5', prefixlen: 24, dynamic: false }] }),
    port('eth1', '52:54:00:00:00:02'),
  ],
  routes: [{ dst: 'default', gateway: '10.0.0.1', dev: 'eth0' }],
});
const protoKeys = () => Object.getOwnPropertyNames(Object.prototype).sort().join(',');

/** Every name position of the ovs_* methods, with the other arguments valid. */
const NAME_CALLS: Array<[string, (n: string) => unknown[]]> = [
  ['ovs_change_mtu', (n) => [n, 1500]],
  ['ovs_if_meta', (n) => [n, 'ethernet:0a0a:{x}:VIRTUAL_MACHINE']],
  ['ovs_br_config', (n) => ['start', n, 'eth1']],
  ['ovs_br_config', (n) => ['start', 'xenbr9', n]],
  ['ovs_bond_config', (n) => ['add', n]],
  ['ovs_bond_op', (n) => ['add', n, 'eth1']],
  ['ovs_bond_op', (n) => ['add', 'bond1', n]],
  ['ovs_bond_mode', (n) => [n, '1']],
  ['ovs_ip_config', (n) => [n, 'flush']],
  ['ovs_local_config', (n) => ['start', n]],
  ['ovs_vlan_config', (n) => ['add', n, 200]],
  ['ovs_vlan_bridge', (n) => ['start', n, 'eth1', 200]],
  ['ovs_vlan_bridge', (n) => ['start', 'xenbr9', n, 200]],
  // JSON.parse keeps "__proto__" an own member, as the codec does.
  ['setup_networks', (n) => [JSON.parse(`{"${n}": {"bridged": true, "nic": "eth1"}}`), {}, {}]],
  ['setup_networks', (n) => [{}, JSON.parse(`{"${n}": {"nics": ["eth1"], "options": "mode=1"}}`), {}]],
];

t.test('reserved names as device names: refused with the argument named, nothing corrupted', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  const defs = new Map(networkMethods(h.svc).map((d) => [d.name, d]));
  const reg = new Registry({ isOwned: () => true }, [...defs.values()]);
  const base = { remoteAddress: '10.0.0.9', localAddress: '10.0.0.5', user: 'oracle', signal: new AbortController().signal, log: pino({ level: 'silent' }) };
  const call = async (m: string, ...a: unknown[]) => (await reg.invoke(m, a, base)) ?? null;
  const before = protoKeys();
  for (const [method, args] of NAME_CALLS) {
    for (const n of RESERVED) {
      const a = args(n);
      const err = await call(method, ...a).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.ok(err instanceof AgentError && err.code === 'INVALID_ARGUMENT', `${method}(${JSON.stringify(a)}): refused cleanly`);
      t.match((err as Error)?.message, /reserved/, 'saying why');
      t.equal(protoKeys(), before, `${method} ${n}: Object.prototype untouched`);
      t.equal(({} as { polluted?: unknown }).polluted, undefined);
    }
  }
  t.match(await call('discover_network'), /eth0/, 'read-only methods still answer');
  t.equal(await call('ovs_change_mtu', 'eth1', 1600), null, 'and changes still work');
});

t.test('reserved struct keys anywhere in a call are refused naming the argument', async (t) => {
  const seen: unknown[] = [];
  const echo = defineMethod({ name: 'take', access: 'public', params: z.tuple([z.unknown(), z.unknown().optional()]), handler: (a) => void seen.push(a) });
  const reg = new Registry({ isOwned: () => true }, [echo as MethodDef]);
  const base = { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', user: 'oracle', signal: new AbortController().signal, log: pino({ level: 'silent' }) };
  for (const n of RESERVED) {
    const inner: Record<string, unknown> = {};
    Object.defineProperty(inner, n, { value: 1, enumerable: true });
    for (const args of [[inner], ['x', { a: [inner] }]]) {
      const err = await Promise.resolve().then(() => reg.invoke('take', args, base)).catch((e: unknown) => e);
      t.match(err, { code: 'INVALID_ARGUMENT', message: new RegExp(`argument ${args.length}.*${n === '__proto__' ? '__proto__' : n}`) }, `${n} in argument ${args.length}`);
    }
  }
  t.equal(seen.length, 0, 'the handler never ran');
  await reg.invoke('take', [{ name: 'constructor', value: '__proto__' }], base);
  t.equal(seen.length, 1, 'reserved words as values are fine');
});

t.test('virtual IP methods take IPv4 addresses only; the fault says what came', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  const reg = new Registry({ isOwned: () => true }, networkMethods(h.svc));
  const base = { remoteAddress: '10.0.0.9', localAddress: '10.0.0.5', user: 'oracle', signal: new AbortController().signal, log: pino({ level: 'silent' }) };
  const err = await Promise.resolve().then(() => reg.invoke('deconfigure_virtual_ip', ['/etc/passwd'], base)).catch((e: unknown) => e);
  t.match(err, { code: 'INVALID_ARGUMENT', message: /argument 1: expected an IPv4 address; got string "\/etc\/passwd"/ });
  const err2 = await Promise.resolve().then(() => reg.invoke('configure_virtual_ip', ['10.0.0.50', '999.1.1.1'], base)).catch((e: unknown) => e);
  t.match(err2, { code: 'INVALID_ARGUMENT', message: /argument 2: expected an IPv4 address/ });
});

/** A struct with one member called `name` (as the wire carries it: an own member, never a prototype). */
function structWith(name: string, value: unknown): Record<string, unknown> {
  const o = Object.create(null) as Record<string, unknown>;
  o[name] = value;
  return o;
}

t.test('through the wire: reserved names as method names and as struct keys in every position', async (t) => {
  const seen: unknown[] = [];
  const take = defineMethod({ name: 'take', access: 'public', params: z.tuple([z.unknown(), z.unknown().optional()]), handler: (a) => void seen.push(a) });
  const reg = new Registry({ isOwned: () => true }, [take as MethodDef]);
  const base = { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', user: 'oracle', signal: new AbortController().signal, log: pino({ level: 'silent' }) };
  const before = protoKeys();
  const wire = async (method: string, params: unknown[]) => decodeMethodResponse(await callFromWire(reg, encodeMethodCall(method, params), base), { maxDepth: 64 });
  for (const n of RESERVED) {
    t.match(await wire(n, []), { ok: false, fault: { faultString: /UNKNOWN_METHOD/ } }, `method name ${n}: unknown, not a member of anything`);
    t.match(await wire(`${n}.x`, [1]), { ok: false, fault: { faultString: /UNKNOWN_METHOD/ } });
    const positions: Array<[string, unknown[], RegExp]> = [
      ['argument 1', [structWith(n, 1)], /argument 1/],
      ['argument 2', ['x', structWith(n, { polluted: 1 })], /argument 2/],
      ['nested struct', [{ a: structWith(n, 1) }], /argument 1 \(a\)/],
      ['struct in an array', [[1, structWith(n, 1)]], /argument 1 \(1\)/],
      ['deep', ['x', { a: [{ b: structWith(n, [structWith('polluted', 1)]) }] }], /argument 2 \(a\.0\.b\)/],
    ];
    for (const [where, params, re] of positions) {
      const r = await wire('take', params);
      t.match(r, { ok: false, fault: { faultString: /INVALID_ARGUMENT/ } }, `${n} in ${where}: refused`);
      const text = r.ok ? '' : r.fault.faultString;
      t.match(text, re, 'naming the argument');
      t.ok(text.includes(`"${n}"`), 'and the name');
      t.equal(protoKeys(), before, 'Object.prototype untouched');
      t.equal(({} as { polluted?: unknown }).polluted, undefined);
    }
  }
  t.equal(seen.length, 0, 'the handler never ran');
  // The decoder itself: structs are null-prototype objects, members called like these are data.
  for (const n of RESERVED) {
    const call = decodeMethodCall(encodeMethodCall('take', [structWith(n, structWith('x', 1))]), { maxDepth: 64 });
    const s = call.params[0] as Record<string, unknown>;
    t.equal(Object.getPrototypeOf(s), null, `${n}: a null-prototype struct`);
    t.same(Object.keys(s), [n], 'the member is an own key');
    t.equal(Object.getPrototypeOf(s[n]), null, 'the nested struct too');
  }
  t.match(await wire('take', [{ name: 'constructor', prototype_: '__proto__' }]), { ok: true }, 'reserved words as values and near-names are fine');
});
