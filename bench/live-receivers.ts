// A share of bench/live.ts's subscribers, in a process of its own (forked by
// bench/live.ts, which posts the events): one receiving process could not
// take 50,000 frames/s beside the poster and the bookkeeping. Each frame is
// read only as far as its event's WhatsApp id and status (no JSON.parse),
// and its receipt is recorded as (event index, time) in typed arrays; times
// are `performance.timeOrigin + performance.now()`, the clock the poster
// uses in the other process. Speaks graphql-ws (`graphql-transport-ws`) to
// our server, plain frames to the floor.
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { clientFrame, eachFrame } from './ws-frames.ts';

export interface OpenCommand {
  type: 'open';
  server: 'ours' | 'floor';
  port: number;
  /** Subscriber i's filter: a conversation index (mode conversation) or null (tenant). */
  subscribers: { i: number; conversation: { rowId: string; globalId: string } | null }[];
  key: string;
  query: string;
  /** "whatsMessageId:STATUS" of event e is eventKeys[e]. */
  eventKeys: string[];
  /** `ws`'s client, or a minimal one of its own (plain TCP, RFC 6455 frames parsed here): the receiving side's cost per frame. */
  client: 'ws' | 'raw';
}

export interface ReceiverResult {
  type: 'result';
  /** Receipts: event index and time (ms since the epoch, fractional). */
  events: Int32Array;
  times: Float64Array;
  unexpected: number;
  /** CPU seconds this process spent from the end of opening to the finish. */
  cpuSeconds: number;
}

const clock = () => performance.timeOrigin + performance.now();
const send = (m: unknown) => process.send!(m);

let sockets: { terminate(): void }[] = [];
let events = new Int32Array(1 << 16);
let times = new Float64Array(1 << 16);
let count = 0;
let unexpected = 0;

function record(event: number, at: number): void {
  if (count === events.length) {
    const e = new Int32Array(events.length * 2);
    e.set(events);
    events = e;
    const t = new Float64Array(times.length * 2);
    t.set(times);
    times = t;
  }
  events[count] = event;
  times[count++] = at;
}

const W = Buffer.from('"whatsMessageId":"');
const S = Buffer.from('"status":"');

/** Records the delivery in `data[start, end)` (a `next` frame's text), else counts it unexpected. */
function receive(index: Map<string, number>, data: Buffer, start: number, end: number, at: number): void {
  const w = data.indexOf(W, start);
  const s = w < 0 || w >= end ? -1 : data.indexOf(S, w);
  if (s < 0 || s >= end) {
    unexpected++;
    if (unexpected <= 5) process.stderr.write(`unexpected frame: ${data.toString('utf8', start, Math.min(end, start + 300))}\n`);
    return;
  }
  const wStart = w + W.length;
  const sStart = s + S.length;
  const e = index.get(`${data.toString('latin1', wStart, data.indexOf(34, wStart))}:${data.toString('latin1', sStart, data.indexOf(34, sStart))}`);
  if (e === undefined) unexpected++;
  else record(e, at);
}

/** One subscriber over plain TCP: the upgrade by hand, then frames parsed in place. */
function openRaw(cmd: OpenCommand, index: Map<string, number>, sub: OpenCommand['subscribers'][number]): Promise<void> {
  const mine = generation;
  return new Promise((resolve, reject) => {
    const path = cmd.server === 'ours' ? '/graphql' : `/live${sub.conversation ? `?conversation=${sub.conversation.rowId}` : ''}`;
    const socket = net.connect(cmd.port, '127.0.0.1');
    socket.setNoDelay(true);
    sockets.push({ terminate: () => socket.destroy() });
    let upgraded = false;
    let acked = false;
    let pending: Buffer | null = null;
    const sendText = (text: string) => socket.write(clientFrame(1, Buffer.from(text)));
    socket.on('error', reject);
    socket.on('close', () => {
      if (!closing && mine === generation) {
        unexpected++;
        if (unexpected <= 5) process.stderr.write(`subscriber ${sub.i} closed\n`);
      }
    });
    socket.on('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${cmd.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
          (cmd.server === 'ours' ? 'Sec-WebSocket-Protocol: graphql-transport-ws\r\n' : '') +
          '\r\n',
      );
    });
    socket.on('data', (chunk: Buffer) => {
      const at = clock();
      let data = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = null;
      let p = 0;
      if (!upgraded) {
        const endOfHead = data.indexOf('\r\n\r\n');
        if (endOfHead < 0) return void (pending = data);
        if (!data.toString('latin1', 0, 12).startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${data.toString('latin1', 0, endOfHead)}`));
        upgraded = true;
        if (cmd.server === 'ours') sendText(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${cmd.key}` } }));
        p = endOfHead + 4;
      }
      p = eachFrame(data, p, (opcode, start, end) => {
        if (opcode === 9) socket.write(clientFrame(10, data.subarray(start, end)));
        else if (opcode === 8) {
          if (!closing && mine === generation) {
            unexpected++;
            if (unexpected <= 5) process.stderr.write(`subscriber ${sub.i} closed: ${data.length > start + 1 ? data.readUInt16BE(start) : ''} ${data.toString('utf8', start + 2, end)}\n`);
          }
        } else if (opcode === 1) {
          if (!acked) {
            acked = true;
            if (cmd.server === 'ours') {
              sendText(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: cmd.query, variables: { where: sub.conversation ? { conversationId: sub.conversation.globalId } : null } } }));
            }
            resolve();
          } else receive(index, data, start, end, at);
        }
      });
      if (p < data.length) pending = data.subarray(p);
    });
  });
}

async function open(cmd: OpenCommand): Promise<void> {
  const index = new Map(cmd.eventKeys.map((k, e) => [k, e]));
  const mine = generation;
  const one = (sub: OpenCommand['subscribers'][number]) => cmd.client === 'raw' ? openRaw(cmd, index, sub) :
    new Promise<void>((resolve, reject) => {
      const url =
        cmd.server === 'ours' ? `ws://127.0.0.1:${cmd.port}/graphql` : `ws://127.0.0.1:${cmd.port}/live${sub.conversation ? `?conversation=${sub.conversation.rowId}` : ''}`;
      const socket = new WebSocket(url, cmd.server === 'ours' ? 'graphql-transport-ws' : undefined, { perMessageDeflate: false, skipUTF8Validation: true });
      sockets.push(socket);
      let acked = false;
      socket.on('error', reject);
      socket.on('open', () => {
        if (cmd.server === 'ours') socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${cmd.key}` } }));
      });
      socket.on('close', (code: number, reason: Buffer) => {
        if (!closing && mine === generation) {
          unexpected++;
          if (unexpected <= 5) process.stderr.write(`subscriber ${sub.i} closed: ${code} ${reason.toString()}\n`);
        }
      });
      socket.on('message', (data: Buffer) => {
        const at = clock();
        if (!acked) {
          acked = true;
          if (cmd.server === 'ours') {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: cmd.query, variables: { where: sub.conversation ? { conversationId: sub.conversation.globalId } : null } } }));
          }
          return resolve();
        }
        receive(index, data, 0, data.length, at);
      });
    });
  const subs = cmd.subscribers;
  for (let i = 0; i < subs.length; i += 200) await Promise.all(subs.slice(i, i + 200).map(one));
}

/** The scenario being received; sockets of an earlier one close after it finished, unremarked. */
let generation = 0;
let closing = false;
let cpuAtOpen = process.cpuUsage();
let progress: NodeJS.Timeout | null = null;

process.on('message', (m: { type: string }) => {
  if (m.type === 'open') {
    generation++;
    closing = false;
    count = 0;
    unexpected = 0;
    open(m as OpenCommand).then(
      () => {
        cpuAtOpen = process.cpuUsage();
        send({ type: 'opened' });
        progress = setInterval(() => send({ type: 'count', count }), 250);
      },
      (err: Error) => send({ type: 'failed', message: err.message }),
    );
  } else if (m.type === 'finish') {
    closing = true;
    if (progress) clearInterval(progress);
    const cpu = process.cpuUsage(cpuAtOpen);
    for (const s of sockets) s.terminate();
    sockets = [];
    const result: ReceiverResult = { type: 'result', events: events.slice(0, count), times: times.slice(0, count), unexpected, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
    send(result);
  } else if (m.type === 'cpu') {
    // CPU seconds since the subscribers opened (the bench's measured window may start later: --warmup).
    const cpu = process.cpuUsage(cpuAtOpen);
    send({ type: 'cpu', cpuSeconds: (cpu.user + cpu.system) / 1e6 });
  } else if (m.type === 'exit') {
    process.exit(0);
  }
});
send({ type: 'ready' });
