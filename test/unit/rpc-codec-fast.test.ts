// The fast call reader against the full decoder: on generated and mutated documents it may
// decline anything, but what it accepts the full decoder must accept with the same values.
import t from 'tap';
import { fastDecodeCall } from '../../src/rpc/codec/fast-call.js';
import { decodeMethodCall, decodeMethodCallFull } from '../../src/rpc/codec/decode.js';
import { encodeMethodCall } from '../../src/rpc/codec/encode.js';
import { seededRandom as random } from '../helpers/random.js';

// Valid choices are repeated so that most unmutated documents have the fast shape.
const DECLS = ['', '', '<?xml version="1.0"?>', '<?xml version="1.0"?>', "<?xml version='1.0'?>", '<?xml version="1.0"?>', "<?xml version='1.0'?>", '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>', '\uFEFF', ' <?xml version="1.0"?>'];
const WS = ['', '', '', '', '', '', '\n', '\n', ' ', '\r\n', '\t', '\u00a0', '\u2028'];
const NAMES = ['echo', 'echo', 'echo', 'discover_server', 'start_vm', 'echo', 'get_api_version', 'a.b:c/d_1', '', 'bad name', 'x&amp;y', 'é', 'start_vm'];
const TEXTS = ['', 'hello', 'hello', 'x', '0004fb0000030000', 'a b', 'a b', '\u00e9t\u00e9', 'hello', '', 'hello', ' spaced ', 'a&amp;b', 'a&b', 'x]]>y', 'a>b', 'line\nbreak', 'cr\rlf', '\u2603 snow', '\uD834\uDD1E', '\uD800', '\u0001', '\uFFFE', 'tab\there', '<![CDATA[c]]>', '<!-- c -->'];
const INTS = ['0', '1', '42', '-1', '123456789', '0', '-0', '5', '-17', '007', '+3', ' 4 ', '2147483647', '999999999', '-999999999', '12345678901', 'x', ''];
const BOOLS = ['0', '1', '0', '1', '2', 'true', ''];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function valueXml(r: () => number): string {
  const w = () => pick(r, WS);
  switch (Math.floor(r() * 14)) {
    case 0: return `<value>${pick(r, TEXTS)}</value>`;
    case 1: return `<value><string>${pick(r, TEXTS)}</string>${w()}</value>`;
    case 2: return `<value>${w()}<string>x</string></value>`;
    case 3: return `<value><int>${pick(r, INTS)}</int></value>`;
    case 4: return `<value><i4>${pick(r, INTS)}</i4>${w()}</value>`;
    case 5: return `<value><boolean>${pick(r, BOOLS)}</boolean></value>`;
    case 6: return '<value><string/></value>';
    case 7: return '<value><double>1.5</double></value>';
    case 8: return '<value><struct></struct></value>';
    case 9: return `<value><i8>${pick(r, INTS)}</i8></value>`;
    default: return `<value><string>${pick(r, TEXTS)}</string></value>`;
  }
}

function documentXml(r: () => number): string {
  const w = () => pick(r, WS);
  let s = `${pick(r, DECLS)}${w()}<methodCall>${w()}<methodName>${pick(r, NAMES)}</methodName>${w()}`;
  if (r() < 0.85) {
    s += `<params>${w()}`;
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) s += `<param>${w()}${valueXml(r)}${w()}</param>${w()}`;
    s += `</params>${w()}`;
  }
  return `${s}</methodCall>${w()}`;
}

const NOISE = ['<', '>', '/', '&', ';', '\r', '\n', ' ', 'x', '"', "'", '\u0000', ']'];

function mutate(r: () => number, s: string): string {
  const at = Math.floor(r() * (s.length + 1));
  switch (Math.floor(r() * 4)) {
    case 0: return s.slice(0, at) + s.slice(at + 1);
    case 1: return s.slice(0, at) + pick(r, NOISE) + s.slice(at);
    case 2: {
      const len = Math.floor(r() * 12);
      return s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
    }
    default: return s.slice(0, at) + s.slice(at + 1, at + 2) + s.slice(at, at + 1) + s.slice(at + 2);
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

function full(s: string, maxDepth: number): Outcome {
  try {
    return { ok: true, value: decodeMethodCallFull(s, { maxDepth }) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

t.test('on generated and mutated documents, what the fast reader accepts the full decoder reads the same', async (t) => {
  const r = random(20261122);
  let docs = 0;
  let accepted = 0;
  let acceptedPlain = 0;
  let plain = 0;
  const wrong: string[] = [];
  for (let i = 0; i < 8000; i++) {
    const base = documentXml(r);
    const variants = [base, mutate(r, base), mutate(r, mutate(r, base))];
    for (const [k, s] of variants.entries()) {
      for (const depth of [64, 5, 4]) {
        docs++;
        const fast = fastDecodeCall(s, depth);
        const ref = full(s, depth);
        if (k === 0 && depth === 64) {
          plain++;
          if (fast) acceptedPlain++;
        }
        if (!fast) continue;
        accepted++;
        if (!ref.ok) wrong.push(`accepted what the full decoder refuses (${ref.error}): ${JSON.stringify(s)}`);
        else if (JSON.stringify(ref.value) !== JSON.stringify(fast) || !Object.is((ref.value as { params: unknown[] }).params[0], fast.params[0])) {
          wrong.push(`different values: ${JSON.stringify(s)} fast ${JSON.stringify(fast)} full ${JSON.stringify(ref.value)}`);
        }
      }
    }
  }
  t.same(wrong.slice(0, 5), [], `${wrong.length} disagreements in ${docs} documents`);
  t.ok(acceptedPlain > plain * 0.05, `the fast reader takes a fair share of the unmutated documents (${acceptedPlain} of ${plain})`);
  t.ok(accepted > 1000, `and is exercised at all (${accepted} accepted)`);
});

t.test('the calls our clients send take the fast path', async (t) => {
  const python =
    "<?xml version='1.0'?>\n<methodCall>\n<methodName>start_vm</methodName>\n<params>\n<param>\n<value><string>0004fb00</string></value>\n</param>\n<param>\n<value><int>-42</int></value>\n</param>\n<param>\n<value><boolean>1</boolean></value>\n</param>\n</params>\n</methodCall>\n";
  t.same(fastDecodeCall(python, 64), { method: 'start_vm', params: ['0004fb00', -42, true] }, "Python's xmlrpc.client layout");
  const ours = encodeMethodCall('discover_server', ['a b c', 7, false, '']);
  t.same(fastDecodeCall(ours, 64), { method: 'discover_server', params: ['a b c', 7, false, ''] }, 'our own client');
  const escaped = encodeMethodCall('echo', ['a > b']);
  t.equal(fastDecodeCall(escaped, 64), undefined, 'escaped text goes to the full decoder');
  t.same(decodeMethodCall(escaped, { maxDepth: 64 }), { method: 'echo', params: ['a > b'] }, 'and is read there');
  t.same(fastDecodeCall('<methodCall><methodName>get_api_version</methodName></methodCall>', 64), { method: 'get_api_version', params: [] });
  t.equal(fastDecodeCall(encodeMethodCall('x', [{ a: 1 }]), 64), undefined, 'a struct goes to the full decoder');
  t.same(decodeMethodCall(encodeMethodCall('x', [{ a: 'b&c' }]), { maxDepth: 64 }), { method: 'x', params: [{ a: 'b&c' }] }, 'and is read there');
});
