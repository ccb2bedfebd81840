// XML-RPC documents → values, strictly: every type of the dialect, nothing else. Whitespace rules
// follow the spec and Python's xmlrpc.client: text directly inside <value> is a string (kept
// verbatim), whitespace between elements is ignored, scalar contents are read as written.
import type { DecodeOptions, Fault, MethodCall, MethodResponse, XmlRpcValue } from './types.js';
import { END, EOF, START, TEXT, XmlReader, bodyToText, parseError } from './xml-reader.js';
import { fastDecodeCall } from './fast-call.js';

const OPEN: Record<string, string> = {
  name: '<name>',
  value: '<value>',
  data: '<data>',
  param: '<param>',
  methodCall: '<methodCall>',
  methodName: '<methodName>',
  methodResponse: '<methodResponse>',
};
const WS_ONLY = /^[ \t\n\r]*$/;
const INT_RE = /^[ \t\n\r]*([+-]?)([0-9]+)[ \t\n\r]*$/;
const DOUBLE_RE = /^[ \t\n\r]*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\n\r]*$/;
const DATE_RE =
  /^[ \t\n\r]*(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2}):?(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?[ \t\n\r]*$/;
const B64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const METHOD_NAME_RE = /^[A-Za-z0-9_.:/]+$/;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Next token that is not inter-element whitespace; other text there is refused. */
function nextTag(r: XmlReader): number {
  let t = r.next();
  if (t === TEXT) {
    if (!WS_ONLY.test(r.text)) throw parseError(`unexpected text ${JSON.stringify(r.text.slice(0, 40))}`);
    t = r.next();
  }
  return t;
}

function expectStart(r: XmlReader, name: string): void {
  if (r.tryOpen(OPEN[name] ?? `<${name}>`, name)) return;
  if (nextTag(r) !== START || r.name !== name) throw parseError(`expected <${name}>, found ${describe(r)}`);
}

function expectEnd(r: XmlReader, name: string): void {
  if (nextTag(r) !== END) throw parseError(`expected </${name}>, found ${describe(r)}`);
}

// A call, so TypeScript does not keep a narrowing of r.name across r.next().
function tagName(r: XmlReader): string {
  return r.name;
}

function describe(r: XmlReader): string {
  return `<${r.name}>`;
}

/** Content of an element that may only hold text (empty allowed). */
function textOnly(r: XmlReader, tag: string): string {
  let t = r.next();
  let s = '';
  if (t === TEXT) {
    s = r.text;
    t = r.next();
  }
  if (t !== END) throw parseError(`<${tag}> must hold only text, found <${r.name}>`);
  return s;
}

function decodeInt(s: string, tag: string): number | bigint {
  const m = INT_RE.exec(s);
  if (!m) throw parseError(`<${tag}> holds ${JSON.stringify(s.slice(0, 40))}, not an integer`);
  const digits = m[2].replace(/^0+(?=\d)/, '');
  if (tag === 'i8') {
    if (digits.length <= 15) return m[1] === '-' ? -Number(digits) : Number(digits);
    const big = BigInt(m[1] + digits);
    if (big < INT64_MIN || big > INT64_MAX) throw parseError(`<i8> value ${m[1]}${digits} is outside 64 bits`);
    return big >= -BigInt(Number.MAX_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  const n = digits.length > 10 ? Infinity : Number(digits);
  const v = m[1] === '-' ? -n : n;
  if (v < INT32_MIN || v > INT32_MAX) throw parseError(`<${tag}> value ${m[1]}${digits} is outside 32 bits (use <i8>)`);
  return v === 0 ? 0 : v;
}

function decodeDate(s: string): Date {
  const m = DATE_RE.exec(s);
  if (!m) throw parseError(`<dateTime.iso8601> holds ${JSON.stringify(s.slice(0, 40))}, not YYYYMMDDTHH:MM:SS`);
  const [y, mo, d, h, mi, se] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  const ms = m[7] ? Math.floor(Number(`0${m[7]}`) * 1000) : 0;
  // setUTCFullYear, not Date.UTC: the latter maps years 0-99 to 1900-1999.
  const check = new Date(0);
  check.setUTCFullYear(y, mo - 1, d);
  check.setUTCHours(h, mi, se, ms);
  let t = check.getTime();
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || check.getUTCHours() !== h || mi > 59 || se > 59) {
    throw parseError(`<dateTime.iso8601> ${JSON.stringify(s)} is not a valid date and time`);
  }
  // No zone: our reading is UTC (we always send UTC).
  const zone = m[8];
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return new Date(t);
}

function decodeBase64(s: string): Buffer {
  const compact = s.replace(/[ \t\n\r]+/g, '');
  if (compact.length % 4 !== 0 || !B64_RE.test(compact)) throw parseError('<base64> holds invalid base64');
  return Buffer.from(compact, 'base64');
}

function decodeDouble(s: string): number {
  if (!DOUBLE_RE.test(s)) throw parseError(`<double> holds ${JSON.stringify(s.slice(0, 40))}, not a number`);
  const v = Number(s.trim());
  if (!Number.isFinite(v)) throw parseError(`<double> value ${s.trim().slice(0, 40)} is out of range`);
  return v;
}

function decodeTyped(r: XmlReader, tag: string): XmlRpcValue {
  switch (tag) {
    case 'string':
      return textOnly(r, tag);
    case 'int':
    case 'i4':
      return decodeInt(textOnly(r, tag), tag);
    case 'i8':
    case 'ex:i8':
      return decodeInt(textOnly(r, tag), 'i8');
    case 'boolean': {
      const s = textOnly(r, tag);
      if (s === '1') return true;
      if (s === '0') return false;
      throw parseError(`<boolean> holds ${JSON.stringify(s.slice(0, 40))}, not 0 or 1`);
    }
    case 'double':
      return decodeDouble(textOnly(r, tag));
    case 'dateTime.iso8601':
      return decodeDate(textOnly(r, tag));
    case 'base64':
      return decodeBase64(textOnly(r, tag));
    case 'nil':
    case 'ex:nil':
      if (!WS_ONLY.test(textOnly(r, tag))) throw parseError('<nil/> must be empty');
      return null;
    case 'struct':
      return decodeStruct(r);
    case 'array':
      return decodeArray(r);
    default:
      throw parseError(`unknown element <${tag}> in <value>`);
  }
}

/** After <value>: its content, through </value>. */
function decodeValue(r: XmlReader): XmlRpcValue {
  let t = r.next();
  let text = '';
  if (t === TEXT) {
    text = r.text;
    t = r.next();
  }
  if (t === END) return text;
  if (!WS_ONLY.test(text)) throw parseError('<value> mixes text and elements');
  const v = decodeTyped(r, r.name);
  if (nextTag(r) !== END) throw parseError(`<value> holds more than one element (<${r.name}>)`);
  return v;
}

function decodeStruct(r: XmlReader): XmlRpcValue {
  // A null-prototype object: no wire name (__proto__, constructor, toString...) can reach or
  // shadow Object.prototype through it, whatever code later reads or copies its members.
  const obj = Object.create(null) as { [key: string]: XmlRpcValue };
  for (;;) {
    if (!r.tryOpen('<member>', 'member')) {
      if (nextTag(r) === END) return obj;
    }
    if (r.name !== 'member') throw parseError(`expected <member> in <struct>, found <${r.name}>`);
    expectStart(r, 'name');
    const key = textOnly(r, 'name');
    expectStart(r, 'value');
    const v = decodeValue(r);
    expectEnd(r, 'member');
    obj[key] = v;
  }
}

function decodeArray(r: XmlReader): XmlRpcValue[] {
  expectStart(r, 'data');
  const out: XmlRpcValue[] = [];
  for (;;) {
    if (!r.tryOpen('<value>', 'value')) {
      if (nextTag(r) === END) break;
    }
    if (r.name !== 'value') throw parseError(`expected <value> in <data>, found <${r.name}>`);
    out.push(decodeValue(r));
  }
  expectEnd(r, 'array');
  return out;
}

function expectEof(r: XmlReader): void {
  if (r.next() !== EOF) throw parseError('content after the root element');
}

export function decodeMethodCall(body: Buffer | string, opts: DecodeOptions): MethodCall {
  const text = bodyToText(body);
  return fastDecodeCall(text, opts.maxDepth) ?? decodeMethodCallFull(text, opts);
}

/** The full decoder, without the fast path (the fast path's tests compare the two). */
export function decodeMethodCallFull(text: string, opts: DecodeOptions): MethodCall {
  const r = new XmlReader(text, opts.maxDepth);
  expectStart(r, 'methodCall');
  expectStart(r, 'methodName');
  const method = textOnly(r, 'methodName');
  if (!METHOD_NAME_RE.test(method)) throw parseError(`bad method name ${JSON.stringify(method.slice(0, 80))}`);
  const params: XmlRpcValue[] = [];
  let t = nextTag(r);
  if (t === START) {
    if (r.name !== 'params') throw parseError(`expected <params>, found <${r.name}>`);
    for (;;) {
      t = nextTag(r);
      if (t === END) break;
      if (tagName(r) !== 'param') throw parseError(`expected <param>, found <${r.name}>`);
      expectStart(r, 'value');
      params.push(decodeValue(r));
      expectEnd(r, 'param');
    }
    t = nextTag(r);
  }
  if (t !== END) throw parseError(`unexpected <${r.name}> in <methodCall>`);
  expectEof(r);
  return { method, params };
}

function faultFrom(v: XmlRpcValue): Fault {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof Date || Buffer.isBuffer(v)) {
    throw parseError('<fault> must hold a struct');
  }
  const { faultCode, faultString } = v as { [k: string]: XmlRpcValue };
  if (typeof faultCode !== 'number' || typeof faultString !== 'string') {
    throw parseError('<fault> struct needs an int faultCode and a string faultString');
  }
  return { faultCode, faultString };
}

export function decodeMethodResponse(body: Buffer | string, opts: DecodeOptions): MethodResponse {
  const r = new XmlReader(bodyToText(body), opts.maxDepth);
  expectStart(r, 'methodResponse');
  if (nextTag(r) !== START) throw parseError('empty <methodResponse>');
  let result: MethodResponse;
  if (r.name === 'params') {
    expectStart(r, 'param');
    expectStart(r, 'value');
    result = { ok: true, value: decodeValue(r) };
    expectEnd(r, 'param');
    expectEnd(r, 'params');
  } else if (r.name === 'fault') {
    expectStart(r, 'value');
    result = { ok: false, fault: faultFrom(decodeValue(r)) };
    expectEnd(r, 'fault');
  } else {
    throw parseError(`expected <params> or <fault>, found <${r.name}>`);
  }
  expectEnd(r, 'methodResponse');
  expectEof(r);
  return result;
}
