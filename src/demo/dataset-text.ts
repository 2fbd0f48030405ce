// The dataset's (src/demo/dataset.ts) times as the legacy payloads write them
// (Asia/Shanghai wall clock) and its exact JSON text.

// ---------------------------------------------------------------------------
// Time (Asia/Shanghai is UTC+8 without DST since 1991)
// ---------------------------------------------------------------------------

const SH_OFFSET = 8 * 3600_000;
export const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedDate = '';
let cachedYmd = '';

export function p2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function setDay(day: number): void {
  if (day === cachedDay) return;
  const d = new Date(day * DAY_MS);
  const y = d.getUTCFullYear();
  const m = p2(d.getUTCMonth() + 1);
  const dd = p2(d.getUTCDate());
  cachedDate = `${y}-${m}-${dd}`;
  cachedYmd = `${y}${m}${dd}`;
  cachedDay = day;
}

/** Epoch ms → "YYYY-MM-DD HH:mm:ss" in Asia/Shanghai. */
export function formatShanghai(ms: number): string {
  const local = ms + SH_OFFSET;
  const day = Math.floor(local / DAY_MS);
  setDay(day);
  const sod = Math.floor((local - day * DAY_MS) / 1000);
  return `${cachedDate} ${p2(Math.floor(sod / 3600))}:${p2(Math.floor(sod / 60) % 60)}:${p2(sod % 60)}`;
}

/** Epoch ms → "YYYYMMDD" in Asia/Shanghai. */
export function ymdShanghai(ms: number): string {
  setDay(Math.floor((ms + SH_OFFSET) / DAY_MS));
  return cachedYmd;
}

// ---------------------------------------------------------------------------
// Exact JSON
// ---------------------------------------------------------------------------

/**
 * JSON.stringify for plain data, except that a bigint is written as bare
 * decimal digits (so ids beyond 2^53 keep every digit). Undefined object
 * members are skipped, as JSON.stringify does.
 */
export function toJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let s = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) s += ',';
          const v: unknown = value[i];
          s += v === undefined || typeof v === 'function' ? 'null' : toJson(v);
        }
        return s + ']';
      }
      let s = '{';
      let first = true;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || typeof v === 'function') continue;
        if (!first) s += ',';
        first = false;
        s += JSON.stringify(k) + ':' + toJson(v);
      }
      return s + '}';
    }
    default:
      return 'null';
  }
}
