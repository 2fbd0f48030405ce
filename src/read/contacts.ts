// Reading contact profiles: newest first, keyset over id.
import type pg from 'pg';
import { bareWhatsId } from '../domain/whats-id.ts';
import { fetchPages, type Page, type PageRequest } from './pagination.ts';
import { Params } from './sql.ts';

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
}

export function contactConditions(tenantId: string, f: ContactFilter, params: Params): string[] {
  const c = [`ct."tenantId" = ${params.add(tenantId)}::bigint`];
  const tags = [...(f.tags ?? []), ...(f.tag ? [f.tag] : [])];
  if (tags.length) c.push(`ct.tags @> ${params.add(tags)}::text[]`);
  if (f.whatsId) c.push(`ct."whatsIdBare" = ${params.add(bareWhatsId(f.whatsId))}`);
  if (f.externalId) c.push(`ct."externalId" = ${params.add(f.externalId)}`);
  if (f.ownerName) c.push(`ct."ownerName" = ${params.add(f.ownerName)}`);
  if (f.nameContains) c.push(`ct.name ILIKE ${params.add(`%${f.nameContains.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`)}`);
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
