// What browsers get: CORS for the origins CORS_ORIGINS names (none by
// default: GraphiQL is served from the same origin), and CSRF prevention on
// /graphql — a GET or a "simple" POST (form or text/plain body, which a
// browser sends cross-site without a preflight) must carry a header only a
// script can set, so that another site cannot make a visitor's browser run
// an operation.
// (The logic of @graphql-yoga/plugin-csrf-prevention, with an error that says
// which header to send.)
import { createGraphQLError, type CORSOptions, type Plugin } from 'graphql-yoga';

/** Any of these headers on a GET (or simple POST) to /graphql shows it was not a cross-site form or link. */
export const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'x-graphql-csrf', 'apollo-require-preflight'] as const;

/** Request headers a browser may send cross-origin. */
const ALLOWED_HEADERS = ['authorization', 'content-type', 'accept', 'token', 'x-request-id', ...CSRF_HEADERS];

/** Yoga's `cors` option: the request's origin when it is allowed, else no CORS headers at all (the browser refuses). */
export function corsOptions(origins: readonly string[] | '*'): (request: Request) => CORSOptions | false {
  const allowed = origins === '*' ? null : new Set(origins);
  return (request) => {
    const origin = request.headers.get('origin');
    if (!origin || (allowed && !allowed.has(origin))) return false;
    return {
      // ['*'] makes the server answer with the request's origin and Vary: Origin.
      origin: ['*'],
      methods: ['GET', 'POST'],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: ['retry-after'],
      // Keys go in headers, never cookies: no credentialed requests.
      credentials: false,
      maxAge: 600,
    };
  };
}

/** Content types a browser sends cross-site without a preflight. */
const SIMPLE_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

export function useCsrfPrevention(): Plugin {
  return {
    onRequestParse({ request }) {
      const contentType = request.headers.get('content-type')?.toLowerCase();
      // A JSON (or any other non-simple) body was preflighted by the browser.
      if (contentType && !SIMPLE_CONTENT_TYPES.some((simple) => contentType.startsWith(simple))) return;
      if (CSRF_HEADERS.some((name) => request.headers.has(name))) return;
      throw createGraphQLError(
        `${request.method} requests${contentType ? ` with content-type ${contentType.split(';')[0]}` : ''} to /graphql must carry the header x-graphql-yoga-csrf (any value; or apollo-require-preflight), so that no other site can send them from a browser (CSRF prevention)`,
        { extensions: { code: 'CSRF_HEADER_REQUIRED', http: { status: 403 } } },
      );
    },
  };
}
