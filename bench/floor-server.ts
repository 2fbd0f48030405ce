// The raw floor of bench/read.ts: a hand-written node:http + pg server that
// answers the benchmark's POST /graphql body with the same JSON our server
// returns, by running one SQL statement and JSON.stringify. No GraphQL: the
// query text is ignored; the variables pick the scenario ($c: one
// conversation, else the whole tenant; $after: a keyset cursor).
//
//   DATABASE_URL=postgresql://… PORT=4100 DATABASE_POOL_SIZE=10 FLOOR_TENANT_ID=1001 \
//     node --import tsx bench/floor-server.ts
//
// It is a floor, not a server: no authentication, no validation beyond what
// keeps it from crashing, tenant fixed by FLOOR_TENANT_ID.
import http from 'node:http';
import pg from 'pg';

const PAGE = 50;

// The statement: the page rows (one more to tell hasNextPage), joined with
// their contacts, keyset order (chatTime DESC, id DESC). Only the selected
// columns.
const SELECT = `SELECT m.id, m."whatsMessageId", m."chatTime", m.direction, m.status, m."contentType", m.content, m."parsedContent",
  m."contactId", ct."externalId", ct.name, ct.tags
  FROM "Message" m LEFT JOIN "Contact" ct ON ct.id = m."contactId" AND ct."tenantId" = m."tenantId"`;
const ORDER = `ORDER BY m."chatTime" DESC, m.id DESC LIMIT ${PAGE + 1}`;
const SQL = {
  conversation: `${SELECT} WHERE m."tenantId" = $1 AND m."conversationId" = $2 ${ORDER}`,
  conversationAfter: `${SELECT} WHERE m."tenantId" = $1 AND m."conversationId" = $2 AND (m."chatTime", m.id) < ($3::timestamptz, $4::bigint) ${ORDER}`,
  tenant: `${SELECT} WHERE m."tenantId" = $1 ${ORDER}`,
  tenantAfter: `${SELECT} WHERE m."tenantId" = $1 AND (m."chatTime", m.id) < ($2::timestamptz, $3::bigint) ${ORDER}`,
};

interface Row {
  id: string;
  whatsMessageId: string;
  chatTime: Date;
  direction: string;
  status: string;
  contentType: string;
  content: string;
  parsedContent: { kind: string; text?: string | null; url?: string | null; mimeType?: string | null; caption?: string | null; filename?: string | null };
  contactId: string | null;
  externalId: string | null;
  name: string | null;
  tags: string[] | null;
}

const cursorOf = (r: Row) => Buffer.from(`M:${r.chatTime.getTime()}:${r.id}`).toString('base64url');

const TYPENAME: Record<string, string> = {
  text: 'TextContent',
  media: 'MediaContent',
  contactCard: 'ContactCardContent',
  quote: 'QuoteContent',
  call: 'CallContent',
  location: 'LocationContent',
};

// The selection set of the benchmark query, in its order.
function contentOf(c: Row['parsedContent']): Record<string, unknown> {
  const __typename = TYPENAME[c.kind] ?? 'UnsupportedContent';
  if (c.kind === 'text') return { __typename, text: c.text };
  if (c.kind === 'media') return { __typename, url: c.url ?? null, mimeType: c.mimeType ?? null, caption: c.caption ?? null, filename: c.filename ?? null };
  return { __typename };
}

function render(rows: Row[]): string {
  const more = rows.length > PAGE;
  if (more) rows.length = PAGE;
  const edges = rows.map((r) => ({
    cursor: cursorOf(r),
    node: {
      id: Buffer.from(`Message:${r.id}`).toString('base64'),
      whatsMessageId: r.whatsMessageId,
      chatTime: r.chatTime.toISOString(),
      direction: r.direction,
      status: r.status,
      contentType: r.contentType,
      rawContent: r.content,
      content: contentOf(r.parsedContent),
      contact: r.contactId === null || r.externalId === null ? null : { externalId: r.externalId, name: r.name, tags: r.tags },
    },
  }));
  return JSON.stringify({
    data: { messages: { edges, pageInfo: { hasNextPage: more, endCursor: edges.length ? edges[edges.length - 1]!.cursor : null } } },
  });
}

function decodeCursor(cursor: string): { time: string; id: string } | null {
  const m = /^M:(-?\d{1,15}):(\d{1,19})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? { time: new Date(Number(m[1])).toISOString(), id: m[2]! } : null;
}

function conversationIdOf(globalId: string): string | null {
  const m = /^Conversation:(\d{1,19})$/.exec(Buffer.from(globalId, 'base64').toString('utf8'));
  return m ? m[1]! : null;
}

export function createFloorServer(pool: pg.Pool, tenantId: string): http.Server {
  const answer = (res: http.ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, '{"status":"ok"}');
    if (req.method !== 'POST' || !req.url?.startsWith('/graphql')) return answer(res, 404, '{"error":"not found"}');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { c?: string | null; after?: string | null } };
          const v = body.variables ?? {};
          const after = v.after ? decodeCursor(v.after) : null;
          let result: pg.QueryResult<Row>;
          if (v.c) {
            const conversationId = conversationIdOf(v.c);
            if (!conversationId) return answer(res, 400, '{"error":"bad $c"}');
            result = after
              ? await pool.query<Row>(SQL.conversationAfter, [tenantId, conversationId, after.time, after.id])
              : await pool.query<Row>(SQL.conversation, [tenantId, conversationId]);
          } else {
            result = after ? await pool.query<Row>(SQL.tenantAfter, [tenantId, after.time, after.id]) : await pool.query<Row>(SQL.tenant, [tenantId]);
          }
          answer(res, 200, render(result.rows));
        } catch (err) {
          answer(res, 500, JSON.stringify({ error: String(err) }));
        }
      })();
    });
  });
  server.keepAliveTimeout = 65_000;
  return server;
}

async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL;
  const tenantId = process.env.FLOOR_TENANT_ID;
  if (!databaseUrl || !tenantId) throw new Error('DATABASE_URL and FLOOR_TENANT_ID are required');
  const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DATABASE_POOL_SIZE ?? 10), connectionTimeoutMillis: 5_000, idleTimeoutMillis: 30_000 });
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  const server = createFloorServer(pool, tenantId);
  const port = Number(process.env.PORT ?? 4100);
  await new Promise<void>((resolve) => server.listen(port, process.env.HOST ?? '127.0.0.1', resolve));
  const stop = () => {
    server.close();
    server.closeIdleConnections();
    void pool.end().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/floor-server.ts')) {
  main().catch((e: unknown) => {
    process.stderr.write(`floor-server: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
