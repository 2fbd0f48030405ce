// The Pothos builder and its plugins, nothing else. Types and their root
// fields live in one file per domain noun beside this one.
import SchemaBuilder from '@pothos/core';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import RelayPlugin from '@pothos/plugin-relay';
import ErrorsPlugin from '@pothos/plugin-errors';
import { GraphQLError } from 'graphql';
import type { Context } from './context.ts';
import { formatInstant, isInstantInRange, parseInstant } from '../domain/ranges.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { read: boolean; ingest: boolean; admin: boolean; operator: boolean };
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // Scope-auth first, then relay, then the rest (see docs/style.md). No
  // Prisma plugin: the read path is planned SQL over the selection
  // (src/read/, src/graphql/selection.ts), not Prisma queries per type.
  plugins: [ScopeAuthPlugin, RelayPlugin, ErrorsPlugin],
  // Expected failures of the admin operations are typed results (src/graphql/admin.ts).
  errors: { directResult: true },
  defaultFieldNullability: false,
  scopeAuth: {
    // Subscriptions are authorised once, when they start (not per event).
    authorizeOnSubscribe: true,
    authScopes: (ctx) => ({
      read: !!ctx.viewer?.scopes.has('READ') || !!ctx.viewer?.scopes.has('ADMIN'),
      ingest: !!ctx.viewer?.scopes.has('INGEST') || !!ctx.viewer?.scopes.has('ADMIN'),
      admin: !!ctx.viewer?.scopes.has('ADMIN'),
      // The server-wide operator credential (OPERATOR_KEY; src/auth/operator.ts).
      operator: ctx.operator === true,
    }),
    unauthorizedError: (_parent, ctx) =>
      new GraphQLError(
        ctx.viewer
          ? 'this API key lacks the scope this field needs'
          : ctx.operator
            ? "the operator key administers tenants and their credentials only: use an API key of the tenant for its data"
            : 'authentication required: send Authorization: Bearer <API key>',
        { extensions: { code: ctx.viewer || ctx.operator ? 'FORBIDDEN' : 'UNAUTHENTICATED' } },
      ),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
  },
});

builder.queryType({});
builder.mutationType({});

builder.scalarType('DateTime', {
  description: 'An instant, as an RFC 3339 (ISO-8601) date-time string: written in UTC with milliseconds; read with any zone offset, years 0001–9999.',
  serialize: (value) => formatInstant(value as Date),
  parseValue: (value) => {
    // A Date already: variables coerced once are coerced again for every subscription event.
    if (value instanceof Date && isInstantInRange(value.getTime())) return value;
    const parsed = typeof value === 'string' ? parseInstant(value) : 'an RFC 3339 date-time string';
    if (typeof parsed === 'string') throw new GraphQLError(`DateTime must be ${parsed}, got ${JSON.stringify(value)?.slice(0, 64)}`);
    return parsed;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value.',
  serialize: (value) => value,
  parseValue: (value) => value,
});
