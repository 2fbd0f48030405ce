// Loading the agent directory (src/domain/agent-directory.ts): the tenant's
// sightings and admin profiles in one statement, once per request (the
// request's loader caches it), or in the statement of the page that needs
// it. The directory is small beside the messages: a row per account × seat
// id or login.
import type pg from 'pg';
import { AgentDirectory, type Agent, type AgentProfileRow, type Sighting } from '../domain/agent-directory.ts';

/**
 * The tenant's agent directory as one JSON text: its sightings and admin
 * profiles (`tenant` is the SQL parameter holding the tenant id). Read alone
 * (loadAgentDirectory) or inside a page's own statement (messageOffsetPage).
 */
export function agentDirectorySql(tenant: string): string {
  return `json_build_object(
       'sightings', (SELECT json_agg(json_build_object('accountWhatsIdBare', s."accountWhatsIdBare", 'accountWhatsId', s."accountWhatsId", 'kind', s.kind,
                                          'value', s.value, 'firstChatAt', s."firstChatAt", 'lastChatAt', s."lastChatAt"))
          FROM "AgentSighting" s WHERE s."tenantId" = ${tenant}::bigint),
       'profiles', (SELECT json_agg(json_build_object('login', p.login, 'name', p.name, 'seatIds', p."seatIds"))
          FROM "AgentProfile" p WHERE p."tenantId" = ${tenant}::bigint))::text`;
}

/** The directory from agentDirectorySql's text. */
export function agentDirectoryFrom(text: string): AgentDirectory {
  const { sightings, profiles } = JSON.parse(text) as { sightings: Sighting[] | null; profiles: AgentProfileRow[] | null };
  return new AgentDirectory((sightings ?? []).map((s) => ({ ...s, firstChatAt: new Date(s.firstChatAt), lastChatAt: new Date(s.lastChatAt) })), profiles ?? []);
}

export async function loadAgentDirectory(pool: pg.Pool, tenantId: string): Promise<AgentDirectory> {
  const { rows } = await pool.query<{ directory: string }>(`SELECT ${agentDirectorySql('$1')} AS directory`, [tenantId]);
  return agentDirectoryFrom(rows[0]!.directory);
}

/**
 * A message filter's agent: its login and its seat ids (a message naming
 * either is the agent's). For one seat of an agent, the login counts only on
 * `loginAccounts`, the accounts (bare) that seat was seen on.
 */
export interface AgentIdentities {
  logins: string[];
  seats: string[];
  loginAccounts?: string[];
}

export const identitiesOf = (agent: Agent): AgentIdentities => ({ logins: agent.login ? [agent.login] : [], seats: agent.seatIds });

/** The SQL condition "message `alias` is one of these agent's" (false when the agent has no identity at all). */
export function agentCondition(alias: string, ids: AgentIdentities, add: (value: unknown) => string): string {
  const parts: string[] = [];
  if (ids.logins.length && ids.loginAccounts?.length !== 0) {
    const accounts = ids.loginAccounts ? ` AND ${alias}."accountWhatsIdBare" = ANY(${add(ids.loginAccounts)}::text[])` : '';
    parts.push(`(${alias}."agentAccount" = ANY(${add(ids.logins)}::text[])${accounts})`);
  }
  if (ids.seats.length) parts.push(`${alias}."agentId" = ANY(${add(ids.seats)}::text[])`);
  return parts.length ? `(${parts.join(' OR ')})` : 'false';
}
