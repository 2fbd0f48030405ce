// The demo tenant's credentials, said once when it is created (first start
// of an empty embedded database): written to $DATA_DIR/demo.env as `export`
// lines a shell can `source` (the README's quick start does), shown as a
// text banner when stderr is a terminal, else carried by a JSON log record.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log.ts';
import { formatCredentials, type TenantCredentials } from './tenants.ts';

export const DEMO_ENV_FILE = 'demo.env';

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

/** The file's text: the four variables the README's examples use. */
export function demoEnv(c: TenantCredentials, createdAt = new Date()): string {
  return [
    `# chatgraph demo tenant ${c.tenantId} (${c.name}), created ${createdAt.toISOString()}.`,
    '# Load into a shell with: source data/demo.env (or $DATA_DIR/demo.env)',
    `export ADMIN_KEY=${quote(c.adminKey)}`,
    `export INGEST_KEY=${quote(c.ingestKey)}`,
    `export READ_KEY=${quote(c.readKey)}`,
    `export SECRET=${quote(c.webhookSecret)}`,
    '',
  ].join('\n');
}

/** Writes $DATA_DIR/demo.env (owner-only: it holds secrets); returns its path, or null when it cannot be written (logged). */
export function writeDemoEnv(c: TenantCredentials, dataDir: string, log: Logger): string | null {
  const file = path.join(dataDir, DEMO_ENV_FILE);
  try {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, demoEnv(c), { mode: 0o600 });
    return file;
  } catch (err) {
    log.warn({ file, err: (err as Error).message }, 'could not write the demo tenant\'s keys to a file');
    return null;
  }
}

export interface AnnounceOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly log: Logger;
  /** Default: whether stderr is a terminal. */
  readonly tty?: boolean;
  readonly stderr?: NodeJS.WritableStream;
}

/** Writes demo.env, then shows the credentials: a banner on a terminal, else one log record with them. */
export function announceDemoTenant(c: TenantCredentials, options: AnnounceOptions): void {
  const { log } = options;
  const file = writeDemoEnv(c, options.dataDir, log);
  const relative = file && path.relative(process.cwd(), file);
  const shown = relative && !relative.startsWith('..') ? relative : file;
  const stderr = options.stderr ?? process.stderr;
  if (options.tty ?? Boolean((stderr as { isTTY?: boolean }).isTTY)) {
    stderr.write(
      `\n==== chatgraph demo tenant (created on first start of an empty database) ====\n${formatCredentials(c)}\n` +
        (shown ? `Also written to ${shown}: in another terminal, run  source ${shown}\n` : '') +
        `Try: curl -H 'Authorization: Bearer ${c.readKey}' -H 'content-type: application/json' \\\n` +
        `       -d '{"query":"{ viewer { tenantId tenantName scopes } }"}' http://localhost:${options.port}/graphql\n` +
        '=============================================================================\n\n',
    );
    return;
  }
  // Not a terminal (a service manager, a pipe): the keys go into the log, once.
  log.info(
    {
      demoTenant: { tenantId: c.tenantId.toString(), name: c.name },
      adminKey: c.adminKey,
      ingestKey: c.ingestKey,
      readKey: c.readKey,
      webhookSecret: c.webhookSecret,
      envFile: file,
    },
    `demo tenant created (first start of an empty database); its keys are shown once${shown ? `, and written to ${shown} (source it)` : ''}`,
  );
}
