// The values a caller may hand us that the database (or JavaScript) can
// hold: instants in years 0001–9999 and row ids that fit PostgreSQL's bigint.
// Checked where the value enters (GraphQL scalars, ids, cursors), so that an
// out-of-range value is the caller's error naming the argument, never a
// database error turned into "Unexpected error.".

/** 9999-12-31T23:59:59.999Z: later years need six digits and a sign in ISO strings; PostgreSQL stops at 294276. */
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

// 0001-01-01T00:00:00.000Z: PostgreSQL has no year 0 (Date.UTC would read year 1 as 1901).
const FIRST_INSTANT = new Date(0);
FIRST_INSTANT.setUTCFullYear(1, 0, 1);
FIRST_INSTANT.setUTCHours(0, 0, 0, 0);
/** The earliest instant accepted (0001-01-01T00:00:00.000Z). */
export const EARLIEST_MS = FIRST_INSTANT.getTime();

export function isInstantInRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST_MS && ms <= MAX_INSTANT_MS;
}

// RFC 3339 date-time: a date, `T` (or a space), a time with optional
// fraction, and a zone (Z or ±hh:mm). A time without a zone is refused rather
// than read in the server's zone.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** The instant an RFC 3339 date-time names, or a reason it is not one. */
export function parseInstant(text: string): Date | string {
  const m = RFC3339.exec(text);
  if (!m) return 'an RFC 3339 date-time with a zone, e.g. "2026-01-05T09:30:00Z" or "2026-01-05T17:30:00+08:00"';
  const [, y, mo, d, h, mi, s, , zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < 1) return 'in the years 0001–9999';
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return 'a date that exists';
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return 'a valid time of day';
  if (zone !== 'Z' && zone !== 'z' && (Number(zone!.slice(1, 3)) > 23 || Number(zone!.slice(4)) > 59)) return 'a valid zone offset';
  const date = new Date(text.replace(' ', 'T').replace(/\.(\d{3})\d+/, '.$1'));
  if (Number.isNaN(date.getTime()) || !isInstantInRange(date.getTime())) return 'in the years 0001–9999';
  return date;
}

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

const INT8_MAX = 9223372036854775807n;

/** Whether `digits` is a positive row id PostgreSQL's bigint can hold. */
export function isRowId(digits: string): boolean {
  return /^\d{1,19}$/.test(digits) && BigInt(digits) <= INT8_MAX && BigInt(digits) > 0n;
}

const DAY_MS = 86_400_000;
/** 'YYYY-MM-DDT' by day number, for formatInstant; bounded (a page of messages spans a few days). */
const dayPrefixes = new Map<number, string>();
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/**
 * `date.toISOString()`, character for character (test/unit/ranges.test.ts),
 * at a fraction of its cost: the date part is kept per day and the time of
 * day written from the number. Every DateTime of every answer goes through
 * it (50 per page of messages); toISOString was 3 % of a page's CPU.
 */
export function formatInstant(date: Date): string {
  const ms = date.getTime();
  if (!(ms >= EARLIEST_MS && ms <= MAX_INSTANT_MS)) return date.toISOString();
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size >= 4096) dayPrefixes.clear();
    prefix = date.toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const second = rest % 60;
  rest = (rest - second) / 60;
  const minute = rest % 60;
  const hour = (rest - minute) / 60;
  return `${prefix}${pad2(hour)}:${pad2(minute)}:${pad2(second)}.${milli < 10 ? `00${milli}` : milli < 100 ? `0${milli}` : milli}Z`;
}
