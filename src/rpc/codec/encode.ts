// Values → XML-RPC documents. Built as one string in a single pass (no node objects). Integers
// inside 32 bits are <int>, other integers <i8>; Dates are UTC; strings XML 1.0 cannot carry are refused.
import { AgentError } from '../../core/errors.js';
import type { Fault, XmlRpcValue } from './types.js';

const XML_HEAD = '<?xml version="1.0"?>\n';
// & < > must be escaped; \r would be turned into \n by any XML parser, so it travels as &#13;.
const NEEDS_WORK = /[&<>\r\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const MAX_ENCODE_DEPTH = 256;

function encodeError(message: string): AgentError {
  return new AgentError('INTERNAL', `cannot encode XML-RPC value: ${message}`);
}

function escapeSlow(s: string, lenient: boolean): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c === 38) rep = '&amp;';
    else if (c === 60) rep = '&lt;';
    else if (c === 62) rep = '&gt;';
    else if (c === 13) rep = '&#13;';
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      i++;
      continue;
    } else if ((c < 32 && c !== 9 && c !== 10) || (c >= 0xd800 && c <= 0xdfff) || c === 0xfffe || c === 0xffff) {
      if (!lenient) throw encodeError(`string holds U+${c.toString(16).toUpperCase().padStart(4, '0')}, which XML 1.0 cannot carry`);
      rep = '\uFFFD';
    } else continue;
    out += s.slice(from, i) + rep;
    from = i + 1;
  }
  return out + s.slice(from);
}

/** Escape text for XML-RPC; throws on characters XML 1.0 cannot carry. */
export function escapeXml(s: string): string {
  return NEEDS_WORK.test(s) ? escapeSlow(s, false) : s;
}

/** Escape text, replacing characters XML 1.0 cannot carry with U+FFFD (for log tails, fault strings). */
export function escapeXmlLenient(s: string): string {
  return NEEDS_WORK.test(s) ? escapeSlow(s, true) : s;
}

/** Make arbitrary host text (logs, command output) safe to return: illegal XML characters → U+FFFD. */
export function xmlSafeText(s: string): string {
  return s.replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * dateTime.iso8601 as `YYYYMMDDTHH:MM:SS`, in UTC, without a zone suffix and without fractions:
 * exactly what Python's xmlrpc.client writes and the only form its use_builtin_types reader
 * (strptime "%Y%m%dT%H:%M:%S") accepts; the npm xmlrpc client reads it too (as local time, its
 * limitation). We read a missing zone as UTC.
 */
export function dateToIso8601(d: Date): string {
  const t = d.getTime();
  if (!Number.isFinite(t)) throw encodeError('invalid Date');
  const y = d.getUTCFullYear();
  if (y < 0 || y > 9999) throw encodeError(`year ${y} does not fit dateTime.iso8601`);
  return `${String(y).padStart(4, '0')}${pad2(d.getUTCMonth() + 1)}${pad2(d.getUTCDate())}T${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

function encodeNumber(v: number): string {
  if (Number.isInteger(v)) {
    if (v >= -2147483648 && v <= 2147483647) return `<int>${v === 0 ? 0 : v}</int>`;
    if (v >= -9223372036854775808 && v < 9223372036854775808) return `<i8>${BigInt(v)}</i8>`;
  }
  if (!Number.isFinite(v)) throw encodeError(`${v} has no XML-RPC form`);
  return `<double>${v}</double>`;
}

function encodeValue(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return `<value><string>${NEEDS_WORK.test(v) ? escapeSlow(v, false) : v}</string></value>`;
    case 'number':
      return `<value>${encodeNumber(v)}</value>`;
    case 'boolean':
      return v ? '<value><boolean>1</boolean></value>' : '<value><boolean>0</boolean></value>';
    case 'undefined':
      return '<value><nil/></value>';
    case 'bigint':
      if (v < INT64_MIN || v > INT64_MAX) throw encodeError(`bigint ${v} is outside 64 bits`);
      return `<value><i8>${v}</i8></value>`;
    case 'object': {
      if (v === null) return '<value><nil/></value>';
      if (depth > MAX_ENCODE_DEPTH) throw encodeError(`nesting deeper than ${MAX_ENCODE_DEPTH} (a cycle?)`);
      if (Array.isArray(v)) {
        let out = '<value><array><data>';
        for (let i = 0; i < v.length; i++) out += encodeValue(v[i], depth + 1);
        return out + '</data></array></value>';
      }
      if (v instanceof Date) return `<value><dateTime.iso8601>${dateToIso8601(v)}</dateTime.iso8601></value>`;
      if (v instanceof Uint8Array) {
        const b = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        return `<value><base64>${b.toString('base64')}</base64></value>`;
      }
      if (v instanceof Map || v instanceof Set || v instanceof Promise) {
        throw encodeError(`a ${v.constructor.name} has no XML-RPC form (convert it to a plain object or array)`);
      }
      let out = '<value><struct>';
      const obj = v as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        out += `<member><name>${NEEDS_WORK.test(key) ? escapeSlow(key, false) : key}</name>${encodeValue(obj[key], depth + 1)}</member>`;
      }
      return out + '</struct></value>';
    }
    default:
      throw encodeError(`a ${typeof v} has no XML-RPC form`);
  }
}

/** One <value> element (exported for tests and for callers composing documents). */
export function encodeValueXml(v: XmlRpcValue | undefined): string {
  return encodeValue(v, 0);
}

export function encodeMethodCall(method: string, params: readonly unknown[]): string {
  let out = `${XML_HEAD}<methodCall><methodName>${escapeXml(method)}</methodName><params>`;
  for (const p of params) out += `<param>${encodeValue(p, 0)}</param>`;
  return out + '</params></methodCall>';
}

export function encodeResponse(value: unknown): string {
  return `${XML_HEAD}<methodResponse><params><param>${encodeValue(value, 0)}</param></params></methodResponse>`;
}

/** Never throws: a fault string with characters XML cannot carry gets U+FFFD in their place. */
export function encodeFault(fault: Fault): string {
  const code = Number.isInteger(fault.faultCode) && Math.abs(fault.faultCode) <= 2147483647 ? fault.faultCode : 1;
  return (
    `${XML_HEAD}<methodResponse><fault><value><struct>` +
    `<member><name>faultCode</name><value><int>${code}</int></value></member>` +
    `<member><name>faultString</name><value><string>${escapeXmlLenient(String(fault.faultString))}</string></value></member>` +
    `</struct></value></fault></methodResponse>`
  );
}
