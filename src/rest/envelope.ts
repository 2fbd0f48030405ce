// The legacy response envelopes, byte for byte as the original server wrote
// them (key order included), and their error form: same shape, non-200 code,
// a message naming what was wrong.
export function legacyJson(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json;charset=UTF-8' } });
}

/** `{"code":…,"message":"…","data":null}` with the same HTTP status. */
export function legacyError(code: number, message: string): Response {
  return legacyJson({ code, message, data: null }, code);
}
