// /graphql needs an API key (Authorization: Bearer): without a valid one the
// answer is HTTP 401 — except a pure introspection query while
// GRAPHQL_INTROSPECTION is 'public' (the default outside production), so that
// GraphiQL and codegen can read the schema without a key. In production the
// default is 'authenticated': the schema is not handed to anyone who asks.
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { Context } from '../graphql/context.ts';

function selectedOperation(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return name ? operations.find((o) => o.name?.value === name) : operations[0];
}

export function isIntrospectionOnly(document: DocumentNode, operationName?: string | null): boolean {
  const operation = selectedOperation(document, operationName);
  if (!operation || operation.operation !== 'query') return false;
  return operation.selectionSet.selections.every(
    (s) => s.kind === Kind.FIELD && (s.name.value === '__schema' || s.name.value === '__type' || s.name.value === '__typename'),
  );
}

function unauthenticated(ctx: Context) {
  return createGraphQLError(
    ctx.apiKeyGiven ? 'invalid or revoked API key' : 'authentication required: send Authorization: Bearer <API key>',
    { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: { 'www-authenticate': 'Bearer' } } } },
  );
}

export function useAuthGate(): Plugin<Context> {
  return {
    onExecute({ args }) {
      const ctx = args.contextValue as Context;
      if (ctx.viewer) return;
      // The operator key passes; the fields' scopes confine it to administration.
      if (ctx.operator) return;
      const anonymousIntrospection = ctx.services.config.graphqlIntrospection === 'public';
      if (!anonymousIntrospection || !isIntrospectionOnly(args.document, args.operationName)) throw unauthenticated(ctx);
    },
    onSubscribe({ args }) {
      const ctx = args.contextValue as Context;
      if (!ctx.viewer) throw unauthenticated(ctx);
    },
  };
}
