// A share of bench/live.ts's subscribers, in a process of its own (forked by
// bench/live.ts, which posts the events): one receiving process could not
// take 50,000 frames/s beside the poster and the bookkeeping. Each frame is
// read only as far as its event's WhatsApp id and status (no JSON.parse),
// and its receipt is recorded as (event index, time) in typed arrays; times
// are `performance.timeOrigin + performance.now()`, the clock the poster
// uses in the other process. Speaks graphql-ws (`graphql-transport-ws`) to
// our server, plain frames to the floor.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

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

let sockets: WebSocket[] = [];
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

async function open(cmd: OpenCommand): Promise<void> {
  const index = new Map(cmd.eventKeys.map((k, e) => [k, e]));
  const one = (sub: OpenCommand['subscribers'][number]) =>
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
        if (!closing) {
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
        const w = data.indexOf(W);
        const s = w < 0 ? -1 : data.indexOf(S, w);
        if (s < 0) {
          unexpected++;
          if (unexpected <= 5) process.stderr.write(`unexpected frame: ${data.toString().slice(0, 300)}\n`);
          return;
        }
        const wStart = w + W.length;
        const sStart = s + S.length;
        const e = index.get(`${data.toString('latin1', wStart, data.indexOf(34, wStart))}:${data.toString('latin1', sStart, data.indexOf(34, sStart))}`);
        if (e === undefined) unexpected++;
        else record(e, at);
      });
    });
  const subs = cmd.subscribers;
  for (let i = 0; i < subs.length; i += 200) await Promise.all(subs.slice(i, i + 200).map(one));
}

let closing = false;
let cpuAtOpen = process.cpuUsage();
let progress: NodeJS.Timeout | null = null;

process.on('message', (m: { type: string }) => {
  if (m.type === 'open') {
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
  } else if (m.type === 'exit') {
    process.exit(0);
  }
});
send({ type: 'ready' });
