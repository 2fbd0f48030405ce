// Resolver work the built schema can do without: a page of 50 messages runs
// a field resolver per row for each of these, and the compiled queries
// (src/http/compiled-queries.ts) read a field that has no resolver inline.
//   - Relay's connection and edge fields (`edges`, `node`, `pageInfo`, …) are
//     built by @pothos/plugin-relay as `(parent) => parent.<field>`: the same
//     as the default resolver on our plain row objects, so they are dropped.
//   - A node's `id` is built as an async resolver (a promise per row); it is
//     replaced by a synchronous one giving the same global id (relay's
//     encodeGlobalID of the type name and the node's raw id).
import { encodeGlobalID } from '@pothos/plugin-relay';
import { isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';

type IdResolver = GraphQLFieldResolver<unknown, unknown>;

export function slimResolvers(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = field.resolve;
      if (!resolve || field.extensions.pothosResolveWrapped) continue;
      // Exactly relay's property read, nothing around it (no plugin wrapped it).
      if (resolve.toString() === `(parent)=>parent.${field.name}`) field.resolve = undefined;
    }
    const idOf = (type.extensions.pothosOptions as { id?: { resolve?: IdResolver } } | undefined)?.id?.resolve;
    const idField = type.getFields().id;
    if (idOf && idField?.resolve && !idField.extensions.pothosResolveWrapped && type.getInterfaces().some((i) => i.name === 'Node')) {
      const relay = idField.resolve;
      const name = type.name;
      idField.resolve = (parent, args, ctx, info) => {
        const id = idOf(parent, args, ctx, info);
        // As relay's own: a raw id that is a promise (none of ours is) goes its way.
        if (typeof (id as { then?: unknown } | null)?.then === 'function') return relay(parent, args, ctx, info);
        return encodeGlobalID(name, String(id));
      };
    }
  }
  return schema;
}
