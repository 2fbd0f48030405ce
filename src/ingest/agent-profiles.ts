// What an admin sets in the agent directory (AgentProfile), where the CRM
// never sends both halves of an agent: a login's display name and the seat
// ids that are its own. Used by the `setAgent` mutation and `chatgraph agent
// set` alike.
import type pg from 'pg';
import { AdminError } from '../auth/admin.ts';

export interface AgentProfileInput {
  login: string;
  /** undefined keeps the stored name; null clears it. */
  name?: string | null;
  /** undefined keeps the stored seat ids; a list replaces them (a seat id another login held moves here). */
  seatIds?: string[];
}

export const MAX_SEAT_IDS = 100;
const MAX_IDENTITY = 256;

/** The first problem with an input, naming its field (`prefix` + field); null when it is fine. */
export function agentProfileProblem(input: AgentProfileInput, prefix = ''): string | null {
  const bad = (v: string) => !v.trim() || v.length > MAX_IDENTITY || v.includes('\u0000') || !v.isWellFormed();
  if (bad(input.login)) return `${prefix}login must be a login of 1 to ${MAX_IDENTITY} characters (no NUL), got "${input.login.slice(0, 40)}"`;
  if (input.name != null && (input.name.length > MAX_IDENTITY || input.name.includes('\u0000') || !input.name.isWellFormed())) {
    return `${prefix}name must be at most ${MAX_IDENTITY} characters (no NUL)`;
  }
  if (input.seatIds) {
    if (input.seatIds.length > MAX_SEAT_IDS) return `${prefix}seatIds must hold at most ${MAX_SEAT_IDS} seat ids, got ${input.seatIds.length}`;
    const wrong = input.seatIds.find(bad);
    if (wrong !== undefined) return `${prefix}seatIds must hold seat ids of 1 to ${MAX_IDENTITY} characters (no NUL), got "${wrong.slice(0, 40)}"`;
  }
  return null;
}

/** Sets a login's profile (one statement); TENANT_NOT_FOUND for a tenant that does not exist. */
export async function setAgentProfile(pool: pg.Pool, tenantId: bigint, input: AgentProfileInput): Promise<void> {
  const seatIds = input.seatIds ? [...new Set(input.seatIds)].sort() : null;
  try {
    await pool.query(
      `WITH moved AS (
         UPDATE "AgentProfile" SET "seatIds" = ARRAY(SELECT s FROM unnest("seatIds") AS s WHERE s <> ALL($3::text[]) ORDER BY s), "updatedAt" = now()
          WHERE "tenantId" = $1::bigint AND login <> $2 AND $3::text[] IS NOT NULL AND "seatIds" && $3::text[]
       )
       INSERT INTO "AgentProfile" AS p ("tenantId", login, name, "seatIds") VALUES ($1::bigint, $2, $4, coalesce($3::text[], '{}'))
       ON CONFLICT ("tenantId", login) DO UPDATE SET
         name = CASE WHEN $5 THEN excluded.name ELSE p.name END,
         "seatIds" = coalesce($3::text[], p."seatIds"),
         "updatedAt" = now()`,
      [tenantId.toString(), input.login, seatIds, input.name ?? null, input.name !== undefined],
    );
  } catch (err) {
    if ((err as { code?: string }).code === '23503') throw new AdminError('TENANT_NOT_FOUND', `tenant ${tenantId} does not exist`);
    throw err;
  }
}
