// src/server.ts bufferingBodies: which requests reach the app with their body
// read whole (as req.body) and which stream as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { bufferingBodies } from '../../src/server.ts';

async function withServer(max: number, run: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer(
    bufferingBodies((req, res) => {
      const body = (req as { body?: Buffer }).body;
      if (body) return res.end(JSON.stringify({ buffered: true, text: body.toString('utf8') }));
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (text += c));
      req.on('end', () => res.end(JSON.stringify({ buffered: false, text })));
    }, max),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    await run((server.address() as { port: number }).port);
  } finally {
    server.close();
  }
}

function post(port: number, body: string, chunked = false, method = 'POST'): Promise<{ buffered: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request({ port, host: '127.0.0.1', method, path: '/graphql', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(JSON.parse(text)));
    });
    req.on('error', reject);
    if (chunked) for (const part of body.match(/.{1,7}/gsu) ?? []) req.write(part);
    else req.write(body);
    req.end();
  });
}

test('bufferingBodies: POST bodies of declared length up to the limit are read whole; others stream', async () => {
  await withServer(64, async (port) => {
    const text = '{"query":"{ __typename }","x":"测试 emoji 🙂"}';
    assert.deepEqual(await post(port, text), { buffered: true, text });
    assert.deepEqual(await post(port, text, true), { buffered: false, text }, 'no Content-Length: streamed (the body limit counts it)');
    const big = 'x'.repeat(65);
    assert.deepEqual(await post(port, big), { buffered: false, text: big }, 'over the limit: streamed (the limit refuses it by its header)');
    assert.deepEqual(await post(port, 'x'.repeat(64)), { buffered: true, text: 'x'.repeat(64) });
    assert.deepEqual(await post(port, '', false), { buffered: false, text: '' }, 'an empty body is not a body');
    assert.deepEqual(await post(port, text, false, 'PUT'), { buffered: false, text }, 'POST only');
  });
});
