// The raw floor for the live benchmark: node:http + ws, no GraphQL, no
// database. `POST /events` takes a JSON array of status events and
// broadcasts each, in the graphql-ws `next` message shape our server sends,
// to every socket whose filter (`?conversation=<id>`, none = all) matches.
// What a hand-written broadcaster costs for the same deliveries.
//   PORT=… node --import tsx bench/live-floor-server.ts
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

interface StatusEvent {
  messageId: string;
  conversationId: string;
  whatsMessageId: string;
  previousStatus: string;
  status: string;
  changedAt: string;
}

const byConversation = new Map<string, Set<WebSocket>>();
const everything = new Set<WebSocket>();

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') return void res.end('ok');
  if (req.method !== 'POST' || req.url !== '/events') return void res.writeHead(404).end();
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as StatusEvent[];
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":200,"message":"success","data":""}');
    for (const e of events) {
      const payload = JSON.stringify({ data: { messageStatusChanged: e } });
      const send = (socket: WebSocket) => socket.send(`{"id":"1","type":"next","payload":${payload}}`);
      byConversation.get(e.conversationId)?.forEach(send);
      everything.forEach(send);
    }
  });
});

const wss = new WebSocketServer({ server, path: '/live' });
wss.on('connection', (socket, req) => {
  const conversation = new URL(req.url ?? '/', 'http://x').searchParams.get('conversation');
  const set = conversation ? (byConversation.get(conversation) ?? byConversation.set(conversation, new Set()).get(conversation)!) : everything;
  set.add(socket);
  socket.on('close', () => set.delete(socket));
  socket.send('{"type":"connection_ack"}');
});

// The poster's keep-alive connections stay open across a stalled second (no reset racing a reuse).
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 4100), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => {
  for (const s of wss.clients) s.terminate();
  server.close(() => process.exit(0));
});
