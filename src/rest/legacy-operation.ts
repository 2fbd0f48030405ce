// What the legacy read endpoints (msgPage, retrievePastRecords) share: the
// API key from their headers, reading their JSON bodies field by field (the
// legacy callers send numbers as strings and "" for "no filter"), running
// their GraphQL operation through the /graphql pipeline, and turning any
// failure into a legacy code and a message that names what was wrong.
import type { GraphQLError } from 'graphql';
import { bearerToken } from '../auth/api-keys.ts';
import { toExactDecimalString, type LosslessJsonValue } from '../domain/lossless-json.ts';
import { BodyError, parseJsonBody, readText } from '../http/body.ts';
import { executeOperation, type OperationCall } from '../execution/execute-operation.ts';
import type { RouteYoga } from '../http/routes.ts';
import { ErrorList, JsonFields, describeJsonType, isObject } from '../ingest/fields.ts';
import type { Logger } from '../log.ts';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../db/errors.ts';

/** Legacy requests are a few filters: a small bound is plenty. */
export const LEGACY_MAX_BODY_BYTES = 64 * 1024;

/** A refused request: the legacy `code` (also the HTTP status) and what was wrong. */
export class LegacyError extends Error {
  override name = 'LegacyError';
  constructor(readonly code: 400 | 401 | 403 | 413 | 429 | 500 | 503, message: string) {
    super(message);
  }
}

/** The API key: `Authorization: Bearer <key>` or a `token: <key>` header; 401 without one. */
export function legacyApiKey(request: Request): string {
  const key = bearerToken(request.headers.get('authorization')) ?? request.headers.get('token')?.trim();
  if (!key) throw new LegacyError(401, 'authentication required: send the API key in the token header or as Authorization: Bearer <key>');
  return key;
}

/** A legacy request body (or a nested object of it). */
export type LegacyObject = { [key: string]: LosslessJsonValue };

/** The request body: a JSON object (big integers exact), at most LEGACY_MAX_BODY_BYTES. */
export async function readLegacyObject(request: Request): Promise<LegacyObject> {
  let body: LosslessJsonValue;
  try {
    body = parseJsonBody(await readText(request, LEGACY_MAX_BODY_BYTES));
  } catch (err) {
    if (err instanceof BodyError) throw new LegacyError(err.status === 413 ? 413 : 400, err.message);
    throw err;
  }
  if (!isObject(body)) throw new LegacyError(400, `request body must be a JSON object, got ${describeJsonType(body)}`);
  return body;
}

const blank = (v: LosslessJsonValue | undefined) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * Reads a legacy object's fields. Absent, null and "" all mean "not given";
 * integers may come as numbers or as strings of digits. Every problem is
 * recorded against its path (`info.chatType`); `check()` throws a 400 naming
 * the first (and counting the others).
 */
export class LegacyFields extends JsonFields {
  constructor(object: LegacyObject, errors: ErrorList = new ErrorList(), path = '') {
    super(object, path, null, errors);
  }

  given(field: string): boolean {
    return !blank(this.object[field]);
  }

  /** A nested object, read with the same error list. */
  object_(field: string, options: { required: true }): LegacyFields | null {
    const value = this.nestedObject(field);
    if (value === undefined) return options.required ? this.fail(field, 'is required (an object; {} for no filter)') : null;
    return value && new LegacyFields(value, this.errors, this.fieldPath(field));
  }

  /** A string, or null when not given; `id`: an id, by the ids' one rule (src/domain/text.ts), else a filter kept as sent. */
  string(field: string, options: { max?: number; id?: boolean } = {}): string | null {
    const value = this.object[field];
    if (blank(value)) return null;
    return this.checkedString(field, value!, { max: options.max ?? 256, as: options.id ? 'id' : 'filter' });
  }

  /** A Long id (number of any size, or a string of digits) as its exact decimal string; null when not given. */
  id(field: string): string | null {
    const value = this.object[field];
    if (blank(value)) return null;
    const decimal = typeof value === 'string' ? toExactDecimalString(value.trim()) : toExactDecimalString(value);
    if (decimal === null) return this.fail(field, `must be an integer id (a number or a string of digits), got ${describe(value)}`);
    if (decimal.length > 20) return this.fail(field, 'must be at most 20 digits');
    return decimal;
  }

  /** An integer (number or string of digits) within [min, max]; null when not given. */
  integer(field: string, options: { min?: number; max?: number } = {}): number | null {
    const value = this.object[field];
    if (blank(value)) return null;
    let n: number | null = null;
    if (typeof value === 'number' && Number.isSafeInteger(value)) n = value;
    else if (typeof value === 'string' && /^\s*-?\d{1,16}\s*$/.test(value) && Number.isSafeInteger(Number(value))) n = Number(value);
    if (n === null) return this.fail(field, `must be an integer, got ${describe(value)}`);
    if (options.min !== undefined && n < options.min) return this.fail(field, `must be at least ${options.min}, got ${n}`);
    if (options.max !== undefined && n > options.max) return this.fail(field, `must be at most ${options.max}, got ${n}`);
    return n;
  }

  /** An integer code decoded by `decode` (null for an unknown code); null when not given. */
  code<T>(field: string, decode: (code: number) => T | null, known: string): T | null {
    const n = this.integer(field);
    if (n === null) return null;
    const decoded = decode(n);
    return decoded === null ? this.fail(field, `unknown code ${n} (expected ${known})`) : decoded;
  }

  /** A problem of several fields together (the message names them). */
  problem(message: string): null {
    this.errors.add(null, '', message);
    return null;
  }

  /** Throws a 400 naming the first problem when any field was wrong. */
  check(): void {
    const [first, ...rest] = this.errors.errors;
    if (!first) return;
    const more = rest.length ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
    throw new LegacyError(400, `${first.field ? `${first.field}: ` : ''}${first.message}${more}`);
  }
}

function describe(value: LosslessJsonValue | undefined): string {
  if (typeof value === 'string') return `"${value.slice(0, 40)}"`;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return describeJsonType(value);
}

const CODES_BY_GRAPHQL_CODE: Record<string, 400 | 401 | 403 | 429 | 503> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};

/**
 * Runs the endpoint's operation through the /graphql pipeline and returns its
 * data; GraphQL errors become a LegacyError with the matching code (an
 * unexpected one is logged and answered 500).
 */
export async function runLegacyOperation<TResult, TVariables extends Record<string, unknown>>(
  yoga: RouteYoga,
  call: OperationCall<TResult, TVariables>,
  log: Logger,
): Promise<TResult> {
  const result = await executeOperation(yoga, call);
  const [first] = (result.errors ?? []) as readonly GraphQLError[];
  if (first) {
    const code = CODES_BY_GRAPHQL_CODE[String(first.extensions?.code)];
    if (code) throw new LegacyError(code, first.message);
    log.error({ errors: result.errors }, 'legacy operation failed');
    throw new LegacyError(500, 'internal error');
  }
  if (!result.data) throw new LegacyError(500, 'internal error: the operation returned no data');
  return result.data;
}

/** The legacy code and message of any failure (unexpected ones are logged). */
export function legacyFailureOf(err: unknown, log: Logger, route: string): LegacyError {
  if (err instanceof LegacyError) return err;
  if (isDatabaseUnavailable(err)) return new LegacyError(503, DATABASE_UNAVAILABLE_MESSAGE);
  log.error({ err, route }, 'legacy endpoint failed');
  return new LegacyError(500, 'internal error');
}
