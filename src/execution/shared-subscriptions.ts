// Shared execution of identical subscriptions: a live event goes to every
// subscriber of its tenant as one object (src/events/live-hub.ts), and the
// subscribers whose operation (its text and name), variables, tenant and key
// scopes are the same get the same result for it — so it is executed once
// per event for all of them, the way gateways multiplex identical
// subscriptions, rather than once per subscriber. Never across tenants or
// scopes (both are in the key); replayed events (`since`) are copies of
// their own and executed per subscriber.
// graphql-js's subscribe is createSourceEventStream, then `execute` with
// each event as the root value: the same here, with that execution memoised
// by event.
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import type { Context } from '../graphql/context.ts';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Per live event, its results by sharing key; gone with the event. */
const byEvent = new WeakMap<object, Map<string, Result>>();

/** What makes two subscriptions' results for one event the same; null when they cannot be shared. */
export function sharingKey(args: ExecutionArgs): string | null {
  const viewer = (args.contextValue as Context | undefined)?.viewer;
  const text = args.document.loc?.source.body;
  if (!viewer || text === undefined) return null;
  return JSON.stringify([String(viewer.tenantId), [...viewer.scopes].sort(), args.operationName ?? null, args.variableValues ?? null, text]);
}

export async function sharedSubscribe(args: ExecutionArgs) {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const key = sharingKey(args);
  return mapAsyncIterator(stream as AsyncIterableIterator<unknown>, (event: unknown) => {
    if (key === null || typeof event !== 'object' || event === null || (event as { replayed?: boolean }).replayed) {
      return execute({ ...args, rootValue: event });
    }
    let results = byEvent.get(event);
    if (!results) byEvent.set(event, (results = new Map()));
    let result = results.get(key);
    if (!result) results.set(key, (result = execute({ ...args, rootValue: event }) as Result));
    return result;
  });
}

export function useSharedSubscriptions(): Plugin<Context> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
