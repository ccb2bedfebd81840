// The lines of /var/log/hvagent/storage.log: one START and one FINISH per plugin call, with
// plugin, operation, duration and result, and every secret (admin passwords, CHAP) redacted.

/** Struct members whose values are never written anywhere (same family as the RPC log scrub). */
export const STORAGE_SECRET_KEY = /pass|secret|chap|token|private/i;
const MAX_STRING = 160;
const MAX_ITEMS = 12;

function scrub(v: unknown, depth: number): unknown {
  if (typeof v === 'string') return redactUrlSecrets(v.length > MAX_STRING ? `${v.slice(0, MAX_STRING)}…` : v);
  if (typeof v === 'bigint') return v.toString();
  if (v === null || typeof v !== 'object') return v;
  if (depth >= 3) return Array.isArray(v) ? `[${v.length} items]` : '{…}';
  if (Array.isArray(v)) return v.slice(0, MAX_ITEMS).map((x) => scrub(x, depth + 1));
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined || x === '' || (Array.isArray(x) && x.length === 0)) continue;
    out[k] = STORAGE_SECRET_KEY.test(k) ? '***' : scrub(x, depth + 1);
  }
  return out;
}

/** `scheme://user:secret@host` and `user%secret@` (libiscsi URLs) lose the secret. */
export function redactUrlSecrets(s: string): string {
  return s.replace(/(\/\/[^/:@\s%]+)[:%][^@\s/]+@/g, '$1:***@');
}

/** The arguments of a call as written in its START line (secrets out, big values cut). */
export function storageArgsText(args: readonly unknown[]): string {
  return JSON.stringify(args.map((a) => scrub(a, 0)));
}

export interface StorageLineInput {
  time: string;
  callId: string;
  impl: string;
  op: string;
}

export function startLine(c: StorageLineInput, args: readonly unknown[]): string {
  return `${c.time} START call=${c.callId} plugin=${c.impl} op=${c.op} args=${storageArgsText(args)}`;
}

export function finishLine(c: StorageLineInput, ms: number, result: { ok: true; summary: string } | { ok: false; code: string; message: string }): string {
  const tail = result.ok ? `result=ok ${result.summary}` : `result=error code=${result.code} message=${JSON.stringify(redactUrlSecrets(result.message).slice(0, 300))}`;
  return `${c.time} FINISH call=${c.callId} plugin=${c.impl} op=${c.op} duration_ms=${Math.round(ms)} ${tail}`;
}

/** A short description of a result: its kind and size, never its content. */
export function resultSummary(v: unknown): string {
  if (v === null || v === undefined) return 'value=nil';
  if (Array.isArray(v)) return `items=${v.length}`;
  if (typeof v === 'object') return `keys=${Object.keys(v).length}`;
  return `value=${typeof v}`;
}
