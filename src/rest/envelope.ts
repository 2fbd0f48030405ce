// The legacy response envelopes, byte for byte as the original server wrote
// them (key order included), and their error form: same shape, non-200 code,
// a message naming what was wrong.
import { stringifyJson } from '../domain/lossless-json.ts';
import { textResponse } from '../http/response.ts';

/** JSON text; a bigint (an id beyond 2^53) is written as its bare digits, as Java writes a Long. */
export function legacyJsonText(body: unknown): string {
  try {
    return JSON.stringify(body);
  } catch (err) {
    // JSON.stringify refuses bigint: only then pay for the lossless writer.
    if (err instanceof TypeError) return stringifyJson(body);
    throw err;
  }
}

export function legacyJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return textResponse(legacyJsonText(body), { status, headers: { 'content-type': 'application/json;charset=UTF-8', ...headers } });
}

/** `{"code":…,"message":"…","data":null}` with the same HTTP status. */
export function legacyError(code: number, message: string, headers: Record<string, string> = {}): Response {
  return legacyJson({ code, message, data: null }, code, headers);
}
