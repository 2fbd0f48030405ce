// A `since` catch-up of N messageAdded events over graphql-ws (issue #17:
// "a catch-up of 10,000 events streams in under 2 s"), with the dashboard's
// selection (message, its content, conversation and contact) or, with
// MINIMAL=1, the event's own fields only. In-process server over a fresh
// test database; the time is from subscribing to the N-th event received.
//
//   TEST_TARGET=postgres TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:55432/postgres \
//     N=10000 [MINIMAL=1] npx tsx bench/live-replay.ts
import { listen } from '../src/server.ts';
import { attachWebSocket } from '../src/http/websocket.ts';
import { startTestApp } from '../test/support/app.ts';
import { liveClient, msgSyncBody, msgSyncItem } from '../test/support/live.ts';

async function main() {
const N = Number(process.env.N ?? 10_000);
const t = await startTestApp();
const server = await listen(t.app, 0, '127.0.0.1');
const ws = attachWebSocket(t.app, server.server, t.services.authenticator, t.services.log, 12_000);
const since = new Date(Date.now() - 1000).toISOString();
for (let i = 0; i < N; i += 50) {
  const items = Array.from({ length: Math.min(50, N - i) }, (_, k) => msgSyncItem(`rp-${i + k}`, 2, { friend: `4477110${String((i + k) % 100).padStart(5, '0')}` }));
  const res = await t.app.fetch('http://localhost/webhooks/MSG_SYNC_MESSAGE', { method: 'POST', headers: { 'content-type': 'application/json' }, body: msgSyncBody(t.tenant, items) });
  if (res.status !== 200) throw new Error(await res.text());
}
const Q = process.env.MINIMAL ? `subscription ($since: DateTime) { messageAdded(since: $since) { addedAt replayed messageId } }` : `subscription ($since: DateTime) { messageAdded(since: $since) { addedAt replayed message { id whatsMessageId direction status chatTime contentType content { __typename ... on TextContent { text } } conversation { id chatType friendName friendWhatsId accountWhatsId agentAccount contact { name } } } } }`;
for (const run of [1, 2]) {
  const c = liveClient(`ws://127.0.0.1:${server.port}/graphql`, { authorization: `Bearer ${t.tenant.readKey}` });
  await c.connected();
  const started = performance.now();
  let first = 0;
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    c.client.subscribe({ query: Q, variables: { since } }, {
      next: (r) => {
        if (r.errors) reject(new Error(JSON.stringify(r.errors)));
        if (!n) first = performance.now() - started;
        if (++n === N) resolve();
      },
      error: reject,
      complete: () => {},
    });
  });
  console.log(`run ${run}: ${N} replayed events in ${Math.round(performance.now() - started)} ms (first after ${Math.round(first)} ms), db ${process.env.TEST_TARGET ?? 'embedded'}`);
  await c.dispose();
}
await ws.close();
await server.close(1000);
await t.close();
}
void main();
