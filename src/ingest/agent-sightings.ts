// The agent directory's input (prisma/schema.prisma AgentSighting): which seat
// ids and logins a batch shows serving which accounts, and when. A batch holds
// a handful (its distinct account × identity pairs), upserted by the same
// statement that stores the batch (store.ts): no extra round trip, and the
// directory commits or rolls back with the messages.
import { compare } from './batch.ts';
import type { MessageInput } from './model.ts';

/** One sighting as the statement reads it: [accountWhatsIdBare, kind, value, accountWhatsId, firstChatAt ms, lastChatAt ms]. */
export type SightingRow = [string, 'SEAT' | 'LOGIN', string, string, number, number];

/** The batch's sightings, in key order (concurrent statements lock the rows in the same order). */
export function agentSightings(messages: readonly Pick<MessageInput, 'accountWhatsIdBare' | 'accountWhatsId' | 'agentId' | 'agentAccount' | 'chatTime'>[]): SightingRow[] {
  const rows = new Map<string, SightingRow>();
  const see = (m: (typeof messages)[number], kind: 'SEAT' | 'LOGIN', value: string | null) => {
    if (!value) return;
    const key = `${m.accountWhatsIdBare}\u0000${kind}\u0000${value}`;
    const t = m.chatTime.getTime();
    const row = rows.get(key);
    if (!row) rows.set(key, [m.accountWhatsIdBare, kind, value, m.accountWhatsId, t, t]);
    else {
      if (t < row[4]) row[4] = t;
      if (t > row[5]) row[5] = t;
    }
  };
  for (const m of messages) {
    see(m, 'SEAT', m.agentId);
    see(m, 'LOGIN', m.agentAccount);
  }
  return [...rows.values()].sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1]) || compare(a[2], b[2]));
}

/**
 * The upsert, as a data-modifying CTE in front of the store call: a sighting
 * widens its row's time span, and writes nothing when the span already holds
 * the batch (the common redelivery of a status).
 */
export const LEARN_SIGHTINGS_CTE = `learned AS (
  INSERT INTO "AgentSighting" AS a ("tenantId", "accountWhatsIdBare", "kind", "value", "accountWhatsId", "firstChatAt", "lastChatAt")
  SELECT $1::bigint, s->>0, (s->>1)::"AgentIdentityKind", s->>2, s->>3,
         to_timestamp((s->>4)::bigint / 1000.0), to_timestamp((s->>5)::bigint / 1000.0)
  FROM jsonb_array_elements($5::jsonb) AS s
  ON CONFLICT ("tenantId", "accountWhatsIdBare", "kind", "value") DO UPDATE
    SET "firstChatAt" = least(a."firstChatAt", excluded."firstChatAt"), "lastChatAt" = greatest(a."lastChatAt", excluded."lastChatAt")
    WHERE excluded."firstChatAt" < a."firstChatAt" OR excluded."lastChatAt" > a."lastChatAt"
)`;
