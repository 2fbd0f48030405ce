// Helpers shared by the benchmarks: databases on a PostgreSQL server (create,
// drop), the machine description, argument parsing and small statistics.
import { execSync } from 'node:child_process';
import os from 'node:os';
import { readFileSync } from 'node:fs';
import pg from 'pg';

/** The same server URL with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error(`the URL names no database: ${url}`);
  return name;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function withAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates the URL's database unless it exists; true when it was created now. */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  return withAdmin(url, async (c) => {
    const { rowCount } = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
    return true;
  });
}

/** Drops the URL's database (closing what is still connected to it). */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withAdmin(url, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`));
}

/** A fresh database: dropped if it exists, then created. */
export async function freshDatabase(url: string): Promise<void> {
  await dropDatabase(url);
  await ensureDatabase(url);
}

/** Creates `url`'s database as a copy of `templateUrl`'s (which must have no open connections). */
export async function cloneDatabase(templateUrl: string, url: string): Promise<void> {
  await dropDatabase(url);
  await withAdmin(url, (c) => c.query(`CREATE DATABASE ${quoteIdent(databaseName(url))} TEMPLATE ${quoteIdent(databaseName(templateUrl))}`));
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  postgres: string;
  postgresSettings: Record<string, string>;
}

export async function machineInfo(url: string): Promise<MachineInfo> {
  const cpus = os.cpus();
  const { version, settings } = await withAdmin(url, async (c) => {
    const v = await c.query<{ server_version: string }>('SHOW server_version');
    const s = await c.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
        WHERE name IN ('shared_buffers','fsync','synchronous_commit','full_page_writes','wal_level','max_wal_size','checkpoint_timeout')
        ORDER BY name`,
    );
    return { version: v.rows[0]!.server_version, settings: Object.fromEntries(s.rows.map((r) => [r.name, r.unit ? `${r.setting} (${r.unit})` : r.setting])) };
  });
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    postgres: version,
    postgresSettings: settings,
  };
}

/** `--name value` / `--name=value` / `--flag` arguments. */
export function parseArgs(argv: string[], known: { values: string[]; flags?: string[] }, usage: string): { values: Map<string, string>; flags: Set<string> } {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(usage + '\n');
      process.exit(0);
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}\n${usage}`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (known.flags?.includes(name)) {
      flags.add(name);
      continue;
    }
    if (!known.values.includes(name)) throw new Error(`unknown option --${name}\n${usage}`);
    const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
    if (v === undefined) throw new Error(`--${name} needs a value`);
    values.set(name, v);
  }
  return { values, flags };
}

export function intArg(values: Map<string, string>, name: string, fallback: number, min = 1): number {
  const raw = values.get(name);
  if (raw === undefined) return fallback;
  const n = Number(raw.replace(/_/g, ''));
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${raw}`);
  return n;
}

/** The q-quantile (0..1) of sorted numbers, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function seconds(fromNs: bigint): number {
  return Number(process.hrtime.bigint() - fromNs) / 1e9;
}

export function seedOf(raw: string | undefined, fallback: number): number | string {
  if (raw === undefined) return fallback;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

/** Busy CPU time of the whole machine, in seconds (Linux /proc/stat: user, nice, system, irq, softirq, steal), or null elsewhere. */
export function machineBusySeconds(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + (f[7] ?? 0)) / 100; // USER_HZ
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) this Node process has used. */
export function nodeCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * PostgreSQL's processes pinned to `cpu`, away from the core of the server
 * under test (bench:peer: beside wrk, as the issue's own measurement was
 * made; bench:live: beside the receivers), so that that core runs the
 * server alone: unpinned, PostgreSQL's backends ran on it whenever the other
 * core was busy. The postmaster's affinity is inherited by the backends it
 * forks (each server's pool). Only for a database on this machine, and
 * where taskset is allowed; else left as is. Restored to every CPU when the
 * process exits, however it exits.
 */
export function pinPostgres(url: string, cpu: string | null): { cpu: string | null; why: string; restore(): void } {
  const none = (why: string) => ({ cpu: null, why, restore() {} });
  if (cpu === null) return none('--postgres-cpu none');
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname)) return none('the database is not on this machine');
  const pids = () => {
    try {
      return execSync('pgrep -x postgres', { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const setAll = (list: string) => {
    let done = 0;
    for (const pid of pids()) {
      try {
        execSync(`taskset -a -cp ${list} ${pid}`, { stdio: 'ignore' });
        done++;
      } catch { /* a backend that exited meanwhile */ }
    }
    return done;
  };
  if (!setAll(cpu)) return none('no PostgreSQL process found, or taskset not allowed');
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    setAll(`0-${os.cpus().length - 1}`);
  };
  // However the run ends: a failure, process.exit, Ctrl-C.
  process.once('exit', restore);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  return { cpu, why: '', restore };
}
