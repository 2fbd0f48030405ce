// Drops an operation's per-request caches when its execution is done.
//
// Pothos's scope-auth plugin keeps each request's scope cache in a WeakMap
// keyed by the GraphQL context, and the cache points back at the context.
// On Node 20 a young-generation GC keeps such an entry (key and value) alive
// until the next full mark-compact, so every request's context, and all it
// reaches, was promoted to the old generation (src/execution/memo-on.ts says
// what that cost). Deleting the entry once the result is made frees the
// request with the scavenge that follows.
import { RequestCache } from '@pothos/plugin-scope-auth';
import type { Plugin } from 'graphql-yoga';

export function useRequestCacheRelease(): Plugin {
  return {
    onExecute({ context }) {
      return {
        onExecuteDone() {
          RequestCache.clearForContext(context);
        },
      };
    },
  };
}
