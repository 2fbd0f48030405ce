// Yoga's parse cache, bounded in bytes as well as entries, and admitting a
// document only the second time it is seen. Yoga's default keeps 1 024
// documents of any size: a parsed 24 KB document holds about 1.8 MB of AST
// (locations included), so 1 024 distinct hostile documents held ~1.8 GB.
// Here entries are weighed by their key (the document text) and an estimate
// of their AST; and a document seen once — every one of a flood of distinct
// hostile documents — is parsed but not kept, so it evicts nothing
// (TinyLFU's "doorkeeper": only a hash of its text is remembered). An
// operation a client sends again is cached from its second request on.
// Validation results are cached per DocumentNode (a WeakMap in Yoga), so
// they go when their document goes. Parsing does not depend on the
// operation name or variables, so the text alone is the key; everything
// that does (the operation chosen, its cost) is computed per request or
// cached per (document, operation name) — src/execution/query-cost.ts.
import { createHash } from 'node:crypto';
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/** AST bytes per byte of document text, measured on repeated-field documents (1.8 MB for 24 KB). */
const AST_BYTES_PER_CHAR = 80;

export interface DocumentCacheLimits {
  /** Entries at most. */
  readonly entries: number;
  /** Estimated bytes at most (text and AST). */
  readonly bytes: number;
  /** Hashes of documents seen once, remembered at most. */
  readonly seenOnce: number;
}

export const DEFAULT_DOCUMENT_CACHE: DocumentCacheLimits = { entries: 1000, bytes: 32 * 1024 * 1024, seenOnce: 10_000 };

interface Cache<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
}

/** An LRU that admits a key on its second `set`. */
function secondSightCache<V extends object>(lru: LRUCache<string, V>, seenOnce: number): Cache<V> & { readonly lru: LRUCache<string, V> } {
  const seen = new LRUCache<string, true>({ max: seenOnce });
  const hash = (key: string) => createHash('sha256').update(key).digest('base64');
  return {
    lru,
    get: (key) => lru.get(key),
    set: (key, value) => {
      const h = hash(key);
      if (seen.has(h)) lru.set(key, value);
      else seen.set(h, true);
    },
  };
}

export function parserAndValidationCache(limits: DocumentCacheLimits = DEFAULT_DOCUMENT_CACHE) {
  const textBytes = (key: string) => 2 * key.length + 64;
  return {
    documentCache: secondSightCache(
      new LRUCache<string, DocumentNode>({
        max: limits.entries,
        maxSize: limits.bytes,
        // A document larger than a quarter of the budget is parsed every time, never held.
        maxEntrySize: limits.bytes / 4,
        sizeCalculation: (_document, key) => textBytes(key) + AST_BYTES_PER_CHAR * key.length,
      }),
      limits.seenOnce,
    ),
    errorCache: secondSightCache(
      new LRUCache<string, Error>({
        max: limits.entries,
        maxSize: limits.bytes / 4,
        maxEntrySize: limits.bytes / 16,
        sizeCalculation: (_error, key) => textBytes(key) + 1024,
      }),
      limits.seenOnce,
    ),
    validationCache: true,
  };
}
