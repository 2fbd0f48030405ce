// examples/client.ts against the real server: it reads the newest
// conversation's first page over HTTP, then prints the first status change it
// receives over graphql-ws and exits (--once).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoCredentialsFrom, startServerProcess } from '../support/process.ts';
import { testTarget } from '../support/database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('examples/client.ts pages a conversation and prints a live status change', { skip: testTarget === 'postgres' ? 'checked in the embedded run' : false }, async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-example-'));
  const server = await startServerProcess({ DATA_DIR: dataDir, DEMO_BOOTSTRAP: 'true' });
  try {
    const { readKey, ingestKey } = demoCredentialsFrom(server.output());
    const graphql = async (query: string, variables: Record<string, unknown>) => {
      const res = await fetch(`http://127.0.0.1:${server.port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ingestKey}` },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as { data?: Record<string, { errors: unknown[] }>; errors?: unknown };
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.deepEqual(Object.values(body.data!)[0]!.errors, [], JSON.stringify(body));
    };
    const message = (n: number, direction: 'INBOUND' | 'OUTBOUND') => ({
      whatsMessageId: `wamid.example${n}`,
      accountWhatsId: '8617600000000@c.us',
      friendWhatsId: '918440000001@c.us',
      friendName: 'Asha',
      chatType: 'PRIVATE',
      direction,
      status: 'SENT',
      contentType: 'TEXT',
      content: `hello ${n}`,
      chatTime: new Date(Date.UTC(2026, 0, 5, 9, n)).toISOString(),
      contact: { externalId: '187', name: 'Asha Rao', tags: ['vip'] },
    });
    await graphql('mutation ($m: [MessageInput!]!) { ingestMessages(messages: $m) { errors { message } } }', {
      m: [message(1, 'INBOUND'), message(2, 'OUTBOUND'), message(3, 'OUTBOUND')],
    });

    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/client.ts', '--once'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CHATGRAPH_URL: `http://127.0.0.1:${server.port}/graphql`, CHATGRAPH_KEY: readKey, CHATGRAPH_PAGE_SIZE: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
    try {
      const until = async (pattern: RegExp, ms: number) => {
        for (const end = Date.now() + ms; Date.now() < end && !pattern.test(out) && child.exitCode === null; ) await new Promise((r) => setTimeout(r, 50));
        return pattern.test(out);
      };
      assert.ok(await until(/listening for status changes/, 30_000), out);
      // The subscription starts just after that line: raise the status until an
      // event arrives (statuses only rise, so each step is a new event).
      for (const status of ['DELIVERED', 'READ']) {
        await graphql('mutation ($u: [MessageStatusUpdateInput!]!) { updateMessageStatuses(updates: $u) { errors { message } } }', {
          u: [{ whatsMessageId: 'wamid.example3', status }],
        });
        if (await until(/^status /m, 3_000)) break;
      }
      assert.equal(await exited, 0, out);
    } finally {
      clearTimeout(timeout);
      child.kill();
    }
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0]!, /^conversation \S+ with Asha: 3 messages, 1 unread$/);
    assert.equal(lines[1], 'page 1: 2 of 3 messages');
    assert.match(lines[2]!, /^ {2}2026-01-05T09:03:00\.000Z -> SENT {6}hello 3 {2}\(Asha Rao\)$/);
    assert.match(lines[3]!, /^ {2}2026-01-05T09:02:00\.000Z -> SENT {6}hello 2 {2}\(Asha Rao\)$/);
    assert.equal(lines[4], 'listening for status changes');
    assert.match(lines[5]!, /^status wamid\.example3: (SENT -> DELIVERED|DELIVERED -> READ) at \d{4}-\d\d-\d\dT/);
    assert.equal(lines.length, 6, out);

    // --once with no event coming: it gives up after CHATGRAPH_WAIT seconds, saying so.
    const started = Date.now();
    const quiet = spawn(process.execPath, ['--import', 'tsx', 'examples/client.ts', '--once'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CHATGRAPH_URL: `http://127.0.0.1:${server.port}/graphql`, CHATGRAPH_KEY: readKey, CHATGRAPH_WAIT: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let quietOut = '';
    quiet.stdout.on('data', (c: Buffer) => (quietOut += c.toString()));
    quiet.stderr.on('data', (c: Buffer) => (quietOut += c.toString()));
    const killer = setTimeout(() => quiet.kill('SIGKILL'), 60_000);
    const quietCode = await new Promise<number | null>((resolve) => quiet.once('exit', resolve));
    clearTimeout(killer);
    assert.equal(quietCode, 1, quietOut);
    assert.match(quietOut, /listening for status changes\nclient: no status change within 2 s \(CHATGRAPH_WAIT\); exiting\n$/);
    assert.ok(Date.now() - started < 45_000, 'it did not hang');
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
