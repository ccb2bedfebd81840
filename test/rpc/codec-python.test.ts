// Cross-check with an independent implementation: documents we encode are read by Python's
// xmlrpc.client.loads, and documents Python's dumps writes are read by our decoder.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { decodeMethodCall, decodeMethodResponse, encodeFault, encodeMethodCall, encodeResponse } from '../../src/rpc/codec/index.js';
import { nullProto } from '../helpers/null-proto.js';

const helper = fileURLToPath(new URL('../helpers/py-xmlrpc-codec.py', import.meta.url));
const py = (req: unknown): any => JSON.parse(execFileSync('python3', [helper], { input: JSON.stringify(req), encoding: 'utf8' }));
const opts = { maxDepth: 64 };

type Tagged = [string, unknown];

// [name, our value, how Python must read it]
const cases: Array<[string, unknown, Tagged]> = [
  ['int', 42, ['int', '42']],
  ['i8 number', 2 ** 40, ['int', String(2 ** 40)]],
  ['i8 negative', -2147483649, ['int', '-2147483649']],
  ['i8 bigint', 2n ** 62n + 3n, ['int', String(2n ** 62n + 3n)]],
  ['double', 0.1, ['float', '0.1']],
  ['double exponent', 1.5e-9, ['float', '1.5e-09']],
  ['true', true, ['bool', true]],
  ['false', false, ['bool', false]],
  ['string', 'plain', ['str', 'plain']],
  ['string with markup', '<a href="x">&amp;</a>', ['str', '<a href="x">&amp;</a>']],
  ['string with CR', 'a\r\nb', ['str', 'a\r\nb']],
  ['empty string', '', ['str', '']],
  ['unicode', 'Grüße 日本 🚀', ['str', 'Grüße 日本 🚀']],
  ['nil', null, ['nil', null]],
  ['date in UTC', new Date('2026-11-22T17:04:05+02:00'), ['datetime', '2026-11-22T15:04:05']],
  ['base64', Buffer.from([0, 1, 104, 118, 255]), ['bytes', 'AAFodv8=']],
  ['empty array', [], ['list', []]],
  ['empty struct', {}, ['dict', {}]],
  [
    'nested',
    { vms: [{ name: 'vm1', mem: 2 ** 33, on: true, tags: [] }], n: null },
    ['dict', { vms: ['list', [['dict', { name: ['str', 'vm1'], mem: ['int', String(2 ** 33)], on: ['bool', true], tags: ['list', []] }]]], n: ['nil', null] }],
  ],
];

t.test('Python reads what we encode', async (t) => {
  const docs = [...cases.map(([, v]) => encodeResponse(v)), encodeMethodCall('echo', cases.map(([, v]) => v))];
  const out = py({ op: 'loads', docs });
  cases.forEach(([name, , want], i) => t.strictSame(out[i], { method: null, params: [want] }, name));
  t.strictSame(out[cases.length], { method: 'echo', params: cases.map(([, , w]) => w) }, 'a whole call');
});

t.test('Python reads our faults', async (t) => {
  const out = py({ op: 'loads', docs: [encodeFault({ faultCode: 1004, faultString: 'exceptions.Exception:NOT_OWNED: x < y & z' })] });
  t.strictSame(out[0], { fault: [1004, 'exceptions.Exception:NOT_OWNED: x < y & z'] });
});

// [name, what Python is asked to write, what we must decode]
const fromPython: Array<[string, Tagged, unknown]> = [
  ['int', ['int', '-5'], -5],
  ['float', ['float', '2.5'], 2.5],
  ['bool', ['bool', true], true],
  ['str with markup and spaces', ['str', '  <x> & y  '], '  <x> & y  '],
  ['unicode', ['str', 'Grüße 🚀'], 'Grüße 🚀'],
  ['nil', ['nil', null], null],
  ['datetime', ['datetime', '2026-11-22T15:04:05'], new Date(Date.UTC(2026, 10, 22, 15, 4, 5))],
  ['bytes (base64 with line breaks)', ['bytes', Buffer.alloc(200, 7).toString('base64')], Buffer.alloc(200, 7)],
  ['list', ['list', [['int', '1'], ['str', 'a'], ['list', []]]], [1, 'a', []]],
  ['dict', ['dict', { a: ['dict', {}], 'b c': ['nil', null] }], { a: {}, 'b c': null }],
];

t.test('we read what Python writes', async (t) => {
  const docs: string[] = py({ op: 'dumps', values: fromPython.map(([, v]) => v) });
  fromPython.forEach(([name, , want], i) => t.strictSame(decodeMethodResponse(docs[i], opts), { ok: true, value: nullProto(want) }, name));
  const call: string = py({ op: 'call', method: 'dispatch', values: fromPython.map(([, v]) => v) });
  t.strictSame(decodeMethodCall(call, opts), { method: 'dispatch', params: fromPython.map(([, , w]) => nullProto(w)) }, 'a whole call');
  const fault: string = py({ op: 'fault', code: 1, string: 'exceptions.Exception:Server already a member of pool: 0004fb00' });
  t.strictSame(decodeMethodResponse(fault, opts), {
    ok: false,
    fault: { faultCode: 1, faultString: 'exceptions.Exception:Server already a member of pool: 0004fb00' },
  });
});
