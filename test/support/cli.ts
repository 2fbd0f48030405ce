// The CLI as an operator runs it (`node --import tsx src/cli/main.ts …`, what
// `npx chatgraph` does), against a database of its own: a copy of the
// migrated PGlite template in a fresh DATA_DIR (embedded run), or a new
// database cloned from the migrated template (PostgreSQL run). A server
// process can then be started on the same database (startServerProcess with
// `db.env`) — on the embedded database only while no CLI process runs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresTestDatabase, testTarget } from './database.ts';
import { parseJsonLossless, stringifyJson } from '../../src/domain/lossless-json.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliDatabase {
  /** DATA_DIR (and DATABASE_URL on PostgreSQL) and SECRETS_KEY for CLI and server processes. */
  readonly env: Record<string, string>;
  readonly dataDir: string;
  cli(args: readonly string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  close(): Promise<void>;
}

export function runCliProcess(args: readonly string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chatgraph ${args.join(' ')} did not finish in ${timeoutMs} ms:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function openCliDatabase(): Promise<CliDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-cli-'));
  const env: Record<string, string> = { DATA_DIR: dataDir, SECRETS_KEY: randomBytes(32).toString('base64'), LEGACY_TIME_ZONE: 'Asia/Shanghai' };
  let drop: (() => Promise<void>) | null = null;
  if (testTarget === 'postgres') {
    const created = await createPostgresTestDatabase('cg_cli');
    env.DATABASE_URL = created.url;
    drop = created.drop;
  } else if (process.env.TEST_PGLITE_TEMPLATE) {
    cpSync(process.env.TEST_PGLITE_TEMPLATE, path.join(dataDir, 'pglite'), { recursive: true });
  }
  return {
    env,
    dataDir,
    cli: (args, extraEnv = {}) => runCliProcess(args, { ...env, ...extraEnv }),
    async close() {
      await drop?.();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The credentials `tenant create` prints. */
export function parseCredentials(stdout: string): { adminKey: string; ingestKey: string; readKey: string; webhookSecret: string } {
  const get = (label: string) => {
    const match = new RegExp(`${label}\\s+(\\S+)`).exec(stdout);
    if (!match) throw new Error(`no ${label} in:\n${stdout}`);
    return match[1]!;
  };
  return { adminKey: get('admin key'), ingestKey: get('ingest key'), readKey: get('read key'), webhookSecret: get('webhook secret') };
}

/** Every record of a tenant through a server's msgPage, without the fields that differ between databases (id, createTime), sorted. */
export async function allMsgPageRecords(baseUrl: string, readKey: string, tenantId = '82'): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let current = 1; ; current++) {
    const res = await fetch(`${baseUrl}/wscrm-bus-api/open/message/msgPage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', token: readKey },
      body: JSON.stringify({ tenantId, current, pageSize: 500, info: {} }),
    });
    // Parsed exactly: agent ids beyond 2^53 stay bigints.
    const text = await res.text();
    const body = parseJsonLossless(text) as unknown as { code: number; data: { records: Record<string, unknown>[]; pages: number } };
    if (body.code !== 200) throw new Error(`msgPage: ${text}`);
    for (const { id: _id, createTime: _c, ...rest } of body.data.records) out.push(rest);
    if (current >= body.data.pages) break;
  }
  const keyed = out.map((r) => [stringifyJson(r), r] as const);
  return keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, r]) => r);
}
