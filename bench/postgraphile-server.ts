// PostGraphile v5 as the peer of bench/peer.ts: the Amber preset introspecting
// our own tables (schema public), on node:http through grafserv, its own pg
// pool of DATABASE_POOL_SIZE. No auth (the benchmark passes the tenant as a
// `condition`), no GraphiQL, no watch mode.
//
//   DATABASE_URL=postgresql://… PORT=4200 DATABASE_POOL_SIZE=10 node --import tsx bench/postgraphile-server.ts
//
// One smart tag: Conversation.lastMessageId has no foreign key in our schema
// (the ingest function keeps it), so it is declared to PostGraphile as one;
// without it PostGraphile could not fetch a conversation's last message at all.
import http from 'node:http';
import pg from 'pg';

// PostGraphile 5 uses Promise.withResolvers (Node ≥ 22); Node 20 lacks it.
const P = Promise as unknown as { withResolvers?: <T>() => { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } };
P.withResolvers ??= <T>() => {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) throw new Error('DATABASE_URL is required');
  const { postgraphile } = await import('postgraphile');
  const { grafserv } = await import('postgraphile/grafserv/node');
  const { PostGraphileAmberPreset } = await import('postgraphile/presets/amber');
  const { makePgService } = await import('postgraphile/adaptors/pg');
  const { jsonPgSmartTags } = await import('postgraphile/utils');

  const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DATABASE_POOL_SIZE ?? 10), idleTimeoutMillis: 30_000 });
  pool.on('error', () => {});
  const tags = jsonPgSmartTags({
    version: 1,
    config: { class: { Conversation: { tags: { foreignKey: '("lastMessageId") references "Message" (id)|@fieldName lastMessage' } } } },
  });
  const preset: GraphileConfig.Preset = {
    extends: [PostGraphileAmberPreset],
    plugins: [tags],
    pgServices: [makePgService({ pool, schemas: ['public'] })],
    grafserv: { graphiql: false, watch: false, maxRequestLength: 1_000_000 },
    grafast: { explain: false },
  };
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const graphql = serv.createHandler();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    graphql(req, res);
  });
  server.keepAliveTimeout = 65_000;
  // Build the schema before answering /healthz: the first request is then not the introspection.
  await pgl.getSchemaResult();
  if (process.env.PRINT_SCHEMA) {
    const { printSchema } = await import('postgraphile/graphql');
    process.stdout.write(printSchema((await pgl.getSchemaResult()).schema) + '\n');
    process.exit(0);
  }
  const port = Number(process.env.PORT ?? 4200);
  await new Promise<void>((resolve) => server.listen(port, process.env.HOST ?? '127.0.0.1', resolve));
  const stop = () => {
    server.close();
    server.closeIdleConnections();
    void Promise.resolve(pgl.release()).finally(() => void pool.end().finally(() => process.exit(0)));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`postgraphile-server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
