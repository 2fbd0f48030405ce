// chatgraph backfill --from <msgPage URL> --token <key> --tenant <id>
//
// Pages through a legacy msgPage endpoint (the original server's, or our own
// /wscrm-bus-api/open/message/msgPage) and stores every record through the
// ingest service.
//
// Paging stability. msgPage lists newest first by page number, so messages
// arriving during a backfill would shift every page after the first. Instead
// of page numbers over a moving list, the walk is a keyset walk over chat
// time inside a fixed window [since, until] (until defaults to the moment the
// backfill started and is kept in the checkpoint):
//   request page 1 of [since, upper] (startChatTime/endChatTime, inclusive);
//   store it; upper := the oldest chat time on the page; repeat.
// Records at exactly `upper` are read again on the next request and skipped
// by their record id (kept for that one millisecond only); when a whole page
// shares one millisecond, the walk pages through that millisecond by page
// number (page 2, 3, …) until it has passed it. New messages (chat time after
// `until`) never enter the window; a message stored late with a chat time the
// walk has already passed is not seen (run a second backfill with --since to
// pick such stragglers up: it is idempotent).
// The checkpoint (upper, page, ids seen at upper, window) is written after
// each stored page; a rerun resumes from it, and it is removed when the walk
// completes.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { parseJsonLossless, type LosslessJsonValue } from '../domain/lossless-json.ts';
import { isObject } from '../ingest/fields.ts';
import { IngestValidationError, type MessageInput } from '../ingest/model.ts';
import { CliError, intOption, optionalString, requireString, tenantIdOf, timeOption, usageError, write, type CommandSpec, type Io } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';
import { requireTenant } from './keys.ts';
import { addSummary, sumTotals, emptyTotals, formatSummary, Progress, type Totals } from './progress.ts';
import { messageFromMsgPageRecord } from './records.ts';
import { readCheckpoint, removeCheckpoint, writeCheckpoint } from './checkpoint.ts';

const spec: CommandSpec = {
  name: 'backfill',
  usage: `usage: chatgraph backfill --from <msgPage URL> --token <key> --tenant <id> [options]

Copies the chat records of a legacy msgPage endpoint into this database,
through the ingest service. Walks newest to oldest by chat time inside a fixed
window (new messages arriving meanwhile do not shift it); resumable from a
checkpoint; idempotent (a rerun stores nothing new).

  --from <url>           the msgPage URL, e.g. http://old-host/wscrm-bus-api/open/message/msgPage
  --token <key>          the source's API key (sent as the "token" header)
  --tenant <id>          the tenant to store into (and to ask the source for)
  --source-tenant <id>   the tenantId to ask the source for, when it differs
  --since <time>         oldest chat time to copy (ISO 8601 or epoch ms; default: all)
  --until <time>         newest chat time to copy (default: when the backfill starts)
  --page-size <n>        records per request (default 200, at most 500)
  --checkpoint <file>    the checkpoint file (default $DATA_DIR/backfill-<tenant>-<hash>.json)
  --restart              ignore an existing checkpoint
  --max-pages <n>        stop after n pages, keeping the checkpoint
  --skip-errors          report records that do not map and go on (else stop)
  --json                 print the summary as JSON
  --quiet                no progress on stderr

A msgPage record has no WhatsApp message id and no status: the message id
stored is "msgpage:<record id>", the status PENDING when sent and DELIVERED
when received (later webhooks still raise it).`,
  options: {
    from: { type: 'string' },
    token: { type: 'string' },
    tenant: { type: 'string' },
    'source-tenant': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    'page-size': { type: 'string' },
    checkpoint: { type: 'string' },
    restart: { type: 'boolean' },
    'max-pages': { type: 'string' },
    'skip-errors': { type: 'boolean' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
};

export interface WalkState {
  /** Inclusive upper chat time (epoch ms) of what is left to walk. */
  upper: number;
  /** Page number within [since, upper]: 1 unless a whole page shared one millisecond. */
  page: number;
  /** Record ids at chat time `upper` already stored. */
  seenAtUpper: string[];
}

interface BackfillCheckpoint extends WalkState {
  version: 1;
  kind: 'backfill';
  from: string;
  sourceTenant: string;
  tenantId: string;
  since: number;
  until: number;
  pageSize: number;
  /** Records in the window when the walk started (for progress). */
  windowTotal: number | null;
  pages: number;
  totals: Totals;
  updatedAt: string;
}

export interface MsgPageRecordRef {
  id: string;
  chatTime: number;
}

/**
 * The next state of the walk after a page of `records` (newest first) was
 * stored; null when the window is exhausted. Pure, for the unit tests.
 */
export function nextWalkState(state: WalkState, records: readonly MsgPageRecordRef[], pageSize: number): WalkState | null {
  if (records.length < pageSize) return null;
  const oldest = records[records.length - 1]!.chatTime;
  if (oldest === state.upper) {
    // The whole page is one millisecond: page through it.
    return { upper: state.upper, page: state.page + 1, seenAtUpper: [...new Set([...state.seenAtUpper, ...records.map((r) => r.id)])] };
  }
  return { upper: oldest, page: 1, seenAtUpper: records.filter((r) => r.chatTime === oldest).map((r) => r.id) };
}

/** The records of a page not stored before (those at `upper` already seen are skipped). */
export function freshRecords<T extends MsgPageRecordRef>(state: WalkState, records: readonly T[]): T[] {
  const seen = new Set(state.seenAtUpper);
  return records.filter((r) => !(r.chatTime === state.upper && seen.has(r.id)));
}

class SourceError extends CliError {}

async function fetchPage(url: string, token: string, body: unknown): Promise<{ total: number; records: LosslessJsonValue[] }> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 4; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', token }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 500 * attempt));
      continue;
    }
    const text = await res.text();
    let parsed: LosslessJsonValue;
    try {
      parsed = parseJsonLossless(text);
    } catch {
      throw new SourceError(`${url} answered HTTP ${res.status} with something that is not JSON: ${text.slice(0, 200)}`);
    }
    const envelope = isObject(parsed) ? parsed : {};
    const code = envelope.code;
    if (code === 503 || res.status === 503 || res.status === 429) {
      lastError = new Error(`HTTP ${res.status} ${String(envelope.message ?? '')}`);
      await new Promise((r) => setTimeout(r, 1000 * attempt));
      continue;
    }
    if (code !== 200 || !isObject(envelope.data) || !Array.isArray(envelope.data.records)) {
      const hint = code === 401 ? ' (is --token a valid READ key of the source?)' : code === 403 ? ' (is --source-tenant the tenant of the key?)' : '';
      throw new SourceError(`${url} refused the request: code ${String(code ?? res.status)}, "${String(envelope.message ?? text.slice(0, 200))}"${hint}`);
    }
    const total = envelope.data.total;
    return { total: typeof total === 'number' ? total : Number(total ?? 0), records: envelope.data.records };
  }
  const cause = (lastError as { cause?: { code?: string } })?.cause?.code ?? (lastError as Error)?.message;
  throw new SourceError(`${url} cannot be reached after 4 attempts (${cause}); the checkpoint is kept: rerun to continue`);
}

export const backfillCommand: Command = {
  spec,
  summary: 'copy chat records from a legacy msgPage endpoint (resumable)',
  async run(p, io) {
    const from = requireString(p, spec, 'from');
    let fromUrl: URL;
    try {
      fromUrl = new URL(from);
    } catch {
      throw usageError(`backfill: --from must be the msgPage URL (http://host/wscrm-bus-api/open/message/msgPage), got "${from}"`);
    }
    if (!/^https?:$/.test(fromUrl.protocol)) throw usageError(`backfill: --from must be an http(s) URL, got "${from}"`);
    const token = requireString(p, spec, 'token');
    const tenantId = tenantIdOf(spec, requireString(p, spec, 'tenant'));
    const sourceTenant = tenantIdOf(spec, optionalString(p, 'source-tenant') ?? tenantId.toString(), '--source-tenant');
    const since = timeOption(p, spec, 'since') ?? 0;
    const untilGiven = timeOption(p, spec, 'until');
    const pageSize = intOption(p, spec, 'page-size', 200, 1, 500);
    const maxPages = p.values['max-pages'] === undefined ? Infinity : intOption(p, spec, 'max-pages', 1, 1, 1_000_000_000);
    const skipErrors = p.values['skip-errors'] === true;
    if (untilGiven !== undefined && untilGiven < since) throw usageError(`backfill: --until (${new Date(untilGiven).toISOString()}) is before --since (${new Date(since).toISOString()})`);

    await withContext(io, async (ctx) => {
      await requireTenant(ctx, tenantId);
      const key = createHash('sha256').update(`${fromUrl.href}|${sourceTenant}|${since}|${untilGiven ?? ''}`).digest('hex').slice(0, 10);
      const checkpointFile = path.resolve(optionalString(p, 'checkpoint') ?? path.join(ctx.config.dataDir, `backfill-${tenantId}-${key}.json`));
      if (p.values.restart) removeCheckpoint(checkpointFile);
      const saved = readCheckpoint<BackfillCheckpoint>(checkpointFile, 'backfill');
      if (saved && (saved.from !== fromUrl.href || saved.tenantId !== tenantId.toString() || saved.sourceTenant !== sourceTenant.toString())) {
        throw new CliError(`checkpoint ${checkpointFile} is of another backfill (${saved.from}, tenant ${saved.tenantId}): pass --restart or another --checkpoint`);
      }
      const until = saved?.until ?? untilGiven ?? Date.now();
      const windowSince = saved?.since ?? since;
      let state: WalkState = saved ? { upper: saved.upper, page: saved.page, seenAtUpper: saved.seenAtUpper } : { upper: until, page: 1, seenAtUpper: [] };
      let windowTotal = saved?.windowTotal ?? null;
      let pages = saved?.pages ?? 0;
      const earlier = saved?.totals ?? emptyTotals();
      const progress = new Progress(io.stderr, 'backfill', { quiet: p.values.quiet === true });
      if (saved) progress.message(`resuming the backfill of ${fromUrl.href} at chat time ${new Date(state.upper).toISOString()} (page ${state.page}; ${pages} pages stored) from ${checkpointFile}`);
      const ingest = ctx.ingest();
      const totals = emptyTotals();
      const started = Date.now();
      let pagesThisRun = 0;
      let done = false;
      let interrupted = false;
      const onSignal = () => {
        interrupted = true;
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        while (!done) {
          const { total, records } = await fetchPage(fromUrl.href, token, {
            tenantId: sourceTenant.toString(),
            current: state.page,
            pageSize,
            info: { startChatTime: windowSince, endChatTime: state.upper },
          });
          if (windowTotal === null) windowTotal = total;
          // Identify each record (id, chatTime) before mapping, for the walk.
          const refs: (MsgPageRecordRef & { record: LosslessJsonValue; index: number })[] = [];
          records.forEach((record, index) => {
            const r = isObject(record) ? record : {};
            const id = typeof r.id === 'string' || typeof r.id === 'number' || typeof r.id === 'bigint' ? String(r.id) : '';
            const chatTime = typeof r.chatTime === 'number' ? r.chatTime : NaN;
            if (!id || !Number.isFinite(chatTime)) {
              throw new CliError(`page ${state.page} at chat time ≤ ${new Date(state.upper).toISOString()}: record ${index} has no id or chatTime: the source is not a msgPage endpoint?`);
            }
            refs.push({ id, chatTime, record, index });
          });
          const messages: MessageInput[] = [];
          for (const ref of freshRecords(state, refs)) {
            try {
              messages.push(messageFromMsgPageRecord(ref.record, `records[${ref.index}]`));
            } catch (err) {
              if (!(err instanceof IngestValidationError)) throw err;
              const line = `record id ${ref.id} (chat time ${new Date(ref.chatTime).toISOString()}): ${err.message}`;
              if (!skipErrors) throw new CliError(`${line} — pages before it are stored; pass --skip-errors to go on without it`);
              totals.errors++;
              progress.message(`skipped ${line}`);
            }
          }
          if (messages.length) addSummary(totals, await ingest.store(tenantId, { messages }));
          totals.records += messages.length;
          pages++;
          pagesThisRun++;
          const next = nextWalkState(state, refs, pageSize);
          if (!next) {
            done = true;
            break;
          }
          state = next;
          writeCheckpoint(checkpointFile, {
            version: 1,
            kind: 'backfill',
            from: fromUrl.href,
            sourceTenant: sourceTenant.toString(),
            tenantId: tenantId.toString(),
            since: windowSince,
            until,
            pageSize,
            windowTotal,
            pages,
            ...state,
            totals: { ...sumTotals(earlier, totals) },
            updatedAt: new Date().toISOString(),
          } satisfies BackfillCheckpoint);
          const remaining = Math.max(0, total - records.length);
          progress.update({ records: totals.records, fraction: windowTotal ? Math.min(1, 1 - remaining / windowTotal) : null, note: `page ${pages}, ≤ ${new Date(state.upper).toISOString()}` });
          if (pagesThisRun >= maxPages || interrupted) break;
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        progress.done();
      }
      const elapsed = Date.now() - started;
      const window = `${new Date(windowSince).toISOString()} … ${new Date(until).toISOString()}`;
      if (!done) {
        report(io, p.values.json === true, { complete: false, tenantId, window, pages, totals, elapsed, checkpoint: checkpointFile });
        write(io.stderr, `stopped after ${pagesThisRun} page${pagesThisRun === 1 ? '' : 's'} (${interrupted ? 'interrupted' : `--max-pages ${maxPages}`}); rerun the same command to continue`);
        if (interrupted) process.exitCode = 130;
        return;
      }
      removeCheckpoint(checkpointFile);
      report(io, p.values.json === true, { complete: true, tenantId, window, pages, totals, elapsed, ...(saved ? { resumed: true } : {}) });
      if (totals.errors) process.exitCode = 1;
    });
  },
};

function report(io: Io, json: boolean, r: { complete: boolean; tenantId: bigint; window: string; pages: number; totals: Totals; elapsed: number; checkpoint?: string; resumed?: boolean }): void {
  if (json) {
    write(io.stdout, JSON.stringify({ complete: r.complete, tenantId: r.tenantId.toString(), window: r.window, pages: r.pages, ...r.totals, elapsedMs: r.elapsed, ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}), ...(r.resumed ? { resumed: true } : {}) }));
    return;
  }
  const what = r.complete ? `backfilled tenant ${r.tenantId} (${r.window}, ${r.pages} pages${r.resumed ? ', resumed' : ''})` : `backfilled tenant ${r.tenantId} partly (${r.pages} pages so far; checkpoint ${r.checkpoint})`;
  write(io.stdout, `${what}: ${formatSummary(r.totals, r.elapsed)}`);
}
