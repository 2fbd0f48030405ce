// The benchmark's load connection against a real node:http server: answers
// with Content-Length and chunked, several requests in a row on one socket,
// bodies as sent, and a closed connection as an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LoadConnection, prepareJsonPost } from '../../bench/load-connection.ts';

async function withServer(handler: http.RequestListener, fn: (port: number) => Promise<void>): Promise<void> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await fn((server.address() as AddressInfo).port);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Echoes the request's method, path, content type and body; chunked when the path says so. */
const echo: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const text = JSON.stringify({ method: req.method, url: req.url, type: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
    if (req.url === '/chunked') {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write(text.slice(0, 10));
      res.end(text.slice(10));
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }
  });
};

test('requests in a row on one keep-alive connection: each answer whole, with its status', async () => {
  await withServer(echo, async (port) => {
    const connection = await LoadConnection.open(port);
    try {
      const big = JSON.stringify({ text: '最低起订量 💰 '.repeat(5000) });
      for (const [path, body, status] of [['/a', '{"n":1}', 200], ['/chunked', big, 201], ['/b', big, 200], ['/chunked', '[]', 201]] as const) {
        const answer = await connection.send(prepareJsonPost(path, port, body));
        assert.equal(answer.status, status);
        assert.deepEqual(JSON.parse(answer.text), { method: 'POST', url: path, type: 'application/json', body });
      }
    } finally {
      connection.close();
    }
  });
});

test('one request at a time; a connection the server closes fails the pending request', async () => {
  await withServer((req) => req.socket.destroy(), async (port) => {
    const connection = await LoadConnection.open(port);
    const pending = connection.send(prepareJsonPost('/x', port, '{}'));
    await assert.rejects(connection.send(prepareJsonPost('/x', port, '{}')), /one request at a time/);
    await assert.rejects(pending, /closed the connection/);
    connection.close();
  });
});
