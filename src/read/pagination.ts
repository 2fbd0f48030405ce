// Relay cursor connections over keyset order (time, id): a page costs the
// same at any depth. One SQL statement per page (or per batch of parents):
// the page rows plus, when a cursor is given, a one-row probe telling whether
// anything lies beyond the cursor on the other side.
import type pg from 'pg';
import { Params } from './sql.ts';
import { isInstantInRange, isRowId } from '../domain/ranges.ts';
import { badInput } from '../domain/bad-input.ts';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** Pages by number (`messagePage`, the legacy msgPage and retrievePastRecords). */
export const DEFAULT_OFFSET_PAGE_SIZE = 10;
export const MAX_OFFSET_PAGE_SIZE = 500;

export interface ConnectionArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/** A position in a (time, id) order, or (rank, time, id) for search results by relevance. */
export interface Keyset {
  time: Date;
  id: string;
  rank?: number;
}

export interface PageRequest {
  limit: number;
  /** Whether to find out if anything lies beyond the cursor on the other side (skip when not asked for). */
  probe?: boolean;
  /** true: `first` (walk the list order); false: `last` (walk back from the end). */
  forward: boolean;
  after: Keyset | null;
  before: Keyset | null;
}


/** Cursors are opaque: a kind letter, the time in ms, the row id and maybe a rank, base64url. */
export function encodeCursor(kind: string, key: Keyset): string {
  // ASCII only (a letter, digits, ':', '.', 'e', '-'): latin1 is the same bytes as UTF-8 here, and cheaper to encode.
  return Buffer.from(`${kind}:${key.time.getTime()}:${key.id}${key.rank !== undefined ? `:${key.rank}` : ''}`, 'latin1').toString('base64url');
}

export function decodeCursor(kind: string, cursor: string, argName: string): Keyset {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^([A-Za-z]):(-?\d{1,15}):(\d{1,19})(?::(\d{1,3}(?:\.\d{1,12})?(?:e-\d{1,2})?))?$/.exec(text);
  if (!match || match[1] !== kind || !isInstantInRange(Number(match[2])) || !isRowId(match[3]!)) {
    throw badInput(`${argName} is not a cursor of this connection: "${cursor.slice(0, 64)}"`);
  }
  return { time: new Date(Number(match[2])), id: match[3]!, ...(match[4] !== undefined ? { rank: Number(match[4]) } : {}) };
}

/** Validates first/last/after/before and the page size limits. */
export function pageRequest(kind: string, args: ConnectionArgs): PageRequest {
  const { first, last } = args;
  if (first != null && last != null) throw badInput('pass either first or last, not both');
  for (const [name, value] of [['first', first], ['last', last]] as const) {
    if (value == null) continue;
    if (value < 0) throw badInput(`${name} must not be negative, got ${value}`);
    if (value > MAX_PAGE_SIZE) throw badInput(`${name} must be at most ${MAX_PAGE_SIZE}, got ${value}`);
  }
  return {
    limit: first ?? last ?? DEFAULT_PAGE_SIZE,
    forward: last == null,
    after: args.after ? decodeCursor(kind, args.after, 'after') : null,
    before: args.before ? decodeCursor(kind, args.before, 'before') : null,
  };
}

export interface PageSpec {
  /** Column list of the page rows (aliased as the row type's fields). */
  select: string;
  /** `FROM …` with joins; the main table's alias is used by `time` and `id`. */
  from: string;
  conditions: string[];
  /** The time column of the order; null to order by id alone. */
  time: string | null;
  /** An expression ordered on before the time (search relevance); cursors then carry it. */
  rank?: string;
  id: string;
  /** The list order: newest first (true) or oldest first. */
  descending: boolean;
  params: Params;
  /** Batch mode: one page per parent id, `column = parent`. */
  parent?: { column: string; ids: readonly string[]; type: string };
  /**
   * A value read once in the same statement (an uncorrelated scalar
   * subquery), on the first row of the result as `_once`: what the rows'
   * fields will need beside them (the agent directory), without a statement
   * of its own. fetchPagesAndValue returns it.
   */
  once?: string;
}

export interface Page<Row> {
  rows: Row[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

function keysetCondition(spec: PageSpec, key: Keyset, op: '<' | '>' | '<=' | '>='): string {
  if (spec.time === null) return `${spec.id} ${op} ${spec.params.add(key.id)}::bigint`;
  if (spec.rank) {
    if (key.rank === undefined) throw badInput('the cursor is not one of results by relevance');
    return `(${spec.rank}, ${spec.time}, ${spec.id}) ${op} (${spec.params.add(String(key.rank))}::real, ${spec.params.add(key.time.toISOString())}::timestamptz, ${spec.params.add(key.id)}::bigint)`;
  }
  if (key.rank !== undefined) throw badInput('the cursor is one of results by relevance');
  return `(${spec.time}, ${spec.id}) ${op} (${spec.params.add(key.time.toISOString())}::timestamptz, ${spec.params.add(key.id)}::bigint)`;
}

/**
 * The page statement without parents: the page rows (one more than the page,
 * `_probe` false) and, when a cursor is given, the probe row (`_probe` true),
 * as `(…) UNION ALL (…)`. `extra` conditions (e.g. a parent's) apply to both.
 */
export function pageBody(spec: PageSpec, page: PageRequest, extra: readonly string[] = []): string {
  // In list order, "after c" is past c: smaller keys when newest-first.
  const past = spec.descending ? '<' : '>';
  const ahead = spec.descending ? '>' : '<';
  const where = [...spec.conditions, ...extra];
  const bounded = [...where];
  if (page.after) bounded.push(keysetCondition(spec, page.after, past));
  if (page.before) bounded.push(keysetCondition(spec, page.before, ahead));
  // Walking forward follows the list order; walking back (last) reverses it.
  const walkDesc = page.forward === spec.descending;
  const dir = walkDesc ? 'DESC' : 'ASC';
  const orderBy = spec.time === null ? `${spec.id} ${dir}` : `${spec.rank ? `${spec.rank} ${dir}, ` : ''}${spec.time} ${dir}, ${spec.id} ${dir}`;
  const rows = `SELECT false AS _probe, ${spec.select} ${spec.from} WHERE ${bounded.join(' AND ')}
                ORDER BY ${orderBy} LIMIT ${page.limit + 1}`;
  // The probe looks on the side the page did not walk from: at or before
  // `after` when going forward, at or past `before` when going back.
  const probeCursor = page.probe === false ? null : page.forward ? page.after : page.before;
  let probe = '';
  if (probeCursor) {
    const op = page.forward ? (spec.descending ? '>=' : '<=') : spec.descending ? '<=' : '>=';
    probe = ` UNION ALL (SELECT true AS _probe, ${spec.select} ${spec.from} WHERE ${[...where, keysetCondition(spec, probeCursor, op)].join(' AND ')} LIMIT 1)`;
  }
  return `(${rows})${probe}`;
}

/**
 * The pages of the rows a page statement returned, by `_parent` ('' without
 * parents; `keys` are the pages to answer even when empty). Rows whose
 * `_probe` is null (an outer join that found no row) are no rows.
 */
export function pagesOf<Row>(rows: readonly (Row & { _probe: boolean | null; _parent?: string })[], page: PageRequest, keys: readonly string[] = ['']): Map<string, Page<Row>> {
  const pages = new Map<string, Page<Row>>();
  const pageOf = (key: string) => {
    let p = pages.get(key);
    if (!p) pages.set(key, (p = { rows: [], hasNextPage: false, hasPreviousPage: false }));
    return p;
  };
  for (const id of keys) pageOf(id);
  const probed = new Set<string>();
  for (const row of rows) {
    const key = row._parent ?? '';
    if (row._probe === null) continue;
    if (row._probe) probed.add(key);
    else pageOf(key).rows.push(row);
  }
  for (const [key, p] of pages) {
    const more = p.rows.length > page.limit;
    if (more) p.rows.length = page.limit;
    if (!page.forward) p.rows.reverse();
    if (page.forward) {
      p.hasNextPage = more;
      p.hasPreviousPage = probed.has(key);
    } else {
      p.hasPreviousPage = more;
      p.hasNextPage = probed.has(key);
    }
  }
  return pages;
}

/** Runs the page query (one statement) and returns the page of each parent ('' without parents). */
export async function fetchPages<Row>(
  pool: pg.Pool,
  spec: PageSpec,
  page: PageRequest,
): Promise<Map<string, Page<Row>>> {
  return (await fetchPagesAndValue<Row>(pool, spec, page)).pages;
}

/**
 * A select-list column carrying `sql` (an uncorrelated scalar subquery) on
 * the statement's first row only, as `_once`: row_number over the
 * statement's own rows (after its LIMITs, not over the rows they walk), and
 * the subquery evaluated once. onceValue reads it back.
 */
export function onceColumn(sql: string): string {
  return `CASE WHEN row_number() OVER () = 1 THEN ${sql} END AS _once`;
}

/** The value onceColumn put on one of `rows` (null when there were none). */
export function onceValue(rows: readonly { _once?: string | null }[]): string | null {
  return rows.find((r) => r._once != null)?._once ?? null;
}

/** fetchPages, and the value of `spec.once` (null without it, or when the statement found no row). */
export async function fetchPagesAndValue<Row>(
  pool: pg.Pool,
  spec: PageSpec,
  page: PageRequest,
): Promise<{ pages: Map<string, Page<Row>>; value: string | null }> {
  const body = pageBody(spec, page, spec.parent ? [`${spec.parent.column} = parent.id`] : []);
  let sql = spec.parent
    ? `SELECT parent.id::text AS _parent, p.* FROM unnest(${spec.params.add(spec.parent.ids)}::${spec.parent.type}[]) AS parent(id)
       CROSS JOIN LATERAL (${body}) p`
    : body;
  if (spec.once) sql = `SELECT r.*, ${onceColumn(spec.once)} FROM (${sql}) r`;
  const result = await pool.query<Row & { _probe: boolean; _parent?: string; _once?: string | null }>(sql, spec.params.values);
  const value = spec.once ? onceValue(result.rows) : null;
  return { pages: pagesOf<Row>(result.rows, page, spec.parent?.ids ?? ['']), value };
}

export interface ConnectionResult<Node> {
  edges: { cursor: string; node: Node }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: () => Promise<number>;
}

export function toConnection<Row>(
  page: Page<Row>,
  cursorOf: (row: Row) => string,
  totalCount?: () => Promise<number>,
): ConnectionResult<Row> {
  const edges = page.rows.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
    totalCount,
  };
}
