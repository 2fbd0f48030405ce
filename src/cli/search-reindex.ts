// chatgraph search-reindex — computes the search vector of the messages that
// lack one (stored before the search index existed; the migration indexes
// small tables itself). Batches in their own transactions, in id order: rows
// are locked only for their batch, and an interrupted run resumes where it
// stopped (done rows are skipped by their non-null vector).
import { usageError, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';
import { Progress } from './progress.ts';

const spec: CommandSpec = {
  name: 'search-reindex',
  usage: `usage: chatgraph search-reindex [--batch N]

Indexes for search the messages stored before the search index existed (the
migration does it itself for up to 100,000 messages). Runs in batches of N
messages (default 5000), each its own transaction, so the server can keep
serving and ingesting; stop it any time and run it again to resume.`,
  options: { batch: { type: 'string' } },
};

export const searchReindexCommand: Command = {
  spec,
  summary: 'index for search the messages stored before the search index existed (resumable)',
  async run(parsed, io) {
    const batch = parsed.values.batch === undefined ? 5000 : Number(parsed.values.batch);
    if (!Number.isInteger(batch) || batch < 1 || batch > 100_000) throw usageError(`search-reindex: --batch must be an integer from 1 to 100000, got "${parsed.values.batch}"`);
    await withContext(io, async (ctx) => {
      const pool = ctx.db.pool;
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM "Message" WHERE "searchVector" IS NULL');
      const total = Number(rows[0]!.n);
      const progress = new Progress(io.stderr, 'search-reindex');
      let done = 0;
      let last = '0';
      while (done < total) {
        const result = await pool.query<{ last: string | null; n: string }>(
          `WITH b AS (SELECT id FROM "Message" WHERE id > $1 AND "searchVector" IS NULL ORDER BY id LIMIT $2),
                u AS (UPDATE "Message" m SET "searchVector" = chatgraph_search_vector(m."searchText") FROM b WHERE m.id = b.id RETURNING m.id)
           SELECT max(id)::text AS last, count(*) AS n FROM u`,
          [last, batch],
        );
        const n = Number(result.rows[0]!.n);
        if (n === 0) break;
        done += n;
        last = result.rows[0]!.last!;
        progress.update({ records: done, fraction: Math.min(1, done / total) });
      }
      progress.update({ records: done, fraction: 1 }, true);
      progress.done();
      write(io.stdout, `${ctx.db.location}: ${done.toLocaleString('en-US')} messages indexed for search`);
    });
  },
};
