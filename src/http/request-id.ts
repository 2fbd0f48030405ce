// A request's id, one per request wherever it is asked for (the response
// header, the log lines, the GraphQL context): the caller's `x-request-id`
// when it is a sane token, else a new UUID.
import { randomUUID } from 'node:crypto';

const ids = new WeakMap<Request, string>();

export function requestIdOf(request: Request): string {
  let id = ids.get(request);
  if (!id) {
    const given = request.headers.get('x-request-id');
    id = given && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
    ids.set(request, id);
  }
  return id;
}
