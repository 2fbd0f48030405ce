// An `agent` filter (an Agent id, or a seat id) turned into the identities
// its messages name, through the request's agent directory.
import { decodeGlobalID } from '@pothos/plugin-relay';
import { identitiesOf, type AgentIdentities } from '../read/agents.ts';
import { seatKey } from '../domain/agent-directory.ts';
import { idProblem } from '../domain/text.ts';
import type { Context } from './context.ts';
import { badInput } from '../domain/bad-input.ts';


/** An Agent id's key (AgentDirectory.byKey); BAD_USER_INPUT naming the argument when it is not an Agent id. */
export function agentKeyOf(globalId: string, argName: string): string {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw badInput(`${argName} is not a valid id: "${globalId.slice(0, 64)}"`);
  }
  if (decoded.typename !== 'Agent' || !/^[LS]./.test(decoded.id)) throw badInput(`${argName} must be the id of an Agent`);
  return decoded.id;
}

/**
 * The messages an Agent id (`agent`: all of the agent's, on every account)
 * or a seat id (`seatId`: that seat's, i.e. naming it, or naming its agent's
 * login on the accounts the seat was seen on) name; undefined when neither
 * is given. An agent the directory does not know names no message; a seat id
 * it has not seen names only itself.
 */
export async function agentFilterOf(
  ctx: Context,
  given: { agent?: string | number | null; seatId?: string | null },
  names: { agent: string; seatId: string },
): Promise<AgentIdentities | undefined> {
  if (given.agent != null && given.seatId != null) throw badInput(`give ${names.agent} or ${names.seatId}, not both`);
  if (given.agent != null) {
    const agent = (await ctx.loaders.agentDirectory()).byKey(agentKeyOf(String(given.agent), names.agent));
    return agent ? identitiesOf(agent) : { logins: [], seats: [] };
  }
  if (given.seatId != null && given.seatId !== '') {
    // The ids' one rule (src/domain/text.ts): a seat id that could not be stored names no seat; say why.
    const problem = idProblem(given.seatId);
    if (problem) throw badInput(`${names.seatId} ${problem}`);
    const directory = await ctx.loaders.agentDirectory();
    const agent = directory.byKey(seatKey(given.seatId));
    return { logins: agent?.login ? [agent.login] : [], seats: [given.seatId], loginAccounts: directory.seatAccounts(given.seatId) };
  }
  return undefined;
}
