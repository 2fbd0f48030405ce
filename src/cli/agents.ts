// chatgraph agent set — the agent directory's admin ties (README "Agents").
import { agentProfileProblem, MAX_SEAT_IDS, type AgentProfileInput } from '../ingest/agent-profiles.ts';
import { optionalString, requireString, usageError, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { REMOTE_OPTIONS, REMOTE_USAGE, withAdmin } from './admin-backend.ts';
import { tenantOption } from './keys.ts';

const setSpec: CommandSpec = {
  name: 'agent set',
  usage: `usage: chatgraph agent set --tenant <id> --login <login> [--name <s>] [--seats <id,id…>] [--url <url> --key <key>]

Sets an agent in the directory, where the CRM never sends both halves of it:
its display name and the seat ids (CLIENT_SYNC userId) that are its login's
(MSG_SYNC userName). These ties win over those learned from the webhooks.
Options not given keep what was set before.

  --tenant <id>     the tenant (optional with --url and an ADMIN key: its own)
  --login <login>   the agent's login
  --name <s>        its display name ("" clears it)
  --seats <list>    comma-separated seat ids, replacing those set before ("" clears
                    them; a seat id set for another login moves here; at most ${MAX_SEAT_IDS})
${REMOTE_USAGE}`,
  options: { tenant: { type: 'string' }, login: { type: 'string' }, name: { type: 'string' }, seats: { type: 'string' }, ...REMOTE_OPTIONS },
};

export const agentCommands: Command[] = [
  {
    spec: setSpec,
    summary: "set an agent's display name and seat ids",
    async run(p, io) {
      const tenantId = tenantOption(p, setSpec);
      const input: AgentProfileInput = { login: requireString(p, setSpec, 'login') };
      const name = optionalString(p, 'name');
      if (name !== undefined) input.name = name.trim() || null;
      const seats = optionalString(p, 'seats');
      if (seats !== undefined) input.seatIds = seats.split(',').map((s) => s.trim()).filter(Boolean);
      const problem = agentProfileProblem(input, '--');
      if (problem) throw usageError(`${setSpec.name}: ${problem}`);
      await withAdmin(p, setSpec, io, async (admin) => {
        const agent = await admin.setAgent(tenantId, input);
        write(io.stdout, `agent ${agent.login}${agent.name ? ` ("${agent.name}")` : ''}: seats ${agent.seatIds.join(',') || '-'}; accounts ${agent.accounts.join(',') || '-'}`);
      });
    },
  },
];
