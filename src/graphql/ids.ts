// Global ids (Relay): opaque base64 of "Type:rowId". Decoding a filter's id
// checks its type; a row of another tenant is never found because every
// query is scoped to the viewer's tenant.
import { isRowId } from '../domain/ranges.ts';
import { decodeGlobalID } from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { brandWithType } from '@pothos/core';
import { badInput } from '../domain/bad-input.ts';

export function rowIdOf(globalId: string, typename: string, argName: string): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw badInput(`${argName} is not a valid id: "${globalId.slice(0, 64)}"`);
  }
  if (decoded.typename !== typename || !isRowId(decoded.id)) {
    throw badInput(`${argName} must be the id of a ${typename}`);
  }
  return decoded.id;
}

/** The viewer's tenant id; resolvers behind the auth gate always have one. */
export function tenantOf(ctx: { viewer: { tenantId: bigint } | null }): string {
  if (!ctx.viewer) throw new GraphQLError('authentication required', { extensions: { code: 'UNAUTHENTICATED' } });
  return ctx.viewer.tenantId.toString();
}

/**
 * Rows loaded for node()/nodes(), each branded with its type as it arrives.
 * Pothos brands them only once its whole batch is loaded, while its request
 * cache already hands the pending row to a `node` asking for the same id:
 * `nodes(ids: [X]) … node(id: X)` in one operation then resolved `node`'s
 * row unbranded ("Abstract type Node must resolve to an Object type").
 */
export function loadedAs<T extends object>(typename: string, rows: readonly Promise<T | null>[]): Promise<T | null>[] {
  return rows.map((row) =>
    row.then((r) => {
      if (r) brandWithType(r, typename as never);
      return r;
    }),
  );
}
