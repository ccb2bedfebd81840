// Cross-check with the npm xmlrpc package's serializer and deserializer (the interop peer):
// what it reads from us, what we read from it, and the documented places where it differs.
import { Readable } from 'node:stream';
import t from 'tap';
// @ts-expect-error the package ships no types
import serializer from 'xmlrpc/lib/serializer.js';
// @ts-expect-error the package ships no types
import Deserializer from 'xmlrpc/lib/deserializer.js';
import { decodeMethodCall, decodeMethodResponse, encodeMethodCall, encodeResponse } from '../../src/rpc/codec/index.js';
import { nullProto } from '../helpers/null-proto.js';

const opts = { maxDepth: 64 };

function npmReadCall(xml: string): Promise<[string, unknown[]]> {
  return new Promise((resolve, reject) =>
    new Deserializer().deserializeMethodCall(Readable.from([Buffer.from(xml)]), (err: Error | null, method: string, params: unknown[]) =>
      err ? reject(err) : resolve([method, params]),
    ),
  );
}

function npmReadResponse(xml: string): Promise<unknown> {
  return new Promise((resolve, reject) =>
    new Deserializer().deserializeMethodResponse(Readable.from([Buffer.from(xml)]), (err: Error | null, v: unknown) => (err ? reject(err) : resolve(v))),
  );
}

t.test('npm xmlrpc reads what we encode', async (t) => {
  const params = ['s & <t>', 7, 1.25, true, null, [1, 'a'], { k: { n: [] } }, Buffer.from('hv')];
  const [method, got] = await npmReadCall(encodeMethodCall('echo', params));
  t.equal(method, 'echo');
  t.strictSame(got, params);
  t.strictSame(await npmReadResponse(encodeResponse({ a: [1, null] })), { a: [1, null] });
  t.equal(await npmReadResponse(encodeResponse(2 ** 40)), String(2 ** 40), 'npm reads <i8> as a string (its limitation)');
  const d = (await npmReadResponse(encodeResponse(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))))) as Date;
  t.type(d, Date, 'dateTime is read as a Date');
});

t.test('we read what npm xmlrpc writes', async (t) => {
  const params = ['s & <t>', 7, 1.25, false, null, [1, 'a'], { k: { n: [] } }, Buffer.from('hv')];
  t.strictSame(decodeMethodCall(serializer.serializeMethodCall('echo', params), opts), { method: 'echo', params: nullProto(params) });
  t.strictSame(decodeMethodResponse(serializer.serializeMethodResponse({ a: [1] }), opts), { ok: true, value: nullProto({ a: [1] }) });
  t.strictSame(decodeMethodResponse(serializer.serializeFault({ faultCode: 3, faultString: 'x' }), opts), {
    ok: false,
    fault: { faultCode: 3, faultString: 'x' },
  });
  const d = decodeMethodResponse(serializer.serializeMethodResponse(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))), opts);
  t.type(d.ok && d.value, Date, 'its zone-less local dateTime decodes (as UTC: equal only on a UTC host)');
});

t.test('npm xmlrpc writes integers beyond 32 bits as <int>; we refuse them, as the spec says', async (t) => {
  const xml = serializer.serializeMethodCall('echo', [2 ** 40]);
  t.match(xml, /<int>1099511627776<\/int>/);
  t.throws(() => decodeMethodCall(xml, opts), { code: 'PARSE_ERROR', message: /outside 32 bits/ });
});
