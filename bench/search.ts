// The search benchmark (issue "Search that works for Chinese at scale"): on
// the 1M-message dataset (seed 42), 100 terms drawn from tenant 1002's
// messages — Chinese runs of 1, 2 and 3 characters and English words, each
// frequent and rare — plus 20 absent ones, searched in two scopes (the tenant,
// and its largest conversation), first 20 newest:
//   new  the search as the server runs it (src/read: searchQuery, then
//        messagePage with the search; snippets cut): tsvector @@ tsquery
//        over the GIN index of prisma/sql/search.sql;
//   old  the statement searchMessages ran before (`"searchText" ILIKE
//        '%term%'` over the trigram index), in the same run, capped by
//        --old-timeout.
// A warm-up pass, then --passes timed passes; a term's time is its median.
//
//   npx tsx bench/search.ts [--database-url postgresql://postgres@127.0.0.1:55432/bench_search_1m]
//       [--tenant 1002] [--passes 3] [--old-timeout 10000] [--out bench/results/latest-search.json]
//
// The database must be a copy of bench_read_1m migrated and reindexed:
//   psql … -c 'CREATE DATABASE bench_search_1m TEMPLATE bench_read_1m'
//   DATABASE_URL=…/bench_search_1m npx chatgraph migrate
//   DATABASE_URL=…/bench_search_1m npx chatgraph search-reindex
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { messagePage } from '../src/read/messages.ts';
import { searchQuery, snippetOf } from '../src/read/search.ts';
import { fmtInt, intArg, machineInfo, parseArgs, quantile } from './support.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const USAGE = 'usage: npx tsx bench/search.ts [--database-url URL] [--tenant 1002] [--passes 3] [--old-timeout 10000] [--out FILE]';
const log = (s: string) => process.stdout.write(s + '\n');

interface Term {
  term: string;
  kind: 'cjk1' | 'cjk2' | 'cjk3' | 'english' | 'absent';
  frequency: 'frequent' | 'rare' | 'absent';
  /** Occurrences in the sample it was drawn from. */
  sampleCount: number;
}

// Words a customer-service agent may look for that the generated data lacks
// (checked below: a term found in the tenant is not used as absent).
const ABSENT_CANDIDATES = [
  '退款', '订单', '发票', '投诉', '退货', '优惠券', '保修', '质量问题', '换货', '赔偿', '账单', '密码',
  'refund', 'invoice', 'warranty', 'complaint', 'coupon', 'password', 'chargeback', 'voucher', 'cancellation', 'subscription',
  '蛋', '鲸', '鑫', 'zyxwv', '8440000002',
];

const CJK_RUN = /[\u3400-\u4dbf\u4e00-\u9fff]+/g;
const ENGLISH_WORD = /[A-Za-z]{3,}/g;

/** Terms drawn from a sample of the tenant's texts: for each kind, the 10 most frequent and 10 of the rarest. */
function drawTerms(texts: readonly string[]): Term[] {
  const counts: Record<'cjk1' | 'cjk2' | 'cjk3' | 'english', Map<string, number>> = { cjk1: new Map(), cjk2: new Map(), cjk3: new Map(), english: new Map() };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const text of texts) {
    for (const run of text.match(CJK_RUN) ?? []) {
      const chars = [...run];
      for (let i = 0; i < chars.length; i++) {
        bump(counts.cjk1, chars[i]!);
        if (i + 2 <= chars.length) bump(counts.cjk2, chars.slice(i, i + 2).join(''));
        if (i + 3 <= chars.length) bump(counts.cjk3, chars.slice(i, i + 3).join(''));
      }
    }
    for (const w of text.match(ENGLISH_WORD) ?? []) bump(counts.english, w.toLowerCase());
  }
  const out: Term[] = [];
  for (const kind of ['cjk1', 'cjk2', 'cjk3', 'english'] as const) {
    // Ties broken by the term, so the draw is the same every run.
    const sorted = [...counts[kind]].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    for (const [term, n] of sorted.slice(0, 10)) out.push({ term, kind, frequency: 'frequent', sampleCount: n });
    const rare = sorted.slice(10).reverse().slice(0, 10);
    for (const [term, n] of rare) out.push({ term, kind, frequency: 'rare', sampleCount: n });
  }
  return out;
}

interface Timing {
  term: string;
  kind: Term['kind'];
  frequency: Term['frequency'];
  scope: 'tenant' | 'conversation';
  hits: number;
  newMs: number;
  newRows: number;
  oldMs: number | null;
  oldRows: number | null;
  oldTimedOut: boolean;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

async function main() {
  const { values } = parseArgs(process.argv.slice(2), { values: ['database-url', 'tenant', 'passes', 'old-timeout', 'out'] }, USAGE);
  const url = values.get('database-url') ?? 'postgresql://postgres@127.0.0.1:55432/bench_search_1m';
  const tenantId = values.get('tenant') ?? '1002';
  const passes = intArg(values, 'passes', 3);
  const oldTimeout = intArg(values, 'old-timeout', 10_000);
  const out = values.get('out') ?? path.join(ROOT, 'bench/results/latest-search.json');

  // Two connections: the server's pool shape for `new`, one for `old` and the bookkeeping.
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => (await admin.query<T>(sql, params)).rows[0]!;

  const missing = await one<{ n: string }>(`SELECT count(*) AS n FROM "Message" WHERE "searchVector" IS NULL`).catch(() => null);
  if (!missing) throw new Error('"Message"."searchVector" is missing: run `chatgraph migrate` on this database first (see the header)');
  if (Number(missing.n) > 0) throw new Error(`${fmtInt(Number(missing.n))} messages are not indexed yet: run \`chatgraph search-reindex\` first`);

  const total = Number((await one<{ n: string }>('SELECT count(*) AS n FROM "Message"')).n);
  const tenantMessages = Number((await one<{ n: string }>('SELECT count(*) AS n FROM "Message" WHERE "tenantId" = $1', [tenantId])).n);
  const conversation = await one<{ id: string; messageCount: number }>(
    'SELECT id::text, "messageCount" FROM "Conversation" WHERE "tenantId" = $1 ORDER BY "messageCount" DESC, id LIMIT 1',
    [tenantId],
  );
  const sizes = await one<{ gin: string; trgm: string; table: string; vectors: string }>(`SELECT
      pg_relation_size('"Message_searchVector_idx"') AS gin, pg_relation_size('"Message_searchText_idx"') AS trgm,
      pg_table_size('"Message"') AS table, (SELECT sum(pg_column_size("searchVector")) FROM "Message") AS vectors`);
  log(`${fmtInt(total)} messages; tenant ${tenantId}: ${fmtInt(tenantMessages)}; its largest conversation ${conversation.id}: ${fmtInt(conversation.messageCount)}`);
  log(`GIN index on searchVector ${fmtInt(Number(sizes.gin) / 2 ** 20)} MiB (trigram index on searchText ${fmtInt(Number(sizes.trgm) / 2 ** 20)} MiB); the vectors ${fmtInt(Number(sizes.vectors) / 2 ** 20)} MiB in the table`);

  // A deterministic sample: every 20th message of the tenant.
  const sample = (await admin.query<{ t: string }>('SELECT "searchText" AS t FROM "Message" WHERE "tenantId" = $1 AND id % 20 = 0', [tenantId])).rows.map((r) => r.t);
  const drawn = drawTerms(sample);
  const absent: Term[] = [];
  for (const term of ABSENT_CANDIDATES) {
    if (absent.length === 20) break;
    if (drawn.some((d) => d.term === term)) continue;
    const s = await searchQuery(pool, term);
    const found = await one<{ n: string }>(`SELECT count(*) AS n FROM "Message" m WHERE m."tenantId" = $1 AND m."searchVector" @@ $2::tsquery`, [tenantId, s.tsquery]);
    const substring = await one<{ n: string }>(`SELECT count(*) AS n FROM "Message" m WHERE m."tenantId" = $1 AND m."searchText" ILIKE $2`, [tenantId, `%${term}%`]);
    if (found.n === '0' && substring.n === '0') absent.push({ term, kind: 'absent', frequency: 'absent', sampleCount: 0 });
  }
  const terms = [...drawn, ...absent];
  log(`${terms.length} terms: ${drawn.length} drawn from ${fmtInt(sample.length)} sampled texts, ${absent.length} absent`);

  const scopes = [
    { scope: 'tenant' as const, filter: {} as Record<string, string> },
    { scope: 'conversation' as const, filter: { conversationId: conversation.id } as Record<string, string> },
  ];
  const runNew = async (term: string, filter: Record<string, string>) => {
    const started = process.hrtime.bigint();
    const search = await searchQuery(pool, term);
    const page = await messagePage(pool, {
      tenantId, filter: { ...filter, search }, order: 'CHAT_TIME_DESC', timeZone: 'UTC',
      columns: ['searchText', 'chatTime'], contactColumns: null,
      page: { limit: 20, forward: true, after: null, before: null, probe: false },
    });
    for (const row of page.rows) snippetOf(row.searchText, search);
    return { ms: Number(process.hrtime.bigint() - started) / 1e6, rows: page.rows.length };
  };
  await admin.query(`SET statement_timeout = ${oldTimeout}`);
  const runOld = async (term: string, filter: Record<string, string>) => {
    const started = process.hrtime.bigint();
    try {
      const { rows } = await admin.query(
        `SELECT m.id, m."chatTime", m."searchText" FROM "Message" m
          WHERE m."tenantId" = $1::bigint ${filter.conversationId ? 'AND m."conversationId" = $3::bigint' : ''} AND m."searchText" ILIKE $2
          ORDER BY m."chatTime" DESC, m.id DESC LIMIT 21`,
        [tenantId, `%${term.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`, ...(filter.conversationId ? [filter.conversationId] : [])],
      );
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, rows: Math.min(rows.length, 20), timedOut: false };
    } catch (err) {
      if ((err as { code?: string }).code !== '57014') throw err;
      return { ms: Number(process.hrtime.bigint() - started) / 1e6, rows: null, timedOut: true };
    }
  };

  const load1 = os.loadavg();
  const startedAt = new Date().toISOString();
  const timings: Timing[] = [];
  for (const { scope, filter } of scopes) {
    log(`\n${scope}: warm-up pass …`);
    for (const t of terms) await runNew(t.term, filter);
    const newTimes = new Map<string, number[]>();
    let newRows = new Map<string, number>();
    for (let p = 0; p < passes; p++) {
      for (const t of terms) {
        const r = await runNew(t.term, filter);
        newTimes.set(t.term, [...(newTimes.get(t.term) ?? []), r.ms]);
        newRows.set(t.term, r.rows);
      }
    }
    // The old statement: one pass (an absent short term scans for seconds), warm from the pass before.
    log(`${scope}: the old ILIKE statement …`);
    for (const t of terms) {
      const search = await searchQuery(pool, t.term);
      const hits = Number((await one<{ n: string }>(
        `SELECT count(*) AS n FROM "Message" m WHERE m."tenantId" = $1 ${scope === 'conversation' ? 'AND m."conversationId" = $3' : ''} AND m."searchVector" @@ $2::tsquery`,
        [tenantId, search.tsquery, ...(scope === 'conversation' ? [conversation.id] : [])],
      )).n);
      const old = await runOld(t.term, filter);
      timings.push({
        term: t.term, kind: t.kind, frequency: t.frequency, scope, hits,
        newMs: median(newTimes.get(t.term)!), newRows: newRows.get(t.term)!,
        oldMs: old.ms, oldRows: old.rows, oldTimedOut: old.timedOut,
      });
    }
    newRows = new Map();
  }
  const load2 = os.loadavg();

  const summary: Record<string, unknown> = {};
  log('\nscope         n     new p50   new p99   new max   (old p50   old p99   old max; timeouts)');
  for (const scope of ['tenant', 'conversation'] as const) {
    const rows = timings.filter((t) => t.scope === scope);
    const nw = rows.map((r) => r.newMs).sort((a, b) => a - b);
    const od = rows.map((r) => r.oldMs ?? Infinity).sort((a, b) => a - b);
    const s = {
      terms: rows.length,
      new: { p50: quantile(nw, 0.5), p99: quantile(nw, 0.99), max: nw[nw.length - 1]!, over100: rows.filter((r) => r.newMs > 100).map((r) => r.term) },
      old: { p50: quantile(od, 0.5), p99: quantile(od, 0.99), max: od[od.length - 1]!, timeouts: rows.filter((r) => r.oldTimedOut).length },
    };
    summary[scope] = s;
    const f = (x: number) => `${x.toFixed(1)} ms`.padStart(10);
    log(`${scope.padEnd(12)} ${String(rows.length).padStart(3)} ${f(s.new.p50)}${f(s.new.p99)}${f(s.new.max)}   (${f(s.old.p50)}${f(s.old.p99)}${f(s.old.max)}; ${s.old.timeouts})`);
    for (const r of rows.filter((x) => x.newMs > 50)) log(`  over 50 ms: ${r.term} (${r.kind}, ${fmtInt(r.hits)} hits) ${r.newMs.toFixed(1)} ms`);
  }

  const result = {
    benchmark: 'search',
    startedAt,
    machine: await machineInfo(url),
    loadAverage: { before: load1, after: load2, note: 'os.loadavg() (1, 5, 15 min) on a machine shared with other work' },
    dataset: { messages: total, tenantId, tenantMessages, conversationId: conversation.id, conversationMessages: conversation.messageCount, sampleTexts: sample.length },
    sizes: { ginBytes: Number(sizes.gin), trigramBytes: Number(sizes.trgm), vectorBytes: Number(sizes.vectors), tableBytes: Number(sizes.table) },
    method: { passes, statistic: 'median of the passes per term (new); one pass (old)', page: 'first 20, newest first', oldTimeoutMs: oldTimeout },
    summary,
    timings,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  log(`\nload average ${load1.map((x) => x.toFixed(1)).join(' ')} → ${load2.map((x) => x.toFixed(1)).join(' ')}; wrote ${path.relative(ROOT, out)}`);
  await admin.end();
  await pool.end();
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
