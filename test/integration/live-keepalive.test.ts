// Keep-alive on graphql-ws sockets (src/http/keep-alive.ts), with an 800-ms
// interval: a client that answers pings stays connected and keeps its
// subscription; one that does not is cut off after its second ping is due
// (bounds loose enough for a loaded machine); a ping
// due while a socket is being sent frames leaves in the same write as they
// do. The client here is plain TCP, RFC 6455 frames parsed by hand, so that
// what arrives in each read (and whether pongs are sent) is the test's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { listen, type RunningServer } from '../../src/server.ts';
import { attachWebSocket, type WebSocketEndpoint } from '../../src/http/websocket.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { msgSyncBody, msgSyncItem, postWebhook, statusSyncBody } from '../support/live.ts';
import { clientFrame, eachFrame } from '../../bench/ws-frames.ts';

const INTERVAL = 800;
let t: TestApp;
let server: RunningServer;
let ws: WebSocketEndpoint;
let base: string;

before(async () => {
  t = await startTestApp();
  server = await listen(t.app, 0, '127.0.0.1');
  ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, INTERVAL);
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  await ws.close();
  await server.close(1000);
  await t.close();
});

interface Frame {
  opcode: number;
  payload: Buffer;
}

interface RawClient {
  /** Frames of each read, in order. */
  readonly reads: Frame[][];
  readonly closedAt: Promise<number>;
  send(opcode: number, payload: Buffer | string): void;
  /** The next text frame's JSON. */
  nextMessage(timeoutMs?: number): Promise<Record<string, unknown>>;
  destroy(): void;
}

/** A graphql-ws client over plain TCP; answers pings only if `pong`. */
async function rawClient(pong: boolean): Promise<RawClient> {
  const socket = net.connect(server.port, '127.0.0.1');
  const reads: Frame[][] = [];
  const texts: Record<string, unknown>[] = [];
  let wake: (() => void) | null = null;
  let pending = Buffer.alloc(0);
  let upgraded = false;
  const closedAt = new Promise<number>((r) => socket.once('close', () => r(Date.now())));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('connect', () =>
      socket.write(
        `GET /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n',
      ),
    );
    socket.on('data', (chunk: Buffer) => {
      let data = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = data.indexOf('\r\n\r\n');
        if (end < 0) return void (pending = data);
        assert.match(data.toString('latin1', 0, 12), /^HTTP\/1\.1 101/);
        upgraded = true;
        data = data.subarray(end + 4);
        resolve();
      }
      const frames: Frame[] = [];
      const p = eachFrame(data, 0, (opcode, start, end) => {
        const frame = { opcode, payload: data.subarray(start, end) };
        frames.push(frame);
        if (opcode === 9 && pong) socket.write(clientFrame(10, frame.payload));
        if (opcode === 1) texts.push(JSON.parse(frame.payload.toString('utf8')));
      });
      pending = data.subarray(p);
      if (frames.length) reads.push(frames);
      wake?.();
    });
  });
  return {
    reads,
    closedAt,
    send: (opcode, payload) => socket.write(clientFrame(opcode, Buffer.from(payload))),
    async nextMessage(timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (!texts.length) {
        assert.ok(Date.now() < deadline, 'no message in time');
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(r, 50);
        });
      }
      return texts.shift()!;
    },
    destroy: () => socket.destroy(),
  };
}

const SUBSCRIPTION = 'subscription K($where: MessageEventWhere) { messageStatusChanged(where: $where) { whatsMessageId status } }';
const FRIEND = '447799000777';
const ids = Array.from({ length: 200 }, (_, i) => `keep-${i}`);

async function subscribed(pong: boolean): Promise<RawClient> {
  const c = await rawClient(pong);
  c.send(1, JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.tenant.readKey}` } }));
  assert.equal((await c.nextMessage()).type, 'connection_ack');
  c.send(1, JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { where: { friendWhatsId: FRIEND } } } }));
  await new Promise((r) => setTimeout(r, 100));
  return c;
}

test('keep-alive: a client that answers pings keeps its subscription, one that does not is cut off, and pings ride with frames', async () => {
  for (let i = 0; i < ids.length; i += 50) {
    const batch = ids.slice(i, i + 50).map((id) => msgSyncItem(id, 1, { friend: FRIEND }));
    assert.equal((await postWebhook(base, '/webhooks/MSG_SYNC_MESSAGE', msgSyncBody(t.tenant, batch))).status, 200);
  }
  const answering = await subscribed(true);
  const silent = await subscribed(false);
  const start = Date.now();

  // Status events every 50 ms for 6 intervals: both sockets are sent frames all along.
  let step = 0;
  const ingestKey = t.tenant.ingestKey;
  while (Date.now() - start < 6 * INTERVAL) {
    const status = 2 + (step % 3);
    const res = await postWebhook(base, '/webhooks/CLIENT_SYNC_MESSAGE_STATUS', statusSyncBody([{ messageId: ids[step % ids.length]!, status }]), { authorization: `Bearer ${ingestKey}` });
    assert.equal(res.status, 200);
    step++;
    await new Promise((r) => setTimeout(r, 50));
  }

  // The silent one: pinged, then terminated when its next ping is due (the wheel's tick is INTERVAL / 4).
  const silentClosed = await Promise.race([silent.closedAt, new Promise<number>((r) => setTimeout(() => r(0), 4 * INTERVAL))]);
  assert.ok(silentClosed > 0, 'the silent client was not cut off');
  assert.ok(silentClosed - start >= INTERVAL / 2 && silentClosed - start <= 3 * INTERVAL, `cut off after ${silentClosed - start} ms`);
  assert.ok(silent.reads.flat().some((f) => f.opcode === 9), 'the silent client was never pinged');

  // The answering one: still open, pinged about every interval, and its events kept coming.
  const stillOpen = await Promise.race([answering.closedAt.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 100))]);
  assert.ok(stillOpen, 'the answering client was cut off');
  const frames = answering.reads.flat();
  const pings = frames.filter((f) => f.opcode === 9).length;
  assert.ok(pings >= 4 && pings <= 8, `${pings} pings in 6 intervals`);
  const events = frames.filter((f) => f.opcode === 1 && f.payload.includes('"next"')).length;
  assert.ok(events >= step * 0.9, `${events} events of ${step}`);
  // A ping due while frames flow leaves in the same write as a frame (one read here, on loopback).
  const riding = answering.reads.filter((read) => read.some((f) => f.opcode === 9) && read.some((f) => f.opcode === 1)).length;
  assert.ok(riding >= pings / 2, `${riding} of ${pings} pings arrived with a frame`);
  answering.destroy();
});

test('keep-alive: a socket that never initialises is pinged and, answering nothing, cut off', async () => {
  const c = await rawClient(false);
  const start = Date.now();
  const closed = await Promise.race([c.closedAt, new Promise<number>((r) => setTimeout(() => r(0), 4 * INTERVAL))]);
  assert.ok(closed > 0 && closed - start >= INTERVAL && closed - start <= 3 * INTERVAL, `closed after ${closed ? closed - start : 'never'} ms`);
  assert.ok(c.reads.flat().some((f) => f.opcode === 9), 'never pinged');
});
