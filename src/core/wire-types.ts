// The one set of wire types every method declaration and record uses: booleans, integers,
// uuids, ids, names and paths in the forms the stock Oracle VM agent accepted, each refused
// with one message that names the argument (the registry adds its position). Each carries its
// kind and name as zod metadata, so a test can walk the registry. Pure: core schemas use it too.
import { z } from 'zod';
import { DASHED_UUID, HEX32, isSafeComponent } from './ids.js';

/** What a wire type is; `what` is the argument or field name its messages use. */
export type WireKind = 'boolean' | 'integer' | 'uuid' | 'id' | 'path' | 'text';
export interface WireMeta {
  wire: WireKind;
  what: string;
}

function tagged<T extends z.ZodType>(schema: T, wire: WireKind, what: string): T {
  return schema.meta({ wire, what } satisfies WireMeta);
}

/** The kind and name of a wire type (kept through .refine/.transform clones), else undefined. */
export function wireMeta(schema: z.ZodType): WireMeta | undefined {
  const m = z.globalRegistry.get(schema) as Partial<WireMeta> | undefined;
  return m && typeof m.wire === 'string' && typeof m.what === 'string' ? { wire: m.wire, what: m.what } : undefined;
}

/**
 * A boolean as managers sent it to the stock (Python) agent: an XML-RPC boolean, an int 1/0,
 * or the strings True/False, true/false, 1/0. `what` names it in the message.
 */
export function wireBoolean(what = 'value') {
  return tagged(booleanOf(what), 'boolean', what);
}

function booleanOf(what: string) {
  return z.union([z.boolean(), z.number(), z.bigint(), z.string()]).transform((v, ctx) => {
    if (typeof v === 'boolean') return v;
    if (typeof v !== 'string') {
      if (v === 0 || v === 1 || v === 0n || v === 1n) return v === 1 || v === 1n;
    } else {
      const s = v.trim();
      if (s === '1' || s.toLowerCase() === 'true') return true;
      if (s === '0' || s.toLowerCase() === 'false') return false;
    }
    ctx.addIssue({ code: 'custom', message: `${what} must be a boolean (true/false, True/False or 1/0), got ${describe(v)}` });
    return z.NEVER;
  });
}

export const wireBool = wireBoolean();

export interface IntBounds {
  min?: number;
  max?: number;
  /** Also take a decimal string ("42"), as the stock agent did for this argument. */
  strings?: boolean;
  /** What the number is, for the message ("size"). */
  what?: string;
}

/** An integer from <int>/<i4>, <i8> (bigint) or, with `strings`, a decimal string; a safe JS number out. */
export function wireInt(b: IntBounds = {}) {
  const what = b.what ?? 'value';
  return tagged(intOf(b, what), 'integer', what);
}

function intOf(b: IntBounds, what: string) {
  return z.union([z.number(), z.bigint(), z.string()]).transform((v, ctx) => {
    let n: number | undefined;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') n = Number(v);
    else if (b.strings && /^\s*-?\d{1,16}\s*$/.test(v)) n = Number(v.trim());
    if (n === undefined || !Number.isSafeInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be a whole number${b.strings ? ' (or a decimal string)' : ''}, got ${describe(v)}` });
      return z.NEVER;
    }
    if ((b.min !== undefined && n < b.min) || (b.max !== undefined && n > b.max)) {
      ctx.addIssue({ code: 'custom', message: `${what} must be ${range(b)}, got ${n}` });
      return z.NEVER;
    }
    return n;
  });
}

/**
 * How a uuid argument reaches the service: `hex` 32 lowercase hex digits (dashes dropped),
 * `as-sent` exactly as the manager spelt it (services compare with sameUuid), `lower` lowercased
 * with its dashes kept (a pool uuid: CloudStack sends it dashed and reads it back as sent).
 */
export type UuidForm = 'hex' | 'as-sent' | 'lower';

/** A uuid given as 32 hex digits or in the dashed form (8-4-4-4-12). */
export function wireUuid(what = 'uuid', form: UuidForm = 'hex') {
  return tagged(
    z.string().transform((v, ctx) => {
      // Only the normalized form may drop blanks: the others are passed on as they came.
      const s = form === 'hex' ? v.trim() : v;
      if (!HEX32.test(s) && !DASHED_UUID.test(s)) {
        ctx.addIssue({ code: 'custom', message: `${what} must be a uuid (32 hex digits, dashes allowed), got ${describe(v)}` });
        return z.NEVER;
      }
      return form === 'hex' ? s.replace(/-/g, '').toLowerCase() : form === 'lower' ? s.toLowerCase() : s;
    }),
    'uuid',
    what,
  );
}

/**
 * A manager-side id (manager uuid) exactly as the manager spelt it, 32 hex digits: it is stored
 * and reported back, so it is not rewritten; the dashed form is refused.
 */
export function wireHex32(what = 'uuid') {
  return tagged(z.string().refine((v) => HEX32.test(v), { message: `${what} must be 32 hex digits` }), 'uuid', what);
}

/**
 * An id that names a folder or file (repository, VM, template, disk): one path component kept
 * as sent: not empty, at most 255 bytes, no '/', no NUL, not '.' or '..'.
 */
export function wireId(what = 'name') {
  return tagged(
    z.string().refine(isSafeComponent, { message: `${what} must be one path component: not empty, no '/', no NUL, not '.' or '..'` }),
    'id',
    what,
  );
}

/** One path component (a file name): `wireId` under its older name. */
export const pathComponent = wireId('name');

/** Free text of bounded length (a location, an alias, a target): kept as sent. */
export function wireText(what: string, b: { min?: number; max?: number } = {}) {
  const min = b.min ?? 0;
  const max = b.max ?? 4096;
  return tagged(
    z.string().refine((v) => v.length >= min && v.length <= max, {
      message: min > 0 ? `${what} must be ${min}-${max} characters` : `${what} must be at most ${max} characters`,
    }),
    'text',
    what,
  );
}

/**
 * An absolute path whose components are all safe, under one of `roots` (when given), with
 * repeated and trailing slashes dropped. Which roots exist at run time (known repositories)
 * is the service's check; this is the shape.
 */
export function pathUnder(roots: readonly string[] = ['/'], what = 'path') {
  return tagged(pathOf(roots), 'path', what);
}

function pathOf(roots: readonly string[]) {
  return z.string().max(4096).transform((v, ctx) => {
    const parts = v.split('/').filter((p) => p !== '');
    if (!v.startsWith('/') || parts.some((p) => !isSafeComponent(p))) {
      ctx.addIssue({ code: 'custom', message: `expected an absolute path without '.', '..' or NUL components, got ${describe(v)}` });
      return z.NEVER;
    }
    const p = `/${parts.join('/')}`;
    if (!roots.some((r) => r === '/' || p === r || p.startsWith(`${r}/`))) {
      ctx.addIssue({ code: 'custom', message: `path ${p} is not under ${roots.join(' or ')}` });
      return z.NEVER;
    }
    return p;
  });
}

// ---- Fields of the Storage Connect records: '' / nil / absent mean "unset"; the service puts the
// field's path before each message, so these messages do not repeat the name. ----

/** A record's size or count: int, <i8> or decimal string, >= 0; unset gives undefined. */
export const wireCount = tagged(
  z
    .union([z.number(), z.bigint(), z.string().max(32), z.null()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null || v === '') return undefined;
      const n = typeof v === 'string' ? (/^\s*\d+\s*$/.test(v) ? Number(v) : NaN) : Number(v);
      if (!Number.isSafeInteger(n) || n < 0) {
        ctx.addIssue({ code: 'custom', message: 'must be a whole number >= 0 (int, i8 or decimal string)' });
        return z.NEVER;
      }
      return n;
    }),
  'integer',
  'count',
);

/** A record's byte size that must be given and > 0. */
export const wireSize = tagged(
  wireCount.refine((n) => n !== undefined && n > 0, { message: 'must be a positive whole number of bytes' }).transform((n) => n as number),
  'integer',
  'size',
);

/**
 * A record's uuid, '' when unset: `hex` 32 hex digits (dashed accepted, dashes dropped), as
 * storage servers are named; `dashed` 8-4-4-4-12, as file systems and elements are. Lowercased.
 */
export function recordUuid(form: 'hex' | 'dashed', what = 'uuid') {
  return tagged(
    z
      .union([z.string(), z.null()])
      .optional()
      .transform((v) => (form === 'hex' ? (v ?? '').replace(/-/g, '') : (v ?? '')).toLowerCase())
      .refine((v) => v === '' || (form === 'hex' ? HEX32 : DASHED_UUID).test(v), {
        message: form === 'hex' ? 'must be 32 hex digits (dashes allowed)' : 'must be a dashed uuid (8-4-4-4-12)',
      }),
    'uuid',
    what,
  );
}

function range(b: IntBounds): string {
  if (b.min !== undefined && b.max !== undefined) return `between ${b.min} and ${b.max}`;
  return b.min !== undefined ? `at least ${b.min}` : `at most ${String(b.max)}`;
}

/** A short, safe rendering of a refused value (never more than 40 characters of it). */
function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'bigint') return `${v} (i8)`;
  return String(v);
}
