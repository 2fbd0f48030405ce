// chatgraph import <file.jsonl> --tenant <id>
//
// JSON Lines, each line a msgPage record, a saved msgPage response, or a
// webhook body (MSG_SYNC_MESSAGE, CLIENT_SYNC_MESSAGE, CLIENT_SYNC_MESSAGE_STATUS),
// told apart by shape. Lines are validated one by one, gathered into batches
// and stored through the ingest service (the webhooks' one write path).
// Resumable: after each committed batch the byte offset and line number of
// its end are written to a checkpoint; a rerun continues from there.
// Idempotent: storing a message again changes nothing (0 inserted).
import { createHash } from 'node:crypto';
import { createReadStream, openSync, readSync, closeSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { parseJsonLossless } from '../domain/lossless-json.ts';
import { IngestValidationError, type MessageInput, type StatusUpdateInput } from '../ingest/model.ts';
import { CliError, intOption, optionalString, requirePositional, requireString, tenantIdOf, usageError, write, type CommandSpec, type Io } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';
import { requireTenant } from './keys.ts';
import { addSummary, sumTotals, emptyTotals, formatSummary, Progress, type Totals } from './progress.ts';
import { normaliseLine } from './records.ts';
import { readCheckpoint, removeCheckpoint, writeCheckpoint } from './checkpoint.ts';

const spec: CommandSpec = {
  name: 'import',
  usage: `usage: chatgraph import <file.jsonl> --tenant <id> [options]

Stores chat records from a JSON Lines file through the ingest service (the
webhooks' write path). Each line is one of, told apart by its shape:
  - a msgPage record {"id","userId","username","whatsId","actionType","chatType",
    "content","contentType","friendWhatsId","friendName","chatTime",…}
  - a saved msgPage response {"code":200,"data":{"records":[…]}}
  - a MSG_SYNC_MESSAGE body {"tenantId","timestamp","data":[…]} (accessToken ignored)
  - a CLIENT_SYNC_MESSAGE array, or a CLIENT_SYNC_MESSAGE_STATUS array
Resumable: a checkpoint (<file>.checkpoint.json) records the end of the last
committed batch; a rerun continues from it, and it is removed when the import
completes. Idempotent: importing again stores nothing new (0 inserted).

  --tenant <id>          the tenant to import into
  --checkpoint <file>    the checkpoint file (default <file>.checkpoint.json)
  --restart              ignore an existing checkpoint and start from line 1
  --skip-errors          report bad lines on stderr and go on (else stop at the first)
  --batch-size <n>       messages per transaction (default 500, 1–5000)
  --max-batches <n>      stop after n batches, keeping the checkpoint (to import in steps)
  --json                 print the summary as JSON
  --quiet                no progress on stderr`,
  options: {
    tenant: { type: 'string' },
    checkpoint: { type: 'string' },
    restart: { type: 'boolean' },
    'skip-errors': { type: 'boolean' },
    'batch-size': { type: 'string' },
    'max-batches': { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  },
  positionals: ['file.jsonl'],
};

interface ImportCheckpoint {
  version: 1;
  kind: 'import';
  file: string;
  tenantId: string;
  /** Byte offset just past the last line of the last committed batch. */
  offset: number;
  /** Lines read up to there. */
  line: number;
  /** sha256 of the file's first min(offset, 64 KiB) bytes: the same file? */
  head: string;
  totals: Totals;
  updatedAt: string;
}

function headHash(file: string, offset: number): string {
  const length = Math.min(offset, 64 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, 0);
  } finally {
    closeSync(fd);
  }
  return createHash('sha256').update(buffer).digest('hex');
}

/** Lines of a file from byte `start`, each with its number and the offset just past it. */
export async function* readLines(file: string, start: number, firstLine: number): AsyncGenerator<{ text: string; line: number; end: number }> {
  let offset = start;
  let line = firstLine;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of createReadStream(file, { start }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, from)) {
      const piece = chunk.subarray(from, i);
      const bytes = pendingBytes + piece.length + 1;
      const text = (pending.length ? Buffer.concat([...pending, piece]) : piece).toString('utf8');
      pending = [];
      pendingBytes = 0;
      offset += bytes;
      line++;
      yield { text: text.endsWith('\r') ? text.slice(0, -1) : text, line, end: offset };
      from = i + 1;
    }
    if (from < chunk.length) {
      pending.push(chunk.subarray(from));
      pendingBytes += chunk.length - from;
    }
  }
  if (pendingBytes) {
    offset += pendingBytes;
    line++;
    yield { text: Buffer.concat(pending).toString('utf8'), line, end: offset };
  }
}

export const importCommand: Command = {
  spec,
  summary: 'import a JSON Lines file of msgPage records or webhook bodies (resumable)',
  async run(p, io) {
    const file = path.resolve(requirePositional(p, spec, 0));
    const tenantId = tenantIdOf(spec, requireString(p, spec, 'tenant'));
    const batchSize = intOption(p, spec, 'batch-size', 500, 1, 5000);
    const maxBatches = p.values['max-batches'] === undefined ? Infinity : intOption(p, spec, 'max-batches', 1, 1, 1_000_000_000);
    const skipErrors = p.values['skip-errors'] === true;
    if (!existsSync(file)) throw usageError(`import: ${file} does not exist`);
    const size = statSync(file).size;
    const checkpointFile = path.resolve(optionalString(p, 'checkpoint') ?? `${file}.checkpoint.json`);
    if (p.values.restart) removeCheckpoint(checkpointFile);
    const saved = readCheckpoint<ImportCheckpoint>(checkpointFile, 'import');
    if (saved) {
      if (saved.tenantId !== tenantId.toString()) throw new CliError(`checkpoint ${checkpointFile} is of an import into tenant ${saved.tenantId}, not ${tenantId}: pass --restart to start over`);
      if (saved.offset > size || headHash(file, saved.offset) !== saved.head) throw new CliError(`checkpoint ${checkpointFile} does not match ${file} (the file changed): pass --restart to start over`);
    }

    await withContext(io, async (ctx) => {
      await requireTenant(ctx, tenantId);
      const ingest = ctx.ingest();
      const progress = new Progress(io.stderr, `import ${path.basename(file)}`, { quiet: p.values.quiet === true });
      if (saved) progress.message(`resuming ${path.basename(file)} after line ${saved.line} (byte ${saved.offset} of ${size}) from ${checkpointFile}`);
      const started = Date.now();
      const totals = emptyTotals();
      const earlier = saved?.totals ?? emptyTotals();
      let committedOffset = saved?.offset ?? 0;
      let committedLine = saved?.line ?? 0;
      let batches = 0;
      let messages: MessageInput[] = [];
      let statuses: StatusUpdateInput[] = [];
      let lastLine = committedLine;
      let lastOffset = committedOffset;
      let interrupted = false;
      const onSignal = () => {
        interrupted = true;
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);

      const checkpoint = () =>
        writeCheckpoint(checkpointFile, {
          version: 1,
          kind: 'import',
          file,
          tenantId: tenantId.toString(),
          offset: committedOffset,
          line: committedLine,
          head: headHash(file, committedOffset),
          totals: sumTotals(earlier, totals),
          updatedAt: new Date().toISOString(),
        } satisfies ImportCheckpoint);

      const flush = async () => {
        if (messages.length || statuses.length) {
          // Messages first: a status that follows its message in the file finds it.
          if (messages.length) addSummary(totals, await ingest.store(tenantId, { messages }));
          if (statuses.length) addSummary(totals, await ingest.store(tenantId, { statusUpdates: statuses }));
          totals.records += messages.length + statuses.length;
          messages = [];
          statuses = [];
          batches++;
        }
        if (lastOffset !== committedOffset) {
          committedOffset = lastOffset;
          committedLine = lastLine;
          checkpoint();
        }
        progress.update({ records: totals.records, fraction: size ? committedOffset / size : 1, note: `line ${committedLine}` });
      };

      let stoppedEarly = false;
      try {
        for await (const { text, line, end } of readLines(file, committedOffset, committedLine)) {
          let failure: string | null = null;
          if (text.trim() !== '') {
            try {
              const batch = normaliseLine(parseLine(text), { tenantId, timeZone: ctx.config.legacyTimeZone, receivedAt: new Date() });
              messages.push(...batch.messages);
              statuses.push(...batch.statusUpdates);
            } catch (err) {
              if (!(err instanceof IngestValidationError || err instanceof SyntaxError)) throw err;
              failure = `line ${line}: ${err.message}`;
            }
          }
          if (failure) {
            if (!skipErrors) {
              // Store what came before the bad line, so a rerun starts at it.
              await flush();
              progress.done();
              throw new CliError(`${failure} — the lines before it are stored; fix it and rerun to continue from it, or pass --skip-errors`);
            }
            totals.errors++;
            progress.message(`skipped ${failure}`);
          }
          lastLine = line;
          lastOffset = end;
          if (messages.length + statuses.length >= batchSize) {
            await flush();
            if (batches >= maxBatches || interrupted) {
              stoppedEarly = true;
              break;
            }
          }
        }
        if (!stoppedEarly) await flush();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        progress.done();
      }

      const elapsed = Date.now() - started;
      if (stoppedEarly) {
        report(io, p.values.json === true, { file, tenantId, complete: false, line: committedLine, totals, elapsed, checkpoint: checkpointFile });
        write(io.stderr, `stopped after line ${committedLine} (${interrupted ? 'interrupted' : `--max-batches ${maxBatches}`}); rerun the same command to continue`);
        if (interrupted) process.exitCode = 130;
        return;
      }
      removeCheckpoint(checkpointFile);
      report(io, p.values.json === true, { file, tenantId, complete: true, line: committedLine, totals, elapsed, ...(saved ? { resumedAfterLine: saved.line } : {}) });
      if (totals.errors) process.exitCode = 1;
    });
  },
};

function parseLine(text: string) {
  try {
    return parseJsonLossless(text);
  } catch (err) {
    if (err instanceof RangeError) throw new SyntaxError('not valid JSON: nested too deeply');
    throw new SyntaxError(`not valid JSON: ${(err as Error).message}`);
  }
}

function report(io: Io, json: boolean, r: { file: string; tenantId: bigint; complete: boolean; line: number; totals: Totals; elapsed: number; checkpoint?: string; resumedAfterLine?: number }): void {
  if (json) {
    write(io.stdout, JSON.stringify({ file: r.file, tenantId: r.tenantId.toString(), complete: r.complete, lines: r.line, ...r.totals, elapsedMs: r.elapsed, ...(r.checkpoint ? { checkpoint: r.checkpoint } : {}), ...(r.resumedAfterLine !== undefined ? { resumedAfterLine: r.resumedAfterLine } : {}) }));
    return;
  }
  const what = r.complete ? `imported ${path.basename(r.file)} into tenant ${r.tenantId}` : `imported ${path.basename(r.file)} into tenant ${r.tenantId} up to line ${r.line} (checkpoint ${r.checkpoint})`;
  write(io.stdout, `${what}${r.resumedAfterLine !== undefined ? ` (resumed after line ${r.resumedAfterLine})` : ''}: ${formatSummary(r.totals, r.elapsed)}`);
}
