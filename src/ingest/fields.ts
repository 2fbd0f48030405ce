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

/** Reads the fields of one object of a batch. */
export class FieldReader {
  constructor(
    private readonly object: JsonObject,
    /** Path of the object itself, e.g. `data[3]`; '' for the top level. */
    private readonly path: string,
    private readonly index: number | null,
    private readonly errors: ErrorList,
  ) {}

  fieldPath(name: string): string {
    return this.path ? `${this.path}.${name}` : name;
  }

  fail(name: string, message: string): null {
    this.errors.add(this.index, this.fieldPath(name), message);
    return null;
  }

  has(name: string): boolean {
    return this.object[name] !== undefined && this.object[name] !== null;
  }

  raw(name: string): Json | undefined {
    return this.object[name];
  }

  /**
   * A string as stored (src/domain/text.ts): an id (the default) must be
   * well-formed; free text (`text`) has its unpaired surrogates replaced.
   * NUL is refused in both.
   */
  private storable(name: string, value: string, text: boolean | undefined): string | null {
    if (text) return storableText(value) ?? this.fail(name, 'must not contain NUL characters (\\u0000)');
    const problem = idProblem(value);
    return problem ? this.fail(name, problem) : value;
  }

  /** A required string (an id unless `text`); empty strings are refused unless `allowEmpty`. */
  string(name: string, options: { allowEmpty?: boolean; max?: number; text?: boolean } = {}): string | null {
    const value = this.object[name];
    if (value === undefined || value === null) return this.fail(name, 'is required');
    if (typeof value !== 'string') return this.fail(name, `must be a string, got ${describeJsonType(value)}`);
    if (!options.allowEmpty && value.trim() === '') return this.fail(name, 'must not be empty');
    if (value.length > (options.max ?? 65_536)) return this.fail(name, `must be at most ${options.max ?? 65_536} characters`);
    return this.storable(name, value, options.text);
  }

  /** An optional string (an id unless `text`): absent, null and '' all mean none. */
  optionalString(name: string, options: { max?: number; text?: boolean } = {}): string | null {
    const value = this.object[name];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') return this.fail(name, `must be a string, got ${describeJsonType(value)}`);
    if (value.length > (options.max ?? 65_536)) return this.fail(name, `must be at most ${options.max ?? 65_536} characters`);
    return this.storable(name, value, options.text);
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
    if (typeof value === 'string') {
      if (value.length > 256) return this.fail(name, 'must be at most 256 characters');
      return this.storable(name, value, false);
    }
    const decimal = toExactDecimalString(value);
    return decimal ?? this.fail(name, `must be an id (number or string), got ${describeJsonType(value)}`);
  }

  /** A required object, read with its own reader. */
  object_(name: string): FieldReader | null {
    const value = this.object[name];
    if (value === undefined || value === null) return this.fail(name, 'is required');
    if (!isObject(value)) return this.fail(name, `must be an object, got ${describeJsonType(value)}`);
    return new FieldReader(value, this.fieldPath(name), this.index, this.errors);
  }

  /** An optional array of strings of free text (tags). */
  stringArray(name: string, options: { maxItems?: number } = {}): string[] {
    const value = this.object[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) return this.fail(name, `must be an array of strings, got ${describeJsonType(value)}`) ?? [];
    if (value.length > (options.maxItems ?? 1000)) return this.fail(name, `must have at most ${options.maxItems ?? 1000} items`) ?? [];
    const out: string[] = [];
    value.forEach((item, i) => {
      if (typeof item !== 'string') return void this.fail(`${name}[${i}]`, `must be a string, got ${describeJsonType(item)}`);
      const text = this.storable(`${name}[${i}]`, item, true);
      if (text !== null) out.push(text);
    });
    return out;
  }
}
