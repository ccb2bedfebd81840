// Call arguments as they appear in START log lines: secret positions and secret-looking struct
// members replaced by '***', long strings and big collections truncated, binary shown as a size.
const MAX_STRING = 200;
const MAX_ITEMS = 20;
const MAX_DEPTH = 4;
// Covers every name in the logger's SECRET_KEYS as well (a test checks), so START lines need no second scrub.
export const SECRET_KEY = /pass|secret|chap|private|cert|token|authorization|key_pem/i;

export const REDACTED = '***';

function summarize(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…(${v.length} chars)` : v;
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return `<${v.byteLength} bytes>`;
  if (depth >= MAX_DEPTH) return Array.isArray(v) ? `[${v.length} items]` : '{…}';
  if (Array.isArray(v)) {
    const out = v.slice(0, MAX_ITEMS).map((x) => summarize(x, depth + 1));
    if (v.length > MAX_ITEMS) out.push(`…(${v.length} items)`);
    return out;
  }
  // No prototype: a member called __proto__ stays a member.
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let n = 0;
  for (const key of Object.keys(v)) {
    if (n++ >= MAX_ITEMS) {
      out['…'] = `${Object.keys(v).length} members`;
      break;
    }
    out[key] = SECRET_KEY.test(key) ? REDACTED : summarize((v as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

export function summarizeArgs(params: readonly unknown[], secretArgs: readonly number[] = []): unknown[] {
  return params.map((p, i) => (secretArgs.includes(i) ? REDACTED : summarize(p, 0)));
}

const str = JSON.stringify;

function plainScalar(v: unknown): boolean {
  return (typeof v === 'string' && v.length <= MAX_STRING) || typeof v === 'boolean' || v === null || (typeof v === 'number' && Number.isFinite(v));
}

function summaryJson(v: unknown, depth: number): string {
  if (typeof v === 'string') return str(v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…(${v.length} chars)` : v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return str(v.toString());
  if (v === null || typeof v !== 'object') return v === null ? 'null' : str(summarize(v, depth)) ?? 'null';
  if (v instanceof Date) return str(v.toISOString());
  if (v instanceof Uint8Array) return str(`<${v.byteLength} bytes>`);
  if (depth >= MAX_DEPTH) return str(Array.isArray(v) ? `[${v.length} items]` : '{…}');
  if (Array.isArray(v)) {
    let out = '[';
    const n = Math.min(v.length, MAX_ITEMS);
    for (let i = 0; i < n; i++) out += (i ? ',' : '') + summaryJson(v[i], depth + 1);
    if (v.length > MAX_ITEMS) out += `,${str(`…(${v.length} items)`)}`;
    return `${out}]`;
  }
  let out = '{';
  let n = 0;
  for (const key of Object.keys(v)) {
    const sep = out.length > 1 ? ',' : '';
    if (n++ >= MAX_ITEMS) {
      out += `${sep}${str('…')}:${str(`${Object.keys(v).length} members`)}`;
      break;
    }
    if (SECRET_KEY.test(key)) {
      out += `${sep}${str(key)}:${str(REDACTED)}`;
      continue;
    }
    const x = (v as Record<string, unknown>)[key];
    // JSON leaves out members it cannot write (undefined, functions, symbols).
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    out += `${sep}${str(key)}:${summaryJson(x, depth + 1)}`;
  }
  return `${out}}`;
}

/** JSON.stringify(summarizeArgs(params, secretArgs)), written in one pass (the START line's text). */
export function summarizeArgsJson(params: readonly unknown[], secretArgs: readonly number[] = []): string {
  // Most calls pass a few short strings and numbers: their summary is themselves, and one
  // JSON.stringify writes it flat (a string built piece by piece cost more to write out later).
  if (secretArgs.length === 0 && params.every(plainScalar)) return str(params);
  let out = '[';
  for (let i = 0; i < params.length; i++) out += (i ? ',' : '') + (secretArgs.includes(i) ? str(REDACTED) : summaryJson(params[i], 0));
  return `${out}]`;
}
