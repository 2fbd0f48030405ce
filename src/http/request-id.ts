// A request's id, one per request wherever it is asked for (the response
// header, the log lines, the GraphQL context): the caller's `x-request-id`
// when it is a sane token, else a new UUID.
// Kept in the request's own state, not in a WeakMap keyed by the request
// (src/execution/memo-on.ts says why).
import { randomUUID } from 'node:crypto';
import { requestState } from './request-state.ts';

export function requestIdOf(request: Request): string {
  const state = requestState(request);
  let id = state.id;
  if (!id) {
    const given = request.headers.get('x-request-id');
    id = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    state.id = id;
  }
  return id;
}
