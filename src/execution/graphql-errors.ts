// How GraphQL errors reach the caller and the log:
//   - an operation that cannot be chosen (operationName matching none, or
//     missing for a document of several) is answered with graphql-js's own
//     words, not Yoga's "Could not determine what operation to execute.";
//   - a variable the server cannot coerce is the caller's error: code
//     BAD_USER_INPUT (graphql-js names the variable and the path in it);
//   - a value the database refuses (SQLSTATE class 22, data exception) is the
//     caller's error too — a safety net: values are checked where they enter
//     (src/domain/ranges.ts), so it is logged as a warning to be mended;
//   - anything else unexpected is masked for the caller ("Unexpected error.")
//     and logged once, as JSON, with the request id, the operation name, the
//     path and the stack. Subscriptions' events are watched the same way.
import { GraphQLError, getOperationAST, type ExecutionResult } from 'graphql';
import { createGraphQLError, maskError, type Plugin } from 'graphql-yoga';
import { DATABASE_UNAVAILABLE_MESSAGE, RETRY_AFTER_SECONDS, isDataException, isDatabaseUnavailable } from '../db/errors.ts';
import type { Context } from '../graphql/context.ts';
import type { Logger } from '../log.ts';

/** The message graphql-js gives when it cannot choose the operation (execute's GetOperation). */
function operationResolutionMessage(operationName: string | null | undefined): string {
  return operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
}

/** A request error when the document's operation cannot be chosen; null when it can. */
export function operationResolutionError(document: Parameters<typeof getOperationAST>[0], operationName: string | null | undefined): GraphQLError | null {
  if (getOperationAST(document, operationName ?? undefined)) return null;
  const hasOperation = document.definitions.some((d) => d.kind === 'OperationDefinition');
  return createGraphQLError(hasOperation ? operationResolutionMessage(operationName) : 'Must provide an operation.', {
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } },
  });
}

const isVariableError = (e: GraphQLError) => !e.path && e.message.startsWith('Variable "$');

// Unexpected errors already logged (the original and its GraphQL wrapper), so
// that the last resort in maskError below does not log them twice.
const logged = new WeakSet<object>();

/** Logs an unexpected error once, with what is known of its request. */
export function logUnexpected(log: Logger, err: unknown, fields: { requestId?: string | null; operationName?: string | null; path?: string | null }, message = 'unexpected error in a GraphQL operation'): void {
  const original = err instanceof GraphQLError && err.originalError ? err.originalError : err;
  if (!original || typeof original !== 'object' || logged.has(original)) return;
  logged.add(original);
  if (err && typeof err === 'object') logged.add(err);
  log.error({ requestId: fields.requestId ?? null, operationName: fields.operationName ?? null, path: fields.path ?? null, err: original }, message);
}

/** The error as the caller should see it, and whether it must be logged (and how). */
function classify(error: GraphQLError): { error: GraphQLError; log: 'error' | 'warn' | null } {
  const original = error.originalError;
  if (isVariableError(error) && error.extensions?.code === undefined) {
    return { error: new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } }), log: null };
  }
  if (!original || original instanceof GraphQLError || isDatabaseUnavailable(original)) return { error, log: null };
  if (isDataException(original)) return { error: dataExceptionError(error, original), log: 'warn' };
  return { error, log: 'error' };
}

function dataExceptionError(error: GraphQLError | null, original: unknown): GraphQLError {
  const message = `a value in the request is outside what the database accepts (${(original as Error).message})`;
  // No originalError: Yoga masks any error that carries a non-GraphQL cause.
  return new GraphQLError(message, { nodes: error?.nodes, path: error?.path, extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Yoga's maskError: a database outage is said as such (503, Retry-After), a
 * refused value is the caller's error; anything else unexpected is masked —
 * and logged here if the plugin below did not already (an error outside
 * execution, e.g. in a plugin).
 */
export function maskGraphQLError(log: Logger) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (isDatabaseUnavailable(original)) {
      return createGraphQLError(DATABASE_UNAVAILABLE_MESSAGE, {
        extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } },
      });
    }
    if (isDataException(original)) return dataExceptionError(error instanceof GraphQLError ? error : null, original);
    const masked = maskError(error, message, isDev);
    if (masked !== error) logUnexpected(log, error, {});
    return masked;
  };
}

export function useGraphQLErrors(log: Logger): Plugin<Context> {
  const watch = (ctx: Context | undefined, operationName: string | undefined, result: ExecutionResult): ExecutionResult | null => {
    if (!result.errors?.length) return null;
    let changed = false;
    const errors = result.errors.map((e) => {
      const c = classify(e);
      const fields = { requestId: ctx?.requestId, operationName, path: e.path?.join('.') ?? null };
      if (c.log === 'error') logUnexpected(log, e, fields);
      if (c.log === 'warn') log.warn({ ...fields, err: e.originalError }, 'a value reached the database that it refuses: check it where it enters');
      if (c.error !== e) changed = true;
      return c.error;
    });
    return changed ? { ...result, errors } : null;
  };
  const nameOf = (args: { document: Parameters<typeof getOperationAST>[0]; operationName?: string | null }) =>
    getOperationAST(args.document, args.operationName ?? undefined)?.name?.value ?? args.operationName ?? undefined;

  return {
    onParse() {
      return ({ result, context }) => {
        // HTTP only (Yoga's own check runs next and would say it less precisely);
        // over graphql-ws, graphql-js's execute answers with the same words.
        const { request, params } = context as { request?: Request; params?: { operationName?: string | null } };
        if (!request || !result || result instanceof Error) return;
        // A name that is not a string is Yoga's params check's to refuse.
        if (params?.operationName != null && typeof params.operationName !== 'string') return;
        const error = operationResolutionError(result, params?.operationName);
        if (error) throw error;
      };
    },
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in result) return;
          const mended = watch(args.contextValue, nameOf(args), result);
          if (mended) setResult(mended);
        },
      };
    },
    onSubscribe({ args }) {
      return {
        onSubscribeResult({ result, setResult }) {
          const name = nameOf(args);
          if (!(Symbol.asyncIterator in result)) {
            const mended = watch(args.contextValue, name, result);
            if (mended) setResult(mended);
            return;
          }
          return {
            onNext({ result: event, setResult: setEvent }) {
              const mended = watch(args.contextValue, name, event);
              if (mended) setEvent(mended);
            },
          };
        },
        onSubscribeError({ error }) {
          // Thrown while the stream was being set up or read (not a result): logged here, masked by Yoga.
          const original = error instanceof GraphQLError ? error.originalError : error;
          if (original && !(original instanceof GraphQLError) && !isDatabaseUnavailable(original) && !isDataException(original)) {
            logUnexpected(log, error, { requestId: args.contextValue?.requestId, operationName: nameOf(args) }, 'unexpected error in a subscription');
          }
        },
      };
    },
  };
}
