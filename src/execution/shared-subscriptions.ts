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
// Over graphql-ws a live event whose shared result is ready at once and has
// no errors is written as its `next` frame straight from the fan-out, from a
// payload serialised once per event and sharing key: no per-subscriber
// promise chain (the stream, the plugins' result hooks, graphql-ws's loop),
// which is what a delivery cost. Everything else (results with errors, which
// the plugins log and mask; results still loading; replays) takes the
// stream as before, in order (LiveFeed.writeDirectly).
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';
import type { Context } from '../graphql/context.ts';
import { memoOn } from './memo-on.ts';

type Result = ExecutionResult | Promise<ExecutionResult>;

/** Per live event, its results by sharing key; kept on the event, gone with it (src/execution/memo-on.ts says why not in a WeakMap). */
const RESULTS = Symbol('chatgraph.sharedResults');

/** An error-free result's payload, serialised once for every subscriber sharing it. */
const PAYLOAD = Symbol('chatgraph.payload');

/** JSON of an error-free result (graphql-ws's `next` payload, an SSE `data:`), computed once per result. */
export function serialisedPayload(result: ExecutionResult): string {
  return memoOn(result, PAYLOAD, () => JSON.stringify(result));
}

/**
 * Where a subscription's `next` frames can be written without its stream: its
 * graphql-ws socket and id (src/http/websocket.ts), carried in the operation's
 * root value. sharedSubscribe gives it the operation and sharing key, and
 * hands it to the feed (LiveFeed.writeDirectly): a live event then goes from
 * the fan-out to `write` — its shared result, written as a frame — with the
 * state of both on this one object (src/events/live-hub.ts says why that
 * matters). `writeResult` returns false when it cannot take the frame now
 * (the socket is closed or has too much waiting): the stream takes the event.
 */
export abstract class NextFrames {
  private args: ExecutionArgs | null = null;
  private key: string | null = null;

  /** Writes an error-free result's `next` frame. */
  abstract writeResult(result: ExecutionResult): boolean;

  /** Live events of the operation `args`, sharing results under `key`. */
  feed(args: ExecutionArgs, key: string): void {
    this.args = args;
    this.key = key;
  }

  /** A live event: its shared result, if ready at once and error-free, written as a frame. */
  write(event: unknown): boolean {
    if (this.args === null || typeof event !== 'object' || event === null) return false;
    const result = resultOf(this.args, this.key!, event);
    if ('then' in result || result.errors !== undefined) return false;
    return this.writeResult(result);
  }
}

/** The root value's NextFrames, if the operation came over graphql-ws. */
function nextFramesOf(root: unknown): NextFrames | null {
  const frames = (root as { frames?: unknown } | null | undefined)?.frames;
  return frames instanceof NextFrames ? frames : null;
}

interface DirectFeed {
  writeDirectly(writer: { write(event: unknown): boolean }): void;
}

/**
 * Over SSE, Yoga writes a result with its `stringify` when it has one
 * (graphql-yoga's result processors): an error-free shared result carries
 * one (not enumerable, so never serialised itself) that answers with the
 * payload serialised once, so SSE streams sharing a result share its JSON as
 * graphql-ws sockets do. Anything else it is handed is serialised as usual.
 */
function shareSerialisation(result: ExecutionResult): ExecutionResult {
  if (result.errors === undefined && Object.isExtensible(result)) {
    Object.defineProperty(result, 'stringify', {
      value: (value: unknown) => (value === result ? serialisedPayload(result) : JSON.stringify(value)),
      enumerable: false,
    });
  }
  return result;
}

function resultOf(args: ExecutionArgs, key: string, event: object): Result {
  const results = memoOn(event, RESULTS, () => new Map<string, Result>());
  let result = results.get(key);
  if (!result) {
    const executed = execute({ ...args, rootValue: event }) as Result;
    result = 'then' in executed ? executed.then(shareSerialisation) : shareSerialisation(executed);
    results.set(key, result);
  }
  return result;
}

/**
 * One string per distinct sharing key, so that the per-event lookup of each
 * subscriber's key compares pointers, not a few hundred characters of
 * operation text per delivery. Only a speed-up (equal strings are equal
 * keys either way): bounded by starting afresh when it grows past
 * INTERNED_KEYS.
 */
const interned = new Map<string, string>();
const INTERNED_KEYS = 10_000;

function intern(key: string): string {
  const known = interned.get(key);
  if (known !== undefined) return known;
  if (interned.size >= INTERNED_KEYS) interned.clear();
  interned.set(key, key);
  return key;
}

/** What makes two subscriptions' results for one event the same; null when they cannot be shared. */
export function sharingKey(args: ExecutionArgs): string | null {
  const viewer = (args.contextValue as Context | undefined)?.viewer;
  const text = args.document.loc?.source.body;
  if (!viewer || text === undefined) return null;
  return intern(JSON.stringify([String(viewer.tenantId), [...viewer.scopes].sort(), args.operationName ?? null, args.variableValues ?? null, text]));
}

export async function sharedSubscribe(args: ExecutionArgs) {
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream;
  const key = sharingKey(args);
  const frames = nextFramesOf(args.rootValue);
  if (key !== null && frames && typeof (stream as Partial<DirectFeed>).writeDirectly === 'function') {
    frames.feed(args, key);
    (stream as unknown as DirectFeed).writeDirectly(frames);
  }
  return mapAsyncIterator(stream as AsyncIterableIterator<unknown>, (event: unknown) => {
    if (key === null || typeof event !== 'object' || event === null || (event as { replayed?: boolean }).replayed) {
      return execute({ ...args, rootValue: event });
    }
    return resultOf(args, key, event);
  });
}

export function useSharedSubscriptions(): Plugin<Context> {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(sharedSubscribe as never);
    },
  };
}
