// Non-GraphQL routes served by the same Yoga instance (so in-process tests
// reach them through `app.fetch` exactly as clients do over HTTP): health
// checks here; webhooks and legacy endpoints register the same way.
import type { Plugin, YogaServer } from 'graphql-yoga';
import { textResponse } from './response.ts';

/** The Yoga instance serving the routes: legacy adapters run GraphQL operations through its pipeline. */
export type RouteYoga = YogaServer<Record<string, any>, any>;

export type RouteHandler = (request: Request, yoga: RouteYoga) => Promise<Response> | Response;

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly handler: RouteHandler;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return textResponse(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** Serves `routes` before Yoga's GraphQL handling; other paths fall through. */
export function useRoutes(routes: readonly Route[]): Plugin {
  const byPath = new Map<string, Route[]>();
  for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
  // Routes are made before the Yoga instance they are served by: it arrives here.
  let yoga: RouteYoga | undefined;
  return {
    onYogaInit({ yoga: instance }) {
      yoga = instance;
    },
    onRequest({ request, url, endResponse }) {
      const candidates = byPath.get(url.pathname);
      if (!candidates) return;
      const route = candidates.find((r) => r.method === request.method);
      if (!route) {
        endResponse(
          json({ code: 405, message: `${request.method} is not allowed on ${url.pathname}`, data: null }, 405, {
            allow: candidates.map((r) => r.method).join(', '),
          }),
        );
        return;
      }
      return Promise.resolve(route.handler(request, yoga!)).then(endResponse);
    },
  };
}
