// Argument parsing for the CLI's commands (node:util parseArgs), with the
// CLI's conventions: `--help` on every command, usage errors (exit 2) that
// name the unknown command, flag or bad value, and one-line failures (exit 1).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseTenantId } from '../domain/tenant-id.ts';

/** A failure to print as one line on stderr; `exitCode` 2 for usage errors, 1 otherwise. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly exitCode: 1 | 2 = 1) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, 2);
}

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export interface CommandSpec {
  /** e.g. "key create". */
  name: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  /** How many positional arguments the command takes (names, for messages). */
  positionals?: readonly string[];
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
  help: boolean;
}

/** Parses argv for one command; `--help` is always known. Usage errors name the flag. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: valuesStartingWithDash(spec, argv),
      options: { ...spec.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    if (unknown) throw usageError(`${spec.name}: unknown option ${unknown[1]} (see chatgraph ${spec.name} --help)`);
    const missing = /Option '([^']+?)(?: <value>)?' argument missing/.exec(message);
    if (missing) throw usageError(`${spec.name}: option ${missing[1]!.replace(/^-\w, /, '')} needs a value`);
    throw usageError(`${spec.name}: ${message.split('\n')[0]}`);
  }
  const help = parsed.values.help === true;
  const allowed = spec.positionals ?? [];
  if (!help && parsed.positionals.length > allowed.length) {
    const extra = parsed.positionals[allowed.length]!;
    throw usageError(`${spec.name}: unexpected argument "${extra}" (see chatgraph ${spec.name} --help)`);
  }
  return { values: parsed.values as Parsed['values'], positionals: parsed.positionals, help };
}

/**
 * `--key -Xy…`: a value that starts with a dash (a random key or secret
 * does, one time in 64) is taken as the value of the option before it when
 * it is not itself an option of the command; parseArgs alone calls it
 * ambiguous. Written `--key=-Xy…` for it.
 */
function valuesStartingWithDash(spec: CommandSpec, argv: readonly string[]): string[] {
  const options: NonNullable<ParseArgsConfig['options']> = { ...spec.options, help: { type: 'boolean', short: 'h' } };
  const isOption = (token: string) => {
    const long = /^--([^=]+)/.exec(token);
    if (long) return long[1]! in options;
    return token.length >= 2 && Object.values(options).some((o) => o.short === token[1]);
  };
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    const name = /^--([^=]+)$/.exec(token)?.[1];
    const next = argv[i + 1];
    if (name && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '-' && !isOption(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}

export function requireString(p: Parsed, spec: CommandSpec, name: string): string {
  const value = p.values[name];
  if (typeof value !== 'string' || value.trim() === '') throw usageError(`${spec.name}: --${name} is required (see chatgraph ${spec.name} --help)`);
  return value.trim();
}

export function optionalString(p: Parsed, name: string): string | undefined {
  const value = p.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requirePositional(p: Parsed, spec: CommandSpec, index: number): string {
  const value = p.positionals[index];
  const label = spec.positionals?.[index] ?? 'argument';
  if (!value) throw usageError(`${spec.name}: <${label}> is required (see chatgraph ${spec.name} --help)`);
  return value;
}

/** A tenant id: a positive 64-bit integer, as exact digits. */
export function tenantIdOf(spec: CommandSpec, raw: string, flag = '--tenant'): bigint {
  const id = parseTenantId(raw);
  if (id === null) throw usageError(`${spec.name}: ${flag} must be a tenant id (a positive 64-bit integer), got "${raw}"`);
  return id;
}

export function intOption(p: Parsed, spec: CommandSpec, name: string, fallback: number, min: number, max: number): number {
  const raw = p.values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw.replace(/_/g, '')) || Number(raw.replace(/_/g, '')) < min || Number(raw.replace(/_/g, '')) > max) {
    throw usageError(`${spec.name}: --${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw.replace(/_/g, ''));
}

/** An ISO 8601 time or epoch milliseconds. */
export function timeOption(p: Parsed, spec: CommandSpec, name: string): number | undefined {
  const raw = p.values[name];
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms) || ms < 0) throw usageError(`${spec.name}: --${name} must be an ISO 8601 time (2024-01-31T00:00:00Z) or epoch milliseconds, got "${text}"`);
  return ms;
}

export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : text + '\n');
}

/** Plain columns for lists, padded to the widest cell. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function formatTime(date: Date | null | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-';
}
