// What the server notes about one HTTP request while answering it (its id,
// when it started, its route label), kept on the request object under a
// symbol.
//
// Why not a WeakMap keyed by the request, the usual way: on Node 20 (V8 11.3)
// a scavenge treats a WeakMap's entries as strong while the map lives in the
// old generation, so every request set as a key survives its young-generation
// collections and is promoted, with everything it reaches (headers, body,
// socket state, the GraphQL context and its rows), to be freed only by the
// next mark-compact. A microbenchmark (2,000 short-lived keys per turn, 3 s)
// promoted 314 MB with a WeakMap entry per key and 0.1 MB without one, or with
// the entry deleted before the key died; under the peer benchmark's contact
// workload ~14 KiB per request was promoted and the scavenges' pauses (3-4 ms
// each, 25 a second) made the 1-connection latency's tail.
export interface RequestState {
  id?: string;
  t0?: number;
  route?: string;
}

const STATE = Symbol('chatgraph.request');

export function requestState(request: Request): RequestState {
  const holder = request as unknown as { [STATE]?: RequestState };
  return (holder[STATE] ??= {});
}
