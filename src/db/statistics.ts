// Planner statistics for the tables the write path grows, kept fresh while
// they are young.
//
// Each connection keeps the plans of chatgraph_store_batch's statements,
// made with the statistics of the moment; an ANALYZE replaces them. A new
// database has none: PostgreSQL then guesses (ten pages, a selective
// "tenantId = $1") and may pick an index that only narrows by tenant over
// the unique key it should probe, a plan that costs nothing on an empty table
// and a scan of the tenant's rows per lookup a few thousand rows later.
// Autovacuum analyzes a table after 10 % of it changed, but looks only once
// a minute: for a database filling at thousands of rows a second — a new
// tenant's import, a benchmark — that is a minute of bad plans.
//
// So the write path reports its writes here, and at most once a second a
// check asks PostgreSQL which of these tables changed by half since their
// last ANALYZE (at least MIN_CHANGED rows) and analyzes them, skipping a
// table another session is analyzing. Half, not autovacuum's tenth: growth
// is geometric, so a table of millions is analyzed rarely, and past
// MAX_TUPLES autovacuum alone is left to it. These ANALYZEs sample
// STATISTICS_TARGET × 300 rows, not the default 30,000: what the write
// path's plans need is the tables' sizes and rough distributions, and a full
// sample of a fast-growing "Message" cost a tenth of the database's CPU
// during a bulk load (measured: 1.1 s per ANALYZE at 1 M rows, 0.08 s with
// the small sample). Autovacuum's own ANALYZEs, at the default target,
// follow as usual and refine them.
import type pg from 'pg';
import type { Logger } from '../log.ts';

const TABLES = ['Contact', 'Conversation', 'Message', 'PendingStatus'];
const MIN_CHANGED = 200;
const GROWTH = 0.5;
const MAX_TUPLES = 5_000_000;
const CHECK_EVERY_MS = 1_000;
const STATISTICS_TARGET = 10;

const STALE = `
  SELECT s.relname
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
   WHERE s.schemaname = current_schema() AND s.relname = ANY($1::text[])
     AND c.reltuples < $4
     AND s.n_mod_since_analyze >= GREATEST($2, $3 * GREATEST(c.reltuples, 0))
   ORDER BY s.relname`;

export class TableStatistics {
  private lastCheck = 0;
  private running = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A write happened: check soon (in the background, never more than once a second). */
  noteWrite(): void {
    const now = this.now();
    if (this.running || now - this.lastCheck < CHECK_EVERY_MS) return;
    this.lastCheck = now;
    this.running = true;
    void this.check()
      .catch((err: unknown) => this.log.debug({ err }, 'table statistics check failed'))
      .finally(() => {
        this.running = false;
      });
  }

  /** Analyzes the tables that grew by half since their last ANALYZE; returns their names. */
  async check(): Promise<string[]> {
    const { rows } = await this.pool.query<{ relname: string }>(STALE, [TABLES, MIN_CHANGED, GROWTH, MAX_TUPLES]);
    if (!rows.length) return [];
    const names = rows.map((r) => r.relname);
    // One simple-protocol query, so one implicit transaction: SET LOCAL holds
    // for the ANALYZE only. (Not BEGIN … COMMIT over a checked-out client:
    // the embedded database serves every connection from one session, and
    // an open transaction there mixes with other connections' statements.)
    await this.pool.query(
      `SET LOCAL default_statistics_target = ${STATISTICS_TARGET}; ANALYZE (SKIP_LOCKED) ${names.map((n) => `"${n}"`).join(', ')}`,
    );
    this.log.debug({ tables: names }, 'tables analyzed after fast growth');
    return names;
  }
}
