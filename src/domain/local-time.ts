// Legacy times without a zone ("2022-10-31 16:25:42", "2023-07-01", Java's
// "Sat Jul 01 10:53:52 CST 2023") are local to one configurable IANA zone,
// Asia/Shanghai by default. Built on Intl only, so DST follows the runtime's
// time-zone data.

/** The zone legacy local times are in unless configured otherwise. */
export const DEFAULT_LEGACY_TIME_ZONE = 'Asia/Shanghai';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

// Intl.DateTimeFormat is expensive to build and the zone set is tiny: cache per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function fieldsFormatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone (e.g. "Asia/Shanghai"; not "+08:00" or "Mars/Olympus"). */
export function isValidTimeZone(zone: unknown): boolean {
  if (typeof zone !== 'string' || zone.trim() === '') return false;
  try {
    fieldsFormatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** Calendar fields of a wall-clock time. */
interface LocalFields {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

interface ZonedFields extends LocalFields {
  weekday: string; // "Mon" … "Sun"
}

// Epoch ms of the fields read as UTC. Date.UTC maps years 0–99 to 1900s, so set the year separately.
function utcOf(f: LocalFields): number {
  const d = new Date(Date.UTC(2000, f.month - 1, f.day, f.hour, f.minute, f.second, f.millisecond));
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  return d.getTime();
}

function zonedFields(epochMs: number, zone: string): ZonedFields {
  const parts = fieldsFormatter(zone).formatToParts(new Date(epochMs));
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const yearOfEra = Number(get('year'));
  // "BC" years count backwards from 1 BC = year 0 (astronomical numbering).
  const year = get('era') === 'BC' ? 1 - yearOfEra : yearOfEra;
  return {
    year,
    month: Number(get('month')),
    day: Number(get('day')),
    hour: Number(get('hour')),
    minute: Number(get('minute')),
    second: Number(get('second')),
    millisecond: ((epochMs % 1000) + 1000) % 1000,
    weekday: get('weekday'),
  };
}

// The zone's offset from UTC at an instant, in ms (+8h for Asia/Shanghai).
function offsetAt(epochMs: number, zone: string): number {
  return utcOf(zonedFields(epochMs, zone)) - epochMs;
}

// Wall-clock fields → instant. Follows java.time's rules for the two DST edge
// cases: a time in a spring-forward gap moves later by the gap (NY 02:30 → 03:30
// EDT); a time repeated at fall-back takes the earlier instant (the DST one).
// Resolving an offset costs a few Intl calls (~10 µs each), which ingest would
// pay per message: most local days have one offset all day, so the offset of
// each (zone, local day) is remembered when the offsets a day before and a day
// after it agree; days with a transition are resolved (and remembered) per
// local minute. Zone transitions fall on whole minutes.
const dayOffsetCache = new Map<string, number>();
const minuteOffsetCache = new Map<string, number>();
const OFFSET_CACHE_SIZE = 50_000;

function remember(cache: Map<string, number>, key: string, value: number): void {
  if (cache.size >= OFFSET_CACHE_SIZE) cache.clear();
  cache.set(key, value);
}

function instantOf(f: LocalFields, zone: string): number {
  const local = utcOf(f);
  const day = Math.floor(local / DAY);
  const dayKey = `${zone}|${day}`;
  let dayOffset = dayOffsetCache.get(dayKey);
  if (dayOffset === undefined) {
    // The offsets at the local day's start, taken one day either side: equal
    // means no transition in between (one transition at most within two days,
    // as resolveInstant assumes).
    const before = offsetAt(day * DAY - DAY, zone);
    const after = offsetAt(day * DAY + 2 * DAY, zone);
    dayOffset = before === after ? before : Number.NaN;
    remember(dayOffsetCache, dayKey, dayOffset);
  }
  if (!Number.isNaN(dayOffset)) return local - dayOffset;
  const minute = Math.floor(local / MINUTE);
  const key = `${zone}|${minute}`;
  const cached = minuteOffsetCache.get(key);
  if (cached !== undefined) return local - cached;
  const instant = resolveInstant(minute * MINUTE, zone) + (local - minute * MINUTE);
  remember(minuteOffsetCache, key, local - instant);
  return instant;
}

function resolveInstant(local: number, zone: string): number {
  // Offsets a day either side bracket any single transition near this time.
  const before = offsetAt(local - DAY, zone);
  const after = offsetAt(local + DAY, zone);
  const candidates = [local - before, local - after].filter((t) => offsetAt(t, zone) + t === local);
  if (candidates.length > 0) return Math.min(...candidates);
  return local - before; // in a gap: keep the pre-transition offset, landing after the gap
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;
const LOCAL_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function validDate(year: number, month: number, day: number): boolean {
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * "2022-10-31 16:25:42" (or "…T…", optionally ".SSS") local to `zone` → the instant;
 * null for anything malformed or impossible (2022-02-30, 24:00:00) or an unknown zone.
 */
export function parseLocalDateTime(text: unknown, zone: string = DEFAULT_LEGACY_TIME_ZONE): Date | null {
  if (typeof text !== 'string' || !isValidTimeZone(zone)) return null;
  const m = LOCAL_DATE_TIME.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number, number, number, number, number, number,
  ];
  // ".5" is half a second, as in ISO 8601: pad the fraction to milliseconds.
  const millisecond = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  return new Date(instantOf({ year, month, day, hour, minute, second, millisecond }, zone));
}

/** A local day as a half-open instant range [start, end); 23 or 25 hours long on DST change days. */
export interface LocalDayRange {
  start: Date;
  end: Date;
}

/** "2023-07-01" → the instants that day spans in `zone`; null when malformed, impossible, or the zone is unknown. */
export function parseLocalDay(text: unknown, zone: string = DEFAULT_LEGACY_TIME_ZONE): LocalDayRange | null {
  if (typeof text !== 'string' || !isValidTimeZone(zone)) return null;
  const m = LOCAL_DAY.exec(text.trim());
  if (!m) return null;
  const [year, month, day] = [m[1], m[2], m[3]].map(Number) as [number, number, number];
  if (!validDate(year, month, day)) return null;
  const midnight = { year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 };
  // The next calendar day, via UTC arithmetic on the fields (no zone involved).
  const next = new Date(utcOf(midnight) + DAY);
  const nextMidnight = {
    ...midnight,
    year: next.getUTCFullYear(),
    month: next.getUTCMonth() + 1,
    day: next.getUTCDate(),
  };
  return { start: new Date(instantOf(midnight, zone)), end: new Date(instantOf(nextMidnight, zone)) };
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function checkedTime(date: Date): number {
  const t = date.getTime();
  if (Number.isNaN(t)) throw new RangeError('Invalid Date');
  return t;
}

/** The local wall-clock time of an instant in `zone`, "YYYY-MM-DD HH:mm:ss" (MSG_SYNC's sendTime form). */
export function formatLocalDateTime(date: Date, zone: string = DEFAULT_LEGACY_TIME_ZONE): string {
  const f = zonedFields(checkedTime(date), zone);
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)} ${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}`;
}

// Java's short zone names (TimeZone.getDisplayName(daylight, SHORT, Locale.US))
// for the zones this CRM's users plausibly configure: [standard, daylight].
// Zones not listed get Java's own fallback, "GMT+08:00".
const JAVA_ZONE_NAMES: Readonly<Record<string, readonly [string, string]>> = {
  'Asia/Shanghai': ['CST', 'CDT'],
  'Asia/Chongqing': ['CST', 'CDT'],
  'Asia/Chungking': ['CST', 'CDT'],
  'Asia/Harbin': ['CST', 'CDT'],
  PRC: ['CST', 'CDT'],
  'Asia/Taipei': ['CST', 'CDT'],
  'Asia/Hong_Kong': ['HKT', 'HKST'],
  Hongkong: ['HKT', 'HKST'],
  'Asia/Macau': ['CST', 'CDT'],
  'Asia/Tokyo': ['JST', 'JDT'],
  'Asia/Seoul': ['KST', 'KDT'],
  'Asia/Singapore': ['SGT', 'SGT'],
  'Asia/Kolkata': ['IST', 'IST'],
  'Asia/Calcutta': ['IST', 'IST'],
  UTC: ['UTC', 'UTC'],
  'Etc/UTC': ['UTC', 'UTC'],
  'Etc/UCT': ['UTC', 'UTC'],
  UCT: ['UTC', 'UTC'],
  Universal: ['UTC', 'UTC'],
  'Etc/Universal': ['UTC', 'UTC'],
  Zulu: ['UTC', 'UTC'],
  'Etc/Zulu': ['UTC', 'UTC'],
  GMT: ['GMT', 'GMT'],
  'Etc/GMT': ['GMT', 'GMT'],
  'Europe/London': ['GMT', 'BST'],
  'Europe/Paris': ['CET', 'CEST'],
  'Europe/Berlin': ['CET', 'CEST'],
  'Europe/Madrid': ['CET', 'CEST'],
  'Europe/Rome': ['CET', 'CEST'],
  'Europe/Amsterdam': ['CET', 'CEST'],
  'Europe/Moscow': ['MSK', 'MSD'],
  'America/New_York': ['EST', 'EDT'],
  'US/Eastern': ['EST', 'EDT'],
  'America/Chicago': ['CST', 'CDT'],
  'US/Central': ['CST', 'CDT'],
  'America/Denver': ['MST', 'MDT'],
  'US/Mountain': ['MST', 'MDT'],
  'America/Phoenix': ['MST', 'MDT'],
  'America/Los_Angeles': ['PST', 'PDT'],
  'US/Pacific': ['PST', 'PDT'],
  'America/Anchorage': ['AKST', 'AKDT'],
  'Pacific/Honolulu': ['HST', 'HDT'],
  'Australia/Sydney': ['AEST', 'AEDT'],
  'Australia/Melbourne': ['AEST', 'AEDT'],
};

// Java's fallback form for a zone without a short name: "GMT+08:00", "GMT-03:30".
function gmtOffsetName(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(offsetMs) / MINUTE);
  return `GMT${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

function javaZoneName(zone: string, epochMs: number, offsetMs: number): string {
  // Look up the name as configured and as the runtime spells it ("asia/shanghai" → "Asia/Shanghai").
  const names = JAVA_ZONE_NAMES[zone] ?? JAVA_ZONE_NAMES[fieldsFormatter(zone).resolvedOptions().timeZone];
  if (!names) return gmtOffsetName(offsetMs);
  // Daylight time is whenever the offset exceeds the year's smaller (standard) offset.
  const year = new Date(epochMs).getUTCFullYear();
  const january = offsetAt(Date.UTC(year, 0, 1), zone);
  const july = offsetAt(Date.UTC(year, 6, 1), zone);
  return offsetMs > Math.min(january, july) ? names[1] : names[0];
}

/**
 * An instant as Java's Date.toString() prints it in `zone`: "Sat Jul 01 10:53:52 CST 2023"
 * (retrievePastRecords' times). Throws RangeError on an invalid Date or unknown zone.
 */
export function formatJavaDate(date: Date, zone: string = DEFAULT_LEGACY_TIME_ZONE): string {
  const t = checkedTime(date);
  const f = zonedFields(t, zone);
  const month = new Date(Date.UTC(2000, f.month - 1, 1)).toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const name = javaZoneName(zone, t, utcOf(f) - t);
  return `${f.weekday} ${month} ${pad(f.day)} ${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)} ${name} ${f.year}`;
}

// Whether a zone's UTC offset is a whole number of hours on a UTC day (true
// for most zones; not for Asia/Kolkata, Asia/Kathmandu…), per (zone, day).
const wholeHourDays = new Map<string, boolean>();

/**
 * True when the zone's offset is a whole number of hours throughout
 * [fromMs, toMs]: then its local hours are whole UTC hours. Offsets are
 * sampled at each UTC midnight and at both ends (an offset lasts far longer
 * than a day).
 */
export function hasWholeHourOffsets(zone: string, fromMs: number, toMs: number): boolean {
  const day0 = Math.floor(fromMs / DAY);
  const day1 = Math.floor(toMs / DAY) + 1;
  for (let d = day0; d <= day1; d++) {
    const key = `${zone}|${d}`;
    let whole = wholeHourDays.get(key);
    if (whole === undefined) {
      whole = offsetAt(d * DAY, zone) % HOUR === 0;
      if (wholeHourDays.size >= OFFSET_CACHE_SIZE) wholeHourDays.clear();
      wholeHourDays.set(key, whole);
    }
    if (!whole) return false;
  }
  return offsetAt(fromMs, zone) % HOUR === 0 && offsetAt(toMs, zone) % HOUR === 0;
}
