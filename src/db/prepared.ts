// Statements prepared once per connection: a parameterised query that comes
// back (the same text: the read path builds one text per operation shape)
// is sent as a named statement, so PostgreSQL parses and plans it once per
// connection instead of on every request. Planning a page of messages takes
// about 0.3 ms, three times its execution (EXPLAIN ANALYZE on the benchmark
// database): the difference between PostGraphile (which prepares too) and
// us on one connection. The plans PostgreSQL caches for our page statements
// are the same index scans as the per-request ones (checked with
// plan_cache_mode = force_generic_plan).
//
// Bounded: a text is named the second time it is seen, at most MAX_NAMED
// texts per process (later ones stay unnamed), so a flood of distinct
// statements costs neither side memory. Only `pool.query(text, values)` and
// `{ text, values }` calls without a name, row mode or type parsers of their
// own (Prisma's adapter passes its own) — never a parameterless call, which
// may hold several statements (migrations).
import { createHash } from 'node:crypto';
import pg from 'pg';

const MAX_NAMED = 512;
const MAX_SEEN = 4096;
const named = new Map<string, string>();
const seenOnce = new Set<string>();
/** Texts whose named statement failed as stale ("cached plan must not change result type", after DDL): sent unnamed from then on. */
const unnamed = new Set<string>();

function nameFor(text: string): string | undefined {
  const name = named.get(text);
  if (name !== undefined || unnamed.has(text)) return name;
  if (named.size >= MAX_NAMED) return undefined;
  if (!seenOnce.has(text)) {
    if (seenOnce.size >= MAX_SEEN) seenOnce.clear();
    seenOnce.add(text);
    return undefined;
  }
  seenOnce.delete(text);
  const fresh = `cg_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
  named.set(text, fresh);
  return fresh;
}

type Callback = (err: Error | null, result?: unknown) => void;

export class PreparingClient extends pg.Client {
  // pg's query() is overloaded; this only rewrites the two plain forms and passes everything else through.
  override query(config: unknown, values?: unknown, callback?: unknown): never {
    let text: string | undefined;
    let params: unknown[] | undefined;
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      text = config;
      params = values;
    } else if (config && typeof config === 'object' && !('submit' in config)) {
      const c = config as { text?: unknown; values?: unknown; name?: unknown; rowMode?: unknown; types?: unknown };
      if (typeof c.text === 'string' && Array.isArray(c.values) && c.values.length > 0 && c.name === undefined && c.rowMode === undefined && c.types === undefined) {
        text = c.text;
        params = c.values;
        // (config, callback) or, from pg-pool, (config, undefined, callback).
        if (typeof values === 'function') callback = values;
      }
    }
    const name = text !== undefined ? nameFor(text) : undefined;
    const query = super.query as (...args: unknown[]) => never;
    if (name === undefined) return query.call(this, config, values, callback);
    const plain = { text, values: params };
    const retryIfStale = (run: (cb?: Callback) => unknown, cb?: Callback) => {
      const stale = (err: unknown) => (err as { code?: string } | null)?.code === '0A000' && /cached plan must not change result type/.test(String((err as Error).message));
      if (typeof cb === 'function') {
        return run((err, result) => {
          if (err && stale(err)) {
            unnamed.add(text!);
            named.delete(text!);
            return void query.call(this, plain, cb);
          }
          cb(err, result);
        });
      }
      return (run() as Promise<unknown>).catch((err: unknown) => {
        if (!stale(err)) throw err;
        unnamed.add(text!);
        named.delete(text!);
        return query.call(this, plain);
      });
    };
    return retryIfStale((cb) => query.call(this, { name, text, values: params }, cb), callback as Callback | undefined) as never;
  }
}
