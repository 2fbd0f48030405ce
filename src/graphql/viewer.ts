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
      const tenant = await ctx.prisma.tenant.findUnique({ where: { id: ctx.viewer.tenantId }, select: { name: true } });
      return {
        tenantId: ctx.viewer.tenantId.toString(),
        tenantName: tenant?.name ?? '',
        scopes: [...ctx.viewer.scopes],
      };
    },
  }),
);
