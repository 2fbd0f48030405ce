// Fixed files served from memory (the dashboard's, GraphiQL's): read once,
// with a content type, an ETag (If-None-Match answers 304) and a cache policy.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ico': 'image/x-icon',
};

/** Vendor files change only with an npm upgrade: cached for a day, then revalidated. */
export const VENDOR_CACHE = 'public, max-age=86400';

export interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
  /** Extra headers, which may depend on the request. */
  readonly headers?: (request: Request) => Record<string, string>;
}

/** An asset from memory; `name` gives its content type by extension. */
export function bufferAsset(name: string, body: Buffer | string, cacheControl: string, headers?: Asset['headers']): Asset {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const type = CONTENT_TYPES[path.extname(name)];
  if (!type) throw new Error(`static assets: no content type for ${name}`);
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
  return { body: bytes, type, etag, cacheControl, headers };
}

/** An asset read from a file now. */
export function asset(file: string, cacheControl: string, headers?: Asset['headers']): Asset {
  return bufferAsset(file, readFileSync(file), cacheControl, headers);
}

export function serve(request: Request, a: Asset): Response {
  const headers: Record<string, string> = {
    'content-type': a.type,
    'cache-control': a.cacheControl,
    etag: a.etag,
    'x-content-type-options': 'nosniff',
    ...a.headers?.(request),
  };
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch && ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === a.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(new Uint8Array(a.body), { status: 200, headers });
}
