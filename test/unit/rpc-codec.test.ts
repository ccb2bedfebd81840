// Codec round trips for every type of the dialect and byte-exact golden encodings.
import t from 'tap';
import {
  decodeMethodCall,
  decodeMethodResponse,
  encodeFault,
  encodeMethodCall,
  encodeResponse,
  encodeValueXml,
} from '../../src/rpc/codec/index.js';
import type { XmlRpcValue } from '../../src/rpc/method.js';
import { nullProto } from '../helpers/null-proto.js';

const opts = { maxDepth: 64 };

const roundTrips: Array<[string, XmlRpcValue]> = [
  ['int', 42],
  ['negative int', -7],
  ['int32 max', 2147483647],
  ['int32 min', -2147483648],
  ['i8 just above int32', 2147483648],
  ['i8 below int32', -2147483649],
  ['i8 safe max', Number.MAX_SAFE_INTEGER],
  ['i8 bigint', 2n ** 60n],
  ['i8 bigint negative', -(2n ** 63n)],
  ['i8 bigint max', 2n ** 63n - 1n],
  ['double', 1.5],
  ['double negative small', -0.000123],
  ['double exponent', 1e300],
  ['true', true],
  ['false', false],
  ['string', 'hello'],
  ['empty string', ''],
  ['markup chars', 'a<b>&c "d" \'e\''],
  ['whitespace kept', '  two\n lines\t '],
  ['carriage return kept', 'a\r\nb\rc'],
  ['unicode', 'Grüße 日本 🚀'],
  ['nil', null],
  ['date UTC', new Date(Date.UTC(2026, 10, 22, 15, 4, 5))],
  ['date before 1970', new Date(Date.UTC(1969, 6, 20, 20, 17, 40))],
  ['date in year 42', new Date('0042-03-04T05:06:07Z')],
  ['base64', Buffer.from([0, 1, 2, 253, 254, 255])],
  ['empty base64', Buffer.alloc(0)],
  ['empty array', []],
  ['empty struct', {}],
  ['nested', { a: [1, { b: [[], {}, ['x', null]] }], c: { d: { e: 2n ** 60n, f: 2 ** 40 } }, 'odd key & <name>': true }],
];

t.test('round trips through a response', async (t) => {
  for (const [name, v] of roundTrips) {
    const res = decodeMethodResponse(encodeResponse(v), opts);
    t.strictSame(res, { ok: true, value: nullProto(v) }, name);
  }
});

t.test('round trips through a call, all values as params', async (t) => {
  const values = roundTrips.map(([, v]) => v);
  const call = decodeMethodCall(encodeMethodCall('some.method_1', values), opts);
  t.equal(call.method, 'some.method_1');
  t.strictSame(call.params, nullProto(values));
});

t.test('bigint only beyond 2^53, numbers otherwise', async (t) => {
  const res = decodeMethodResponse(encodeResponse([2n ** 40n, 2n ** 53n + 1n]), opts);
  t.ok(res.ok);
  if (!res.ok) return;
  const [a, b] = res.value as XmlRpcValue[];
  t.equal(typeof a, 'number', 'an i8 inside 2^53 decodes to a number');
  t.equal(a, 2 ** 40);
  t.equal(typeof b, 'bigint', 'an i8 beyond 2^53 decodes to a bigint');
  t.equal(b, 2n ** 53n + 1n);
});

t.test('structs decode to null-prototype objects: a member named __proto__ stays data', async (t) => {
  const res = decodeMethodResponse(
    '<methodResponse><params><param><value><struct><member><name>__proto__</name><value><struct><member><name>polluted</name><value>1</value></member></struct></value></member></struct></value></param></params></methodResponse>',
    opts,
  );
  t.ok(res.ok);
  const v = (res as { value: Record<string, unknown> }).value;
  t.equal(Object.getPrototypeOf(v), null, 'no prototype that a wire name could reach');
  t.strictSame(Object.keys(v), ['__proto__']);
  t.equal(Object.getPrototypeOf(v.__proto__), null, 'nested structs too');
  t.equal(({} as Record<string, unknown>).polluted, undefined);
});

const goldens: Array<[string, unknown, string]> = [
  ['int', 5, '<value><int>5</int></value>'],
  ['int32 max stays int', 2147483647, '<value><int>2147483647</int></value>'],
  ['beyond int32 is i8', 4294967296, '<value><i8>4294967296</i8></value>'],
  ['negative beyond int32 is i8', -2147483649, '<value><i8>-2147483649</i8></value>'],
  ['bigint is i8 even when small', 7n, '<value><i8>7</i8></value>'],
  ['non-integer is double', 0.25, '<value><double>0.25</double></value>'],
  ['negative zero is int 0', -0, '<value><int>0</int></value>'],
  ['boolean', true, '<value><boolean>1</boolean></value>'],
  ['string escaped', 'a&b<c>d\re', '<value><string>a&amp;b&lt;c&gt;d&#13;e</string></value>'],
  ['null is nil', null, '<value><nil/></value>'],
  ['undefined is nil', undefined, '<value><nil/></value>'],
  ['Date in UTC, no zone', new Date('2026-01-02T03:04:05.678+02:00'), '<value><dateTime.iso8601>20260102T01:04:05</dateTime.iso8601></value>'],
  ['Buffer is base64', Buffer.from('hvagent'), '<value><base64>aHZhZ2VudA==</base64></value>'],
  ['Uint8Array is base64', new Uint8Array([1, 2, 3]), '<value><base64>AQID</base64></value>'],
  [
    'struct and array',
    { k: [1, 'x'] },
    '<value><struct><member><name>k</name><value><array><data><value><int>1</int></value><value><string>x</string></value></data></array></value></member></struct></value>',
  ],
];

t.test('golden value encodings', async (t) => {
  for (const [name, v, xml] of goldens) t.equal(encodeValueXml(v as XmlRpcValue), xml, name);
});

t.test('golden documents', async (t) => {
  t.equal(
    encodeMethodCall('echo', ['hi']),
    '<?xml version="1.0"?>\n<methodCall><methodName>echo</methodName><params><param><value><string>hi</string></value></param></params></methodCall>',
  );
  t.equal(
    encodeResponse([3]),
    '<?xml version="1.0"?>\n<methodResponse><params><param><value><array><data><value><int>3</int></value></data></array></value></param></params></methodResponse>',
  );
  t.equal(
    encodeResponse(null),
    '<?xml version="1.0"?>\n<methodResponse><params><param><value><nil/></value></param></params></methodResponse>',
  );
  t.equal(
    encodeFault({ faultCode: 1003, faultString: 'exceptions.Exception:INVALID_ARGUMENT: a < b' }),
    '<?xml version="1.0"?>\n<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1003</int></value></member><member><name>faultString</name><value><string>exceptions.Exception:INVALID_ARGUMENT: a &lt; b</string></value></member></struct></value></fault></methodResponse>',
  );
});

t.test('encode refuses what XML-RPC cannot carry', async (t) => {
  const bad: Array<[string, unknown]> = [
    ['control character', 'a\u0001b'],
    ['lone surrogate', 'a\ud800b'],
    ['U+FFFF', '\uffff'],
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['bigint beyond 64 bits', 2n ** 63n],
    ['invalid Date', new Date('nope')],
    ['function', () => 1],
    ['symbol', Symbol('x')],
    ['Map', new Map([['a', 1]])],
    ['Set', new Set([1])],
    ['year beyond 9999', new Date(Date.UTC(10000, 0, 1))],
  ];
  for (const [name, v] of bad) t.throws(() => encodeResponse(v), { code: 'INTERNAL' }, name);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  t.throws(() => encodeResponse(cyclic), { code: 'INTERNAL' }, 'a cycle is refused, not a stack overflow');
  t.equal(encodeValueXml('tab\tand\nnewline'), '<value><string>tab\tand\nnewline</string></value>', 'tab and LF are legal');
  t.equal(encodeValueXml('🚀'), '<value><string>🚀</string></value>', 'surrogate pairs pass');
});

t.test('encodeFault never throws, even on illegal characters', async (t) => {
  const xml = encodeFault({ faultCode: 9000, faultString: 'bad \u0000 char' });
  const res = decodeMethodResponse(xml, opts);
  t.strictSame(res, { ok: false, fault: { faultCode: 9000, faultString: 'bad \ufffd char' } });
});
