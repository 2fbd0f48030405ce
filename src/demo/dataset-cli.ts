// The dataset generator's command line (src/demo/dataset.ts): JSON Lines of
// webhook bodies or rows on stdout.
//
//   npx tsx src/demo/dataset-cli.ts --messages 1000 --seed 42 --kind msg-sync|client-sync|status|mixed|rows|none [--stats]
import { once } from 'node:events';
import { CONTENT_MIX, DatasetImpl, checkBatchSize, createDataset, type CoreMessage, type PipelineOptions } from './dataset.ts';
import { isEntryModule } from '../paths.ts';

const USAGE = `usage: npx tsx src/demo/dataset-cli.ts [options]
  --messages N          total messages (default 1000)
  --seed S              PRNG seed, number or string (default 42)
  --kind K              msg-sync | client-sync | status | mixed | mixed-client | rows | none (default msg-sync)
  --batch-size N        items per body (default 50; msg-sync at most 50)
  --repush              msg-sync: re-push messages with messageStatus 3/4 on status changes
  --tenants N --agents N --accounts N --contacts N --groups N
  --start ISO|ms        first chat time (default 2024-01-01T00:00:00+08:00)
  --span-days N         (default 180)
  --status-ratio F      share of outbound messages with status updates (default 0.5)
  --zipf S              conversation-size exponent (default 0.9)
  --stats               print counts to stderr
Writes JSON Lines to stdout: one webhook body (or row) per line.`;

async function cli(argv: string[]): Promise<void> {
  const args = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE + '\n');
      return;
    }
    if (a === '--stats' || a === '--repush') {
      flags.add(a.slice(2));
      continue;
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const eq = a.indexOf('=');
    if (eq > 0) args.set(a.slice(2, eq), a.slice(eq + 1));
    else {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      args.set(a.slice(2), v);
    }
  }
  const num = (k: string): number | undefined => {
    const v = args.get(k);
    if (v === undefined) return undefined;
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isFinite(n)) throw new Error(`--${k}: not a number: ${v}`);
    return n;
  };
  const known = new Set(['messages', 'seed', 'kind', 'batch-size', 'tenants', 'agents', 'accounts', 'contacts', 'groups', 'start', 'span-days', 'status-ratio', 'zipf']);
  for (const k of args.keys()) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const seedArg = args.get('seed') ?? '42';
  const startArg = args.get('start');
  const ds = createDataset({
    seed: /^\d+$/.test(seedArg) ? Number(seedArg) : seedArg,
    messages: num('messages') ?? 1000,
    tenants: num('tenants'),
    agentsPerTenant: num('agents'),
    accountsPerAgent: num('accounts'),
    contactsPerTenant: num('contacts'),
    groupsPerTenant: num('groups'),
    startTime: startArg === undefined ? undefined : /^\d+$/.test(startArg) ? Number(startArg) : Date.parse(startArg),
    spanDays: num('span-days'),
    statusUpdateRatio: num('status-ratio'),
    zipfExponent: num('zipf'),
  });
  const kind = args.get('kind') ?? 'msg-sync';
  const batchSize = num('batch-size') ?? 50;
  const stats = flags.has('stats');
  const started = process.hrtime.bigint();

  const byType = new Map<number, number>();
  const byStatus = new Map<number, number>();
  let outbound = 0;
  let msgCount = 0;
  const onMessage = stats
    ? (m: CoreMessage): void => {
        msgCount++;
        byType.set(m.contentType, (byType.get(m.contentType) ?? 0) + 1);
        byStatus.set(m.finalStatus, (byStatus.get(m.finalStatus) ?? 0) + 1);
        if (m.actionType === 1) outbound++;
      }
    : undefined;
  const batchCounts = new Map<string, number>();

  let lines: Iterable<string>;
  const impl = ds as DatasetImpl;
  switch (kind) {
    case 'rows':
      lines = (function* () {
        for (const r of impl.observeRows(onMessage ?? (() => {}))) yield JSON.stringify(r);
      })();
      break;
    case 'none':
      lines = (function* () {
        for (const _ of impl.observeRows(onMessage ?? (() => {}))) void _;
      })();
      break;
    case 'msg-sync':
    case 'client-sync':
    case 'status':
    case 'mixed':
    case 'mixed-client': {
      const msgKind = kind === 'msg-sync' || kind === 'mixed' ? 'msg-sync' : kind === 'status' ? null : 'client-sync';
      checkBatchSize(batchSize, msgKind === 'msg-sync' ? 50 : null);
      const p: PipelineOptions = {
        msgKind,
        status: kind === 'status' || kind.startsWith('mixed'),
        batchSize,
        repush: flags.has('repush'),
        onMessage,
      };
      lines = (function* () {
        for (const b of impl.observe(p)) {
          batchCounts.set(b.kind, (batchCounts.get(b.kind) ?? 0) + 1);
          yield b.json;
        }
      })();
      break;
    }
    default:
      throw new Error(`unknown --kind ${kind}\n${USAGE}`);
  }

  let chunk: string[] = [];
  let size = 0;
  const out = process.stdout;
  for (const line of lines) {
    chunk.push(line);
    size += line.length;
    if (size > 1 << 20) {
      chunk.push('');
      if (!out.write(chunk.join('\n'))) await once(out, 'drain');
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length > 0) {
    chunk.push('');
    if (!out.write(chunk.join('\n'))) await once(out, 'drain');
  }

  if (stats) {
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const err = (s: string): boolean => process.stderr.write(s + '\n');
    const pct = (n: number): string => (msgCount ? ((100 * n) / msgCount).toFixed(2) : '0.00') + '%';
    err(`seed=${String(ds.options.seed)} messages=${msgCount} kind=${kind} time=${secs.toFixed(2)}s (${Math.round(msgCount / Math.max(secs, 1e-9))} msg/s)`);
    err('tenants:');
    for (const t of ds.tenants) {
      err(`  ${t.id} ${t.name}: agents=${t.agents.length} accounts=${t.accounts.length} contacts=${t.contacts.length} groups=${t.groups.length} messages=${t.messageCount}`);
    }
    const names: Record<number, string> = { 0: 'text', 1: 'image', 2: 'video', 3: 'audio', 4: 'file', 6: 'contact', 7: 'sticker', 9: 'quote' };
    err('content types (msgPage code):');
    for (const [code] of CONTENT_MIX) err(`  ${code} ${(names[code] ?? '').padEnd(8)} ${String(byType.get(code) ?? 0).padStart(9)}  ${pct(byType.get(code) ?? 0)}`);
    err(`direction: outbound=${outbound} (${pct(outbound)}) inbound=${msgCount - outbound}`);
    err(`final status: ${[1, 2, 3, 4].map((s) => `${s}=${byStatus.get(s) ?? 0}`).join(' ')}`);
    const sizes = ds.conversations.map((c) => c.messageCount).filter((n) => n > 0).sort((a, b) => b - a);
    const median = sizes.length ? (sizes[Math.floor(sizes.length / 2)] ?? 0) : 0;
    err(`conversations: ${ds.conversations.length} total, ${sizes.length} with messages, median size ${median}`);
    err(`top-10 conversation sizes: ${sizes.slice(0, 10).join(', ')}`);
    if (batchCounts.size) err(`bodies: ${[...batchCounts].map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
}

if (isEntryModule(import.meta.url)) {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  cli(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
