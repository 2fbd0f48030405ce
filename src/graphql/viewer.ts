// Who is calling: the tenant and scopes of the API key.
import { builder } from './builder.ts';

export const ApiKeyScopeEnum = builder.enumType('ApiKeyScope', {
  values: ['READ', 'INGEST', 'ADMIN'] as const,
});

interface ViewerShape {
  tenantId: string;
  tenantName: string;
  scopes: ('READ' | 'INGEST' | 'ADMIN')[];
}

const Viewer = builder.objectRef<ViewerShape>('Viewer').implement({
  description: 'The caller, as resolved from its API key.',
  fields: (t) => ({
    tenantId: t.exposeString('tenantId', {
      description: "The tenant's id in the CRM (a Long, as an exact decimal string).",
    }),
    tenantName: t.exposeString('tenantName'),
    scopes: t.expose('scopes', { type: [ApiKeyScopeEnum] }),
  }),
});

builder.queryField('viewer', (t) =>
  t.field({
    type: Viewer,
    nullable: true,
    description: 'The caller; null without a valid API key.',
    resolve: async (_root, _args, ctx) => {
      if (!ctx.viewer) return null;
      // Through pg, as every read: Prisma's query compiler (~75 MB) stays unloaded in a server that runs no admin operation.
      const { rows } = await ctx.services.db.pool.query<{ name: string }>('SELECT name FROM "Tenant" WHERE id = $1', [ctx.viewer.tenantId.toString()]);
      return {
        tenantId: ctx.viewer.tenantId.toString(),
        tenantName: rows[0]?.name ?? '',
        scopes: [...ctx.viewer.scopes],
      };
    },
  }),
);
