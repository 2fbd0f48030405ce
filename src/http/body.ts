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
  const buffer = await request.arrayBuffer();
  if (buffer.byteLength > maxBytes) throw new BodyError(413, `request body is more than the ${maxBytes} bytes allowed`);
  return new TextDecoder('utf-8').decode(buffer);
}

export function parseJsonBody(text: string): LosslessJsonValue {
  if (text.trim() === '') throw new BodyError(400, 'request body is empty: a JSON document is required');
  try {
    return parseJsonLossless(text);
  } catch (err) {
    throw new BodyError(400, `request body is not valid JSON: ${(err as Error).message}`);
  }
}
