// Reading a request body as JSON, with a size limit and big integers kept exact.
import { parseJsonLossless, type LosslessJsonValue } from '../domain/lossless-json.ts';

export class BodyError extends Error {
  override name = 'BodyError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function readText(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw new BodyError(413, `request body is ${declared} bytes, more than the ${maxBytes} allowed`);
  if (!request.body) return '';
  // Read as it arrives and stop at the limit: a body sent without
  // Content-Length (chunked) is never held whole when too large.
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyError(413, `request body is more than the ${maxBytes} bytes allowed`);
    }
    chunks.push(value);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks, size));
}

export function parseJsonBody(text: string): LosslessJsonValue {
  if (text.trim() === '') throw new BodyError(400, 'request body is empty: a JSON document is required');
  try {
    return parseJsonLossless(text);
  } catch (err) {
    // The parser recurses per level: thousands of nested arrays or objects overflow its stack.
    if (err instanceof RangeError) throw new BodyError(400, 'request body is nested too deeply (arrays or objects thousands of levels deep)');
    throw new BodyError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}
