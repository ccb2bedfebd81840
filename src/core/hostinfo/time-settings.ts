// Validation for set_datetime / set_timezone arguments and the zone name behind an
// /etc/localtime link: pure checks, so a bad request changes nothing.
import { fail } from '../errors.js';

export type DateTimeParts = [number, number, number, number, number, number];

const daysIn = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** The six set_datetime numbers as a UTC Date, or INVALID_ARGUMENT naming the bad part. */
export function datetimePartsToDate([y, mo, d, h, mi, s]: DateTimeParts): Date {
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw fail('INVALID_ARGUMENT', what);
  };
  check(Number.isInteger(y) && y >= 1970 && y <= 2099, `year ${y} is outside 1970-2099`);
  check(Number.isInteger(mo) && mo >= 1 && mo <= 12, `month ${mo} is outside 1-12`);
  check(Number.isInteger(d) && d >= 1 && d <= daysIn(y, mo), `day ${d} does not exist in ${y}-${String(mo).padStart(2, '0')}`);
  check(Number.isInteger(h) && h >= 0 && h <= 23, `hour ${h} is outside 0-23`);
  check(Number.isInteger(mi) && mi >= 0 && mi <= 59, `minute ${mi} is outside 0-59`);
  check(Number.isInteger(s) && s >= 0 && s <= 59, `second ${s} is outside 0-59`);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s));
}

export function dateToParts(t: Date): DateTimeParts {
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate(), t.getUTCHours(), t.getUTCMinutes(), t.getUTCSeconds()];
}

/** `date -s` wants `YYYY-MM-DD HH:MM:SS`. */
export function dateToDateArg(t: Date): string {
  return t.toISOString().slice(0, 19).replace('T', ' ');
}

const ZONE_RE = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

/** Syntax only; the service also checks the zone file exists. */
export function isZoneName(tz: string): boolean {
  return tz.length > 0 && tz.length <= 128 && ZONE_RE.test(tz) && !tz.split('/').some((p) => p === '..' || p === '.');
}

export const ZONEINFO_DIR = '/usr/share/zoneinfo';

/** The zone an /etc/localtime link target names (`../usr/share/zoneinfo/Europe/Oslo`). */
export function localtimeLinkToZone(target: string): string | undefined {
  const i = target.indexOf('zoneinfo/');
  if (i < 0) return undefined;
  let z = target.slice(i + 'zoneinfo/'.length);
  // Debian links into posix/ or right/ variants on some installs.
  z = z.replace(/^(posix|right)\//, '');
  return isZoneName(z) ? z : undefined;
}
