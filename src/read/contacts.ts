// Reading contact profiles: newest first, keyset over id.
import type pg from 'pg';
import { bareWhatsId } from '../domain/whats-id.ts';
import { conversationPageSpec, type ConversationPageQuery, type ConversationRow } from './conversations.ts';
import { fetchPages, pageBody, pagesOf, type Page, type PageRequest } from './pagination.ts';
import { Params } from './sql.ts';
import { badInput } from '../domain/bad-input.ts';

export interface ContactRow {
  id: string;
  externalId: string;
  name: string | null;
  whatsId: string | null;
  ownerName: string | null;
  income: string | null;
  profession: string | null;
  description: string | null;
  email: string | null;
  address: string | null;
  tags: string[];
  customFields: Record<string, unknown>;
  extendsMap: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export const CONTACT_COLUMN_NAMES = [
  'id', 'externalId', 'name', 'whatsId', 'ownerName', 'income', 'profession', 'description',
  'email', 'address', 'tags', 'customFields', 'extendsMap', 'createdAt', 'updatedAt',
] as const satisfies readonly (keyof ContactRow)[];

export const CONTACT_COLUMNS = CONTACT_COLUMN_NAMES.map((c) => `ct."${c}"`).join(', ');

export interface ContactFilter {
  tag?: string | null;
  tags?: string[] | null;
  whatsId?: string | null;
  externalId?: string | null;
  ownerName?: string | null;
  /** Part of the name, case-insensitive. */
  nameContains?: string | null;
  /** Part of the WhatsApp number, as people write it ("+91 84400-00002", "8440000002@c.us"). */
  phone?: string | null;
  /** A name part, a tag or part of a phone number. */
  search?: string | null;
}


const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/**
 * A phone number's digits: the @c.us suffix, spaces, "+", dashes, dots and
 * parentheses dropped; null when anything else is in it or it has under 3 digits.
 */
export function phoneDigits(text: string): string | null {
  const bare = bareWhatsId(text);
  if (!/^[0-9\s+\-.()]*$/.test(bare)) return null;
  const digits = bare.replace(/[^0-9]/g, '');
  return digits.length >= 3 ? digits : null;
}

const PHONE_DIGITS_SQL = `regexp_replace(ct."whatsIdBare", '[^0-9]', '', 'g')`;

export function contactConditions(tenantId: string, f: ContactFilter, params: Params): string[] {
  const c = [`ct."tenantId" = ${params.add(tenantId)}::bigint`];
  const tags = [...(f.tags ?? []), ...(f.tag ? [f.tag] : [])];
  if (tags.length) c.push(`ct.tags @> ${params.add(tags)}::text[]`);
  if (f.whatsId) c.push(`ct."whatsIdBare" = ${params.add(bareWhatsId(f.whatsId))}`);
  if (f.externalId) c.push(`ct."externalId" = ${params.add(f.externalId)}`);
  if (f.ownerName) c.push(`ct."ownerName" = ${params.add(f.ownerName)}`);
  if (f.nameContains) c.push(`ct.name ILIKE ${params.add(likePattern(f.nameContains))}`);
  if (f.phone != null) {
    const digits = phoneDigits(f.phone);
    if (!digits) throw badInput(`where.phone must be a phone number of 3 or more digits (spaces, "+", "-", ".", "()" and @c.us allowed), got "${f.phone.slice(0, 40)}"`);
    c.push(`${PHONE_DIGITS_SQL} LIKE ${params.add(`%${digits}%`)}`);
  }
  if (f.search != null) {
    const text = f.search.trim();
    if (!text) throw badInput('where.search must not be empty');
    const digits = phoneDigits(text);
    const either = [
      `ct.name ILIKE ${params.add(likePattern(text))}`,
      `EXISTS (SELECT 1 FROM unnest(ct.tags) tag WHERE lower(tag) = lower(${params.add(text)}))`,
      ...(digits ? [`${PHONE_DIGITS_SQL} LIKE ${params.add(`%${digits}%`)}`] : []),
    ];
    c.push(`(${either.join(' OR ')})`);
  }
  return c;
}

export async function contactPage(pool: pg.Pool, tenantId: string, filter: ContactFilter, descending: boolean, page: PageRequest): Promise<Page<ContactRow>> {
  const params = new Params();
  const pages = await fetchPages<ContactRow>(
    pool,
    { select: CONTACT_COLUMNS, from: 'FROM "Contact" ct', conditions: contactConditions(tenantId, filter, params), time: null, id: 'ct.id', descending, params },
    page,
  );
  return pages.get('')!;
}

/**
 * The newest contact matching `filter` and, with `conversations`, the page of
 * its conversations, in one statement: the page joined laterally to the
 * contact, its first row carrying the contact's columns (prefixed
 * `_contact.`; null on the other rows, so they are read once).
 */
/** The contact's columns in a contact-with-conversations row, on its first row only (the page's rows repeat nothing). */
const CONTACT_ONCE_NAMES = CONTACT_COLUMN_NAMES.map((c) => `_contact.${c}`);
const CONTACT_ONCE_COLUMNS = CONTACT_COLUMN_NAMES.map((c, i) => `CASE WHEN p._n IS NULL OR p._n = 1 THEN ct."${c}" END AS "${CONTACT_ONCE_NAMES[i]}"`).join(', ');

export async function contactWithConversations(
  pool: pg.Pool,
  tenantId: string,
  filter: ContactFilter,
  conversations: ConversationPageQuery | null,
): Promise<{ contact: ContactRow | null; conversations: Page<ConversationRow> | null }> {
  if (!conversations) {
    const page = await contactPage(pool, tenantId, filter, true, { limit: 1, forward: true, after: null, before: null });
    return { contact: page.rows[0] ?? null, conversations: null };
  }
  const params = new Params();
  const contact = `SELECT ${CONTACT_COLUMNS} FROM "Contact" ct WHERE ${contactConditions(tenantId, filter, params).join(' AND ')} ORDER BY ct.id DESC LIMIT 1`;
  const spec = conversationPageSpec(conversations, params);
  const sql = `SELECT ${CONTACT_ONCE_COLUMNS}, p.*
    FROM (${contact}) ct
    LEFT JOIN LATERAL (SELECT row_number() OVER () AS _n, q.* FROM (${pageBody(spec, conversations.page, ['c."contactId" = ct.id'])}) q) p ON true`;
  const { rows } = await pool.query<Record<string, unknown>>(sql, params.values);
  const first = rows.find((r) => r['_contact.id'] != null);
  if (!first) return { contact: null, conversations: null };
  const row: Record<string, unknown> = {};
  for (let i = 0; i < CONTACT_COLUMN_NAMES.length; i++) row[CONTACT_COLUMN_NAMES[i]!] = first[CONTACT_ONCE_NAMES[i]!];
  // The page's rows without the contact's columns.
  const pageRows = rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const key in r) if (key !== '_n' && !key.startsWith('_contact.')) out[key] = r[key];
    return out as unknown as ConversationRow & { _probe: boolean | null };
  });
  return { contact: row as unknown as ContactRow, conversations: pagesOf<ConversationRow>(pageRows, conversations.page).get('')! };
}

export async function countContacts(pool: pg.Pool, tenantId: string, filter: ContactFilter): Promise<number> {
  const params = new Params();
  const where = contactConditions(tenantId, filter, params);
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "Contact" ct WHERE ${where.join(' AND ')}`, params.values);
  return Number(rows[0]!.n);
}

export async function contactsByIds(pool: pg.Pool, tenantId: string, ids: readonly string[]): Promise<ContactRow[]> {
  const { rows } = await pool.query<ContactRow>(`SELECT ${CONTACT_COLUMNS} FROM "Contact" ct WHERE ct."tenantId" = $1 AND ct.id = ANY($2::bigint[])`, [tenantId, ids]);
  return rows;
}
