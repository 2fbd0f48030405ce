// Reading untyped JSON (as parsed by parseJsonLossless) field by field, with
// each problem recorded against its path (`data[3].messageStatus`), so a
// refused batch says exactly which item and field were wrong.
import { toExactDecimalString, type LosslessJsonValue } from '../domain/lossless-json.ts';
import type { FieldError } from './model.ts';
import { idProblem, storableText } from '../domain/text.ts';

type Json = LosslessJsonValue;
type JsonObject = { [key: string]: Json };

export const MAX_ERRORS = 20;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'bigint') return 'a number';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Collects the errors of a whole batch. */
export class ErrorList {
  /** The first MAX_ERRORS errors, to report. */
  readonly errors: FieldError[] = [];
  /**
   * Every error found, reported or not: what tells whether an item failed
   * (`errors.length` stops growing at MAX_ERRORS, and an item past it would
   * pass for valid with its fields missing).
   */
  count = 0;
  add(index: number | null, field: string, message: string): void {
    this.count++;
    if (this.errors.length < MAX_ERRORS) this.errors.push({ index, field, message });
  }
  get empty(): boolean {
    return this.errors.length === 0;
  }
}

/**
 * Reads the fields of one JSON object, recording each problem against its
 * path (`data[3].messageStatus`) in a shared ErrorList. The webhooks and
 * imports read with FieldReader (below); the legacy read endpoints, whose
 * callers send numbers as strings and "" for "none", with LegacyFields
 * (src/rest/legacy-operation.ts): one reader, two dialects.
 */
export abstract class JsonFields {
  constructor(
    protected readonly object: JsonObject,
    /** Path of the object itself, e.g. `data[3]`; '' for the top level. */
    protected readonly path: string,
    protected readonly index: number | null,
    protected readonly errors: ErrorList,
  ) {}

  fieldPath(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  fail(name: string, message: string): null {
    this.errors.add(this.index, this.fieldPath(name), message);
    return null;
  }

  raw(name: string): Json | undefined {
    return this.object[name];
  }

  /**
   * A string value, checked: its type, its length, and what it may hold
   * (src/domain/text.ts): an id must be well-formed; free text has its
   * unpaired surrogates replaced; a filter is kept as sent. NUL is refused in all.
   */
  protected checkedString(name: string, value: Json, options: { max?: number; as: 'id' | 'text' | 'filter' }): string | null {
    if (typeof value !== 'string') return this.fail(name, `must be a string, got ${describeJsonType(value)}`);
    const max = options.max ?? 65_536;
    if (value.length > max) return this.fail(name, `must be at most ${max} characters`);
    if (options.as === 'text') return storableText(value) ?? this.fail(name, NUL_REFUSED);
    if (options.as === 'filter') return value.includes('\u0000') ? this.fail(name, NUL_REFUSED) : value;
    const problem = idProblem(value);
    return problem ? this.fail(name, problem) : value;
  }

  /** The object at `name`: undefined when absent or null, null (recorded) when it is something else. */
  protected nestedObject(name: string): JsonObject | null | undefined {
    const value = this.object[name];
    if (value === undefined || value === null) return undefined;
    return isObject(value) ? value : this.fail(name, `must be an object, got ${describeJsonType(value)}`);
  }
}

const NUL_REFUSED = 'must not contain NUL characters (\\u0000)';

/** Reads the fields of one object of a batch (webhooks, imports, the GraphQL mutations' strings). */
export class FieldReader extends JsonFields {
  has(name: string): boolean {
    return this.object[name] !== undefined && this.object[name] !== null;
  }

  /** A required string (an id unless `text`); empty strings are refused unless `allowEmpty`. */
  string(name: string, options: { allowEmpty?: boolean; max?: number; text?: boolean } = {}): string | null {
    const value = this.object[name];
    if (value === undefined || value === null) return this.fail(name, 'is required');
    if (typeof value !== 'string') return this.fail(name, `must be a string, got ${describeJsonType(value)}`);
    if (typeof value === 'string' && !options.allowEmpty && value.trim() === '') return this.fail(name, 'must not be empty');
    return this.checkedString(name, value, { max: options.max, as: options.text ? 'text' : 'id' });
  }

  /** An optional string (an id unless `text`): absent, null and '' all mean none. */
  optionalString(name: string, options: { max?: number; text?: boolean } = {}): string | null {
    const value = this.object[name];
    if (value === undefined || value === null || value === '') return null;
    return this.checkedString(name, value, { max: options.max, as: options.text ? 'text' : 'id' });
  }

  /** A required integer from `codes`, decoded; unknown codes are refused with the list of known ones. */
  code<T>(name: string, decode: (code: unknown) => T | null, known: string): T | null {
    const value = this.object[name];
    if (value === undefined || value === null) return this.fail(name, 'is required');
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      return this.fail(name, `must be an integer code (${known}), got ${describeJsonType(value)}`);
    }
    const decoded = decode(value);
    return decoded === null ? this.fail(name, `unknown code ${value} (expected ${known})`) : decoded;
  }

  /** A required integer (number), e.g. epoch milliseconds. */
  integer(name: string, options: { min?: number; max?: number } = {}): number | null {
    const value = this.object[name];
    if (value === undefined || value === null) return this.fail(name, 'is required');
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      return this.fail(name, `must be an integer, got ${describeJsonType(value)}`);
    }
    if (options.min !== undefined && value < options.min) return this.fail(name, `must be at least ${options.min}`);
    if (options.max !== undefined && value > options.max) return this.fail(name, `must be at most ${options.max}`);
    return value;
  }

  /** A required Long id (a JSON number of any size, or a string of digits), as an exact decimal string. */
  longId(name: string): string | null {
    const value = this.object[name];
    if (value === undefined || value === null || value === '') return this.fail(name, 'is required');
    const decimal = toExactDecimalString(value);
    return decimal ?? this.fail(name, `must be an integer id, got ${describeJsonType(value)}`);
  }

  /**
   * An optional id (bulk-send task ids): a number, a string, null or absent.
   * `0` and '' mean none, as the CRM sends them.
   */
  optionalId(name: string): string | null {
    const value = this.object[name];
    if (value === undefined || value === null || value === '' || value === 0) return null;
    if (typeof value === 'string') return this.checkedString(name, value, { max: 256, as: 'id' });
    const decimal = toExactDecimalString(value);
    return decimal ?? this.fail(name, `must be an id (number or string), got ${describeJsonType(value)}`);
  }

  /** A required object, read with its own reader. */
  object_(name: string): FieldReader | null {
    const value = this.nestedObject(name);
    if (value === undefined) return this.fail(name, 'is required');
    return value && new FieldReader(value, this.fieldPath(name), this.index, this.errors);
  }

  /** An optional array of strings of free text (tags). */
  stringArray(name: string, options: { maxItems?: number } = {}): string[] {
    const value = this.object[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return this.fail(name, `must be an array of strings, got ${describeJsonType(value)}`) ?? [];
    if (value.length > (options.maxItems ?? 1000)) return this.fail(name, `must have at most ${options.maxItems ?? 1000} items`) ?? [];
    const out: string[] = [];
    value.forEach((item, i) => {
      const text = this.checkedString(`${name}[${i}]`, item, { max: Infinity, as: 'text' });
      if (text !== null) out.push(text);
    });
    return out;
  }
}
