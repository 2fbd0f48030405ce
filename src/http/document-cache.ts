// Yoga's parse cache, bounded in bytes as well as entries. Yoga's default
// keeps 1 024 documents of any size: a parsed 24 KB document holds about
// 1.8 MB of AST (locations included), so 1 024 distinct hostile documents
// held ~1.8 GB. Entries are weighed by their key (the document text) and an
// estimate of their AST; validation results are cached per DocumentNode
// (a WeakMap in Yoga), so they go when their document goes. Parsing does not
// depend on the operation name or variables, so the text alone is the key;
// everything that does (the operation chosen, its cost) is computed per
// request or cached per (document, operation name) — src/http/query-cost.ts.
import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/** AST bytes per byte of document text, measured on repeated-field documents (1.8 MB for 24 KB). */
const AST_BYTES_PER_CHAR = 80;

export interface DocumentCacheLimits {
  /** Entries at most. */
  readonly entries: number;
  /** Estimated bytes at most (text and AST). */
  readonly bytes: number;
}

export const DEFAULT_DOCUMENT_CACHE: DocumentCacheLimits = { entries: 1000, bytes: 32 * 1024 * 1024 };

export function parserAndValidationCache(limits: DocumentCacheLimits = DEFAULT_DOCUMENT_CACHE) {
  const textBytes = (key: string) => 2 * key.length + 64;
  return {
    documentCache: new LRUCache<string, DocumentNode>({
      max: limits.entries,
      maxSize: limits.bytes,
      // A document larger than the whole budget is parsed every time, never held.
      maxEntrySize: limits.bytes / 4,
      sizeCalculation: (_document, key) => textBytes(key) + AST_BYTES_PER_CHAR * key.length,
    }),
    errorCache: new LRUCache<string, Error>({
      max: limits.entries,
      maxSize: limits.bytes / 4,
      maxEntrySize: limits.bytes / 16,
      sizeCalculation: (_error, key) => textBytes(key) + 1024,
    }),
    validationCache: true,
  };
}
