// Call arguments as they appear in START log lines: secret positions and secret-looking struct
// members replaced by '***', long strings and big collections truncated, binary shown as a size.
import { redactUrlCredentials } from '../core/redact.js';

const MAX_STRING = 200;
const MAX_ITEMS = 20;
const MAX_DEPTH = 4;
// Covers every name in the logger's SECRET_KEYS as well (a test checks), so START lines need no second scrub.
export const SECRET_KEY = /pass|secret|chap|private|cert|token|authorization|key_pem/i;

export const REDACTED = '***';

function summarize(v: unknown, depth: number): unknown {
  if (typeof v === 'string') {
    const t = redactUrlCredentials(v);
    return t.length > MAX_STRING ? `${t.slice(0, MAX_STRING)}…(${t.length} chars)` : t;
  }
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
  return (typeof v === 'string' && v.length <= MAX_STRING && !v.includes('@')) || typeof v === 'boolean' || v === null || (typeof v === 'number' && Number.isFinite(v));
}

/** JSON.stringify(summarizeArgs(params, secretArgs)): the START line's text. */
export function summarizeArgsJson(params: readonly unknown[], secretArgs: readonly number[] = []): string {
  // Most calls pass a few short strings and numbers: their summary is themselves, and one
  // JSON.stringify writes it flat (a string built piece by piece cost more to write out later).
  if (secretArgs.length === 0 && params.every(plainScalar)) return str(params);
  return str(summarizeArgs(params, secretArgs));
}
