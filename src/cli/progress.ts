// Progress on stderr: a bar redrawn in place when stderr is a terminal
// (records, rate, ETA), else a plain line every few seconds; and the summary
// printed at the end of an import or backfill.
import type { IngestSummary } from '../ingest/service.ts';

export interface Totals {
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  pending: number;
  errors: number;
}

export function emptyTotals(): Totals {
  return { records: 0, inserted: 0, updated: 0, unchanged: 0, pending: 0, errors: 0 };
}

/** Two runs' totals together (a resumed run reports what the earlier ones stored too). */
export function sumTotals(a: Totals, b: Totals): Totals {
  return {
    records: a.records + b.records,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    unchanged: a.unchanged + b.unchanged,
    pending: a.pending + b.pending,
    errors: a.errors + b.errors,
  };
}

export function addSummary(totals: Totals, summary: IngestSummary): void {
  totals.inserted += summary.inserted;
  totals.updated += summary.updated;
  totals.unchanged += summary.unchanged;
  totals.pending += summary.pending;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** "5,000 records in 3.2 s: 4,990 inserted, 10 updated, 0 unchanged, 0 pending statuses, 0 errors". */
export function formatSummary(totals: Totals, elapsedMs: number): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(totals.records)} records in ${formatDuration(elapsedMs)}: ${n(totals.inserted)} inserted, ${n(totals.updated)} updated, ${n(totals.unchanged)} unchanged, ${n(totals.pending)} pending statuses, ${n(totals.errors)} errors`;
}

/**
 * `fraction` is how far along the work is (0–1, or null when unknown): bytes
 * read for an import, records of the window for a backfill.
 */
export interface ProgressState {
  records: number;
  fraction: number | null;
  note?: string;
}

interface LineParts {
  records: string;
  perSecond: string;
  percent: string | null;
  eta: string | null;
  note: string | null;
}

const BAR_WIDTH = 24;
const MIN_BAR_WIDTH = 10;

/**
 * The bar's line within `columns - 1` characters (a full line would wrap):
 * the bar narrows, then goes, then the note, ETA, rate and label, so that
 * the record count and the percentage always show whole (never "100").
 */
export function fitLine(label: string, fraction: number | null, p: LineParts, columns: number): string {
  const max = Math.max(1, columns - 1);
  const join = (items: (string | null)[]) => items.filter((x): x is string => Boolean(x)).join('  ');
  const bar = (width: number) => {
    const filled = fraction === null ? 0 : Math.round(Math.min(1, fraction) * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  };
  const full = join([p.records, p.perSecond, p.percent, p.eta, p.note]);
  if (fraction !== null) {
    const room = max - `${label}  ${full}`.length - 2;
    const width = Math.min(BAR_WIDTH, room);
    if (width >= MIN_BAR_WIDTH) return `${label} ${bar(width)} ${full}`;
  }
  const variants = [
    `${label} ${full}`,
    `${label} ${join([p.records, p.perSecond, p.percent, p.eta])}`,
    `${label} ${join([p.records, p.percent, p.eta])}`,
    `${label} ${join([p.records, p.percent])}`,
    join([p.records, p.percent]),
    p.percent ?? p.records,
  ];
  return variants.find((v) => v.length <= max) ?? variants.at(-1)!.slice(0, max);
}

export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly label: string,
    private readonly options: { tty?: boolean; plainEveryMs?: number; quiet?: boolean } = {},
  ) {}

  private get tty(): boolean {
    return this.options.tty ?? Boolean(this.stream.isTTY);
  }

  update(state: ProgressState, force = false): void {
    if (this.options.quiet) return;
    const now = Date.now();
    const every = this.tty ? 100 : (this.options.plainEveryMs ?? 5000);
    if (!force && now - this.lastDraw < every) return;
    this.lastDraw = now;
    const elapsed = now - this.started;
    const rate = elapsed > 0 ? (state.records * 1000) / elapsed : 0;
    const eta = state.fraction && state.fraction > 0 && state.fraction < 1 ? formatDuration((elapsed * (1 - state.fraction)) / state.fraction) : null;
    const records = `${state.records.toLocaleString('en-US')} records`;
    const perSecond = `${Math.round(rate).toLocaleString('en-US')}/s`;
    const percent = state.fraction !== null ? `${Math.floor(state.fraction * 100)}%` : null;
    const parts = [records, perSecond, ...(percent ? [percent] : []), ...(eta ? [`ETA ${eta}`] : []), ...(state.note ? [state.note] : [])];
    if (this.tty) {
      const line = fitLine(this.label, state.fraction, { records, perSecond, percent, eta: eta && `ETA ${eta}`, note: state.note ?? null }, this.stream.columns ?? 120);
      this.stream.write(`\r\x1b[2K${line}`);
      this.drawn = true;
    } else {
      this.stream.write(`${this.label}: ${parts.join(', ')}\n`);
    }
  }

  /** Ends the bar's line (a terminal), so what follows starts on its own line. */
  done(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }

  /** A message between redraws (an error line), keeping the bar below it. */
  message(text: string): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(text + '\n');
    this.drawn = false;
    this.lastDraw = 0;
  }
}
