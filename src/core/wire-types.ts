// The one set of wire types every method declaration uses: booleans, integers, uuids, names
// and paths in the forms the stock Oracle VM agent accepted, each refused with one message
// that names the argument (the registry adds its position). Pure, so core schemas use it too.
import { z } from 'zod';
import { DASHED_UUID, HEX32, isSafeComponent } from './ids.js';

/**
 * A boolean as managers sent it to the stock (Python) agent: an XML-RPC boolean, an int 1/0,
 * or the strings True/False, true/false, 1/0. `what` names it in the message.
 */
export function wireBoolean(what = 'value') {
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

/** A UUID given as 32 hex digits or in the dashed form: 32 lowercase hex digits out. */
export const wireUuid = z.string().transform((v, ctx) => {
  const s = v.trim();
  if (HEX32.test(s) || DASHED_UUID.test(s)) return s.replace(/-/g, '').toLowerCase();
  ctx.addIssue({ code: 'custom', message: `expected a UUID (32 hex digits, dashes allowed), got ${describe(v)}` });
  return z.NEVER;
});

/**
 * A manager-side id (manager, pool) exactly as the manager spelt it, 32 hex digits: it is
 * stored and reported back, so it is not rewritten; the dashed form is refused.
 */
export const wireHex32 = z.string().regex(HEX32, 'expected 32 hex digits');

/** One path component (repository id, VM id, file name): not empty, no '/', no NUL, not '.' or '..'. */
export const pathComponent = z.string().refine(isSafeComponent, {
  message: "must be one path component: not empty, no '/', no NUL, not '.' or '..'",
});

/**
 * An absolute path whose components are all safe, under one of `roots` (when given), with
 * repeated and trailing slashes dropped. Which roots exist at run time (known repositories)
 * is the service's check; this is the shape.
 */
export function pathUnder(roots: readonly string[] = ['/']) {
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
