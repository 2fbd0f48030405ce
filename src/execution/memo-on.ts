// A value memoised per object, kept on the object itself (a non-enumerable
// symbol-keyed property), not in a WeakMap keyed by it.
//
// Why not the usual WeakMap: on Node 20 (V8 11.3) a scavenge treats the
// entries of a WeakMap living in the old generation as strong, so every
// short-lived object set as a key survives its young-generation collections
// and is promoted, with its value and everything both reach, to be freed only
// by the next mark-compact. A microbenchmark (2,000 short-lived keys per
// turn, 3 s) promoted 314 MB with a WeakMap entry per key and 0.1 MB without
// one (or with the entry deleted before the key died). Keyed by HTTP
// requests and GraphQL contexts it promoted ~14 KiB per request under the
// peer benchmark's load, and its scavenges (3-4 ms each, 25 a second) made
// the 1-connection latency's tail (test/integration/request-retention.test.ts).
// Objects that cannot take a property (frozen, sealed) fall back to a WeakMap.

const fallback = new WeakMap<object, Map<symbol, unknown>>();

export function memoOn<T>(object: object, key: symbol, make: () => T): T {
  const own = (object as Record<symbol, T | undefined>)[key];
  if (own !== undefined) return own;
  if (Object.isExtensible(object)) {
    const value = make();
    Object.defineProperty(object, key, { value, enumerable: false, writable: false, configurable: true });
    return value;
  }
  let map = fallback.get(object);
  if (!map) fallback.set(object, (map = new Map()));
  if (map.has(key)) return map.get(key) as T;
  const value = make();
  map.set(key, value);
  return value;
}
