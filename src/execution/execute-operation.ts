// Runs one of the server's own GraphQL operations (schema/operations/, typed
// by codegen) through the Yoga/Envelop pipeline that serves /graphql: the same
// context factory (the API key in `authorization` is authenticated there),
// the auth gate, the parse and validation caches, graphql-js execution and error
// masking — without HTTP or JSON in between. The legacy REST adapters are
// built on it, so they hold no query logic of their own.
import { GraphQLError, Kind, print, type DocumentNode, type ExecutionResult } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { Context } from '../graphql/context.ts';
import type { RouteYoga } from '../http/routes.ts';

export interface OperationCall<TResult, TVariables> {
  document: TypedDocumentNode<TResult, TVariables>;
  variables: TVariables;
  /** The API key, passed to the context factory as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** The incoming request (its x-request-id is kept). */
  request: Request;
  /**
   * Called with the built context (viewer resolved) before execution, to
   * refuse a request the operation should not run for (it throws).
   */
  beforeExecute?: (context: Context) => void;
}

interface Source {
  query: string;
  operationName: string | undefined;
}

// The printed text of each document, made once: Yoga's parse cache is keyed by
// it and returns the same DocumentNode each time, which keys the validation
// and JIT caches.
const sources = new WeakMap<DocumentNode, Source>();

function sourceOf(document: DocumentNode): Source {
  let source = sources.get(document);
  if (!source) {
    const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    source = { query: print(document), operationName: operation?.name?.value };
    sources.set(document, source);
  }
  return source;
}

/**
 * The operation's result. GraphQL errors (bad input, authentication, scope)
 * come back in `errors` as they would over /graphql; anything else throws.
 */
export async function executeOperation<TResult, TVariables extends Record<string, unknown>>(
  yoga: RouteYoga,
  call: OperationCall<TResult, TVariables>,
): Promise<ExecutionResult<TResult>> {
  const { query, operationName } = sourceOf(call.document);
  const headers = new Headers({ authorization: `Bearer ${call.apiKey}` });
  const requestId = call.request.headers.get('x-request-id');
  if (requestId) headers.set('x-request-id', requestId);
  const request = new Request(call.request.url, { method: 'POST', headers });
  const params = { query, variables: call.variables, operationName };
  const { parse, validate, contextFactory, execute, schema } = yoga.getEnveloped({ request, params });
  try {
    const document = parse(query);
    const errors = validate(schema, document);
    if (errors.length > 0) return { errors };
    const contextValue = (await contextFactory()) as unknown as Context;
    call.beforeExecute?.(contextValue);
    return (await execute({ schema, document, contextValue, variableValues: call.variables, operationName })) as ExecutionResult<TResult>;
  } catch (err) {
    // Plugins (the auth gate) throw GraphQL errors before execution starts.
    if (err instanceof GraphQLError) return { errors: [err] };
    throw err;
  }
}
