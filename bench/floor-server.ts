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
//
// bench/peer.ts adds workloads, picked by the body's operationName (Page is
// the one above): Conversations (the 20 most recently active, last message
// joined), Counts (the conversation's and the tenant's message totals, from
// the same counters our server reads), Contact (a profile with its
// conversations), and POST msgPage (the legacy envelope; the page by offset).
// One statement each.
import http from 'node:http';
import pg from 'pg';
import { actionTypeOf, chatTypeCodeOf } from '../src/domain/codes.ts';
import { msgPageCodeOf } from '../src/domain/content-type.ts';

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
export function contentOf(c: Row['parsedContent']): Record<string, unknown> {
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

// ---------------------------------------------------------------------------
// The peer workloads (bench/peer.ts)
// ---------------------------------------------------------------------------

const MSG_PAGE_PATH = '/wscrm-bus-api/open/message/msgPage';
const gid = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');
const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The tenant's message total as our server reads it: the striped counters when the table exists, else the conversations' sum. */
let tenantTotalSql: string | null = null;
async function tenantTotal(pool: pg.Pool): Promise<string> {
  if (tenantTotalSql) return tenantTotalSql;
  const { rows } = await pool.query<{ ok: boolean }>(`SELECT to_regclass('"TenantMessageCount"') IS NOT NULL AS ok`);
  tenantTotalSql = rows[0]!.ok
    ? '(SELECT COALESCE(sum(n), 0) FROM "TenantMessageCount" WHERE "tenantId" = $1)'
    : '(SELECT COALESCE(sum("messageCount"), 0) FROM "Conversation" WHERE "tenantId" = $1)';
  return tenantTotalSql;
}

type Vars = { c?: string | null; after?: string | null; x?: string };
const PEER: Record<string, (pool: pg.Pool, tenantId: string, v: Vars) => Promise<string>> = {
  async Conversations(pool, tenantId) {
    const { rows } = await pool.query<{
      id: string; friendWhatsId: string; friendName: string | null; unreadCount: number; lastMessageAt: Date | null;
      mid: string | null; chatTime: Date; direction: string; status: string; contentType: string; content: string;
    }>(
      `SELECT c.id, c."friendWhatsId", c."friendName", c."unreadCount", c."lastMessageAt",
              m.id AS mid, m."chatTime", m.direction, m.status, m."contentType", m.content
         FROM "Conversation" c LEFT JOIN "Message" m ON m.id = c."lastMessageId"
        WHERE c."tenantId" = $1 AND c."lastMessageAt" IS NOT NULL
        ORDER BY c."lastMessageAt" DESC, c.id DESC LIMIT 21`,
      [tenantId],
    );
    const more = rows.length > 20;
    if (more) rows.length = 20;
    const edges = rows.map((r) => ({
      cursor: Buffer.from(`C:${r.lastMessageAt!.getTime()}:${r.id}`).toString('base64url'),
      node: {
        id: gid('Conversation', r.id),
        friendWhatsId: r.friendWhatsId,
        friendName: r.friendName,
        unreadCount: r.unreadCount,
        lastMessageAt: iso(r.lastMessageAt),
        lastMessage: r.mid === null ? null : {
          id: gid('Message', r.mid), chatTime: iso(r.chatTime), direction: r.direction, status: r.status, contentType: r.contentType, rawContent: r.content,
        },
      },
    }));
    return JSON.stringify({ data: { conversations: { edges, pageInfo: { hasNextPage: more, endCursor: edges.at(-1)?.cursor ?? null } } } });
  },
  async Counts(pool, tenantId, v) {
    const conversationId = v.c ? conversationIdOf(v.c) : null;
    const { rows } = await pool.query<{ c: number | null; t: string }>(
      `SELECT (SELECT "messageCount" FROM "Conversation" WHERE id = $2 AND "tenantId" = $1) AS c, ${await tenantTotal(pool)} AS t`,
      [tenantId, conversationId],
    );
    return JSON.stringify({ data: { conversation: { totalCount: rows[0]!.c ?? 0 }, tenant: { totalCount: Number(rows[0]!.t) } } });
  },
  async Contact(pool, tenantId, v) {
    const { rows } = await pool.query<{
      id: string; externalId: string; name: string | null; whatsId: string | null; ownerName: string | null; tags: string[];
      customFields: unknown; createdAt: Date; conversations: { id: string; accountWhatsId: string; friendWhatsId: string; chatType: string; messageCount: number; unreadCount: number; lastMessageAt: string }[];
    }>(
      `SELECT ct.id, ct."externalId", ct.name, ct."whatsId", ct."ownerName", ct.tags, ct."customFields", ct."createdAt",
              (SELECT COALESCE(json_agg(c ORDER BY c."lastMessageAt" DESC, c.id DESC), '[]') FROM (
                 SELECT c.id::text, c."accountWhatsId", c."friendWhatsId", c."chatType", c."messageCount", c."unreadCount", c."lastMessageAt"
                   FROM "Conversation" c WHERE c."tenantId" = $1 AND c."contactId" = ct.id AND c."lastMessageAt" IS NOT NULL
                  ORDER BY c."lastMessageAt" DESC, c.id DESC LIMIT 20) c) AS conversations
         FROM "Contact" ct WHERE ct."tenantId" = $1 AND ct."externalId" = $2`,
      [tenantId, v.x],
    );
    const r = rows[0];
    const contact = r && {
      id: gid('Contact', r.id), externalId: r.externalId, name: r.name, whatsId: r.whatsId, ownerName: r.ownerName, tags: r.tags,
      customFieldsJson: r.customFields, createdAt: iso(r.createdAt),
      conversations: {
        edges: r.conversations.map((c) => ({
          node: {
            id: gid('Conversation', c.id), accountWhatsId: c.accountWhatsId, friendWhatsId: c.friendWhatsId, chatType: c.chatType,
            messageCount: c.messageCount, unreadCount: c.unreadCount, lastMessageAt: new Date(c.lastMessageAt).toISOString(),
          },
        })),
      },
    };
    return JSON.stringify({ data: { contact: contact ?? null } });
  },
};

async function msgPage(pool: pg.Pool, tenantId: string, current: number, pageSize: number): Promise<string> {
  const { rows } = await pool.query<{
    id: string; agentId: string | null; agentAccount: string | null; accountWhatsId: string; direction: 'OUTBOUND' | 'INBOUND'; chatType: 'PRIVATE' | 'GROUP';
    content: string; contentType: string; friendWhatsId: string; friendName: string | null; chatTime: Date; createdAt: Date; total: string;
  }>(
    `SELECT m.id, m."agentId", m."agentAccount", m."accountWhatsId", m.direction, m."chatType", m.content, m."contentType", m."friendWhatsId",
            m."friendName", m."chatTime", m."createdAt", ${await tenantTotal(pool)} AS total
       FROM (SELECT id, "chatTime" FROM "Message" WHERE "tenantId" = $1 ORDER BY "chatTime" DESC, id DESC OFFSET $2 LIMIT $3) p
       JOIN "Message" m ON m.id = p.id ORDER BY p."chatTime" DESC, p.id DESC`,
    [tenantId, (current - 1) * pageSize, pageSize],
  );
  const total = rows.length ? Number(rows[0]!.total) : Number((await pool.query<{ t: string }>(`SELECT ${await tenantTotal(pool)} AS t`, [tenantId])).rows[0]!.t);
  const records = rows.map((r) => ({
    id: r.id,
    userId: r.agentId !== null && /^\d{1,15}$/.test(r.agentId) ? Number(r.agentId) : null,
    username: r.agentAccount ?? '',
    whatsId: r.accountWhatsId,
    actionType: actionTypeOf(r.direction),
    chatType: chatTypeCodeOf(r.chatType),
    content: r.content,
    contentType: msgPageCodeOf(r.contentType as Parameters<typeof msgPageCodeOf>[0]),
    friendWhatsId: r.friendWhatsId,
    friendName: r.friendName ?? '',
    chatTime: r.chatTime.getTime(),
    createTime: r.createdAt.getTime(),
  }));
  return JSON.stringify({ code: 200, message: 'Success', data: { records, total, size: pageSize, current, pages: Math.ceil(total / pageSize) } });
}

export function createFloorServer(pool: pg.Pool, tenantId: string): http.Server {
  const answer = (res: http.ServerResponse, status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') return answer(res, 200, '{"status":"ok"}');
    if (req.method !== 'POST' || !(req.url?.startsWith('/graphql') || req.url === MSG_PAGE_PATH)) return answer(res, 404, '{"error":"not found"}');
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
            operationName?: string;
            variables?: { c?: string | null; after?: string | null; x?: string };
            current?: number;
            pageSize?: number;
          };
          if (req.url === MSG_PAGE_PATH) return answer(res, 200, await msgPage(pool, tenantId, body.current ?? 1, body.pageSize ?? 10));
          const peer = PEER[body.operationName ?? ''];
          if (peer) return answer(res, 200, await peer(pool, tenantId, body.variables ?? {}));
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
