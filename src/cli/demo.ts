// chatgraph demo [--messages N] — the demo tenant (82) with a deterministic
// dataset from the generator that the benchmarks use too (src/demo/dataset.ts, seed 42): MSG_SYNC
// bodies and status updates, stored through the ingest service, so GraphiQL
// has something to show. Also run by the server on the first start of an
// empty database when DEMO_DATA=true.
import { createDataset } from '../demo/dataset.ts';
import { DEMO_TENANT_ID, createTenant, formatCredentials } from '../auth/tenants.ts';
import { parseJsonLossless, type LosslessJsonValue } from '../domain/lossless-json.ts';
import type { IngestService } from '../ingest/service.ts';
import type { MessageInput, StatusUpdateInput } from '../ingest/model.ts';
import { normaliseMsgSync } from '../ingest/msg-sync.ts';
import { normaliseStatusSync } from '../ingest/status-sync.ts';
import { intOption, optionalString, write, type CommandSpec } from './args.ts';
import type { Command } from './command.ts';
import { withContext } from './context.ts';
import { addSummary, emptyTotals, formatSummary, Progress, type Totals } from './progress.ts';

export const DEMO_MESSAGES = 3000;
export const DEMO_SEED = 42;

const spec: CommandSpec = {
  name: 'demo',
  usage: `usage: chatgraph demo [--messages N] [--seed S]

Creates the demo tenant (82, "Demo company") if it is missing, printing its
keys and webhook secret once, and stores a generated dataset for it through
the ingest service: conversations of 5 agents with 300 contacts and 10
groups, text, media, contact cards and quotes, with status updates. The same
options give the same data: running it again stores nothing new.

  --messages <n>   how many messages (default ${DEMO_MESSAGES}, at most 1000000)
  --seed <s>       the generator's seed (default ${DEMO_SEED})
  --quiet          no progress on stderr`,
  options: { messages: { type: 'string' }, seed: { type: 'string' }, quiet: { type: 'boolean' } },
};

/**
 * Stores the demo dataset for `tenantId` through `ingest`. Status times are
 * taken from the messages' chat times (not the clock), so the data is the
 * same on every run.
 */
export async function loadDemoData(
  ingest: IngestService,
  tenantId: bigint,
  options: { messages?: number; seed?: number | string; timeZone: string; onProgress?: (totals: Totals, fraction: number) => void },
): Promise<Totals> {
  const total = options.messages ?? DEMO_MESSAGES;
  const dataset = createDataset({ seed: options.seed ?? DEMO_SEED, messages: total, tenants: 1, agentsPerTenant: 5, contactsPerTenant: 300, groupsPerTenant: 10, spanDays: 60 });
  const totals = emptyTotals();
  let messages: MessageInput[] = [];
  let statuses: StatusUpdateInput[] = [];
  let latest = dataset.startTime;
  let seen = 0;
  const flush = async () => {
    if (messages.length) addSummary(totals, await ingest.store(tenantId, { messages }));
    if (statuses.length) addSummary(totals, await ingest.store(tenantId, { statusUpdates: statuses }));
    totals.records += messages.length + statuses.length;
    messages = [];
    statuses = [];
    options.onProgress?.(totals, total ? seen / total : 1);
  };
  for (const batch of dataset.mixedBatches({ kind: 'msg-sync' })) {
    const body = parseJsonLossless(batch.json) as { data: LosslessJsonValue[] } | LosslessJsonValue[];
    if (batch.kind === 'msg-sync') {
      const items = normaliseMsgSync({ tenantId, timestamp: 0, accessToken: '', data: (body as { data: LosslessJsonValue[] }).data }, options.timeZone);
      for (const m of items) {
        messages.push({ ...m, statusAt: m.chatTime });
        if (m.chatTime.getTime() > latest) latest = m.chatTime.getTime();
      }
      seen += items.length;
    } else {
      statuses.push(...normaliseStatusSync(body, new Date(latest + 60_000)));
    }
    if (messages.length + statuses.length >= 500) await flush();
  }
  await flush();
  return totals;
}

export const demoCommand: Command = {
  spec,
  summary: 'create the demo tenant (82) and load a generated dataset',
  async run(p, io) {
    const messages = intOption(p, spec, 'messages', DEMO_MESSAGES, 0, 1_000_000);
    const seedRaw = optionalString(p, 'seed');
    const seed = seedRaw === undefined ? DEMO_SEED : /^\d+$/.test(seedRaw) ? Number(seedRaw) : seedRaw;
    await withContext(io, async (ctx) => {
      const exists = await ctx.db.prisma.tenant.findUnique({ where: { id: DEMO_TENANT_ID }, select: { name: true } });
      if (!exists) {
        write(io.stdout, formatCredentials(await createTenant(ctx.db.prisma, ctx.secrets, { id: DEMO_TENANT_ID, name: 'Demo company' })));
      } else {
        write(io.stdout, `demo tenant ${DEMO_TENANT_ID} ("${exists.name}") exists; its keys are not shown again (create one: chatgraph key create --tenant ${DEMO_TENANT_ID} --scopes READ)`);
      }
      const progress = new Progress(io.stderr, 'demo data', { quiet: p.values.quiet === true });
      const started = Date.now();
      const totals = await loadDemoData(ctx.ingest(), DEMO_TENANT_ID, {
        messages,
        seed,
        timeZone: ctx.config.legacyTimeZone,
        onProgress: (t, fraction) => progress.update({ records: t.records, fraction }),
      });
      progress.done();
      write(io.stdout, `demo data for tenant ${DEMO_TENANT_ID} (seed ${seed}): ${formatSummary(totals, Date.now() - started)}`);
    });
  },
};
