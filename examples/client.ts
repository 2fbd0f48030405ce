// A typed chatgraph client: reads a conversation's messages page by page over
// HTTP, then follows its status changes over graphql-ws.
//
//   CHATGRAPH_KEY=cg_… npm run -s example:client            # all pages, then live
//   CHATGRAPH_KEY=cg_… npm run -s example:client -- --once  # first page, first event, exit
//
// Environment: CHATGRAPH_URL (default http://localhost:4000/graphql),
// CHATGRAPH_KEY (an API key with the READ scope), CHATGRAPH_CONVERSATION (a
// Conversation id; default: the most recently active one), CHATGRAPH_PAGE_SIZE
// (default 20), CHATGRAPH_WAIT (with --once: seconds to wait for the event,
// default 30; without one it exits 1 saying so).
//
// The documents are schema/operations/example-*.graphql, typed by codegen
// (`npm run generate`) into TypedDocumentNodes: each call below knows its
// variables' and its result's types.
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  ExampleConversationMessagesDocument,
  ExampleConversationsDocument,
  ExampleStatusChangedDocument,
  type ExampleConversationMessagesQueryVariables,
} from '../src/generated/graphql/graphql.ts';

const url = process.env.CHATGRAPH_URL ?? 'http://localhost:4000/graphql';
const key = process.env.CHATGRAPH_KEY;
const pageSize = Number(process.env.CHATGRAPH_PAGE_SIZE ?? 20);
const once = process.argv.includes('--once');
const waitSeconds = Number(process.env.CHATGRAPH_WAIT ?? 30);
if (!key) {
  console.error('CHATGRAPH_KEY must be an API key with the READ scope');
  process.exit(2);
}
if (!(waitSeconds > 0)) {
  console.error(`CHATGRAPH_WAIT must be a number of seconds above 0, got "${process.env.CHATGRAPH_WAIT}"`);
  process.exit(2);
}

/** One operation over HTTP: POST the document and its variables, return `data` or throw the errors. */
async function request<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): Promise<Result> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await res.json()) as { data?: Result | null; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(`HTTP ${res.status}: ${body.errors?.map((e) => e.message).join('; ') ?? 'no data'}`);
  return body.data;
}

// graphql-ws: the key goes in the connection_init payload (connectionParams).
// Node 20 has no global WebSocket, hence `ws`.
const ws = createClient({
  url: url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${key}` },
});

/** One subscription over graphql-ws, as an async iterator of typed `data`. */
async function* subscribe<Result, Variables>(document: TypedDocumentNode<Result, Variables>, variables: Variables): AsyncGenerator<Result> {
  for await (const event of ws.iterate<Result>({ query: print(document), variables: variables as Record<string, unknown> })) {
    if (event.errors?.length || !event.data) throw new Error(event.errors?.map((e) => e.message).join('; ') ?? 'no data');
    yield event.data;
  }
}

async function main(): Promise<void> {
  let conversationId = process.env.CHATGRAPH_CONVERSATION;
  if (!conversationId) {
    const { conversations } = await request(ExampleConversationsDocument, { first: 1 });
    const newest = conversations.edges[0]?.node;
    if (!newest) throw new Error('the tenant has no conversations yet');
    conversationId = newest.id;
    console.log(`conversation ${newest.id} with ${newest.friendName ?? newest.friendWhatsId}: ${newest.messageCount} messages, ${newest.unreadCount} unread`);
  }

  // Pages of messages, newest first: each page's endCursor is the next one's `after`.
  let after: string | null = null;
  for (let page = 1; ; page++) {
    const variables: ExampleConversationMessagesQueryVariables = { conversationId, first: pageSize, after };
    const { messages } = await request(ExampleConversationMessagesDocument, variables);
    console.log(`page ${page}: ${messages.edges.length} of ${messages.totalCount} messages`);
    for (const { node } of messages.edges) {
      const c = node.content;
      const text = c.__typename === 'TextContent' ? c.text : c.__typename === 'MediaContent' ? `[${c.mimeType}] ${c.caption ?? c.url ?? ''}` : `[${c.__typename}]`;
      console.log(`  ${node.chatTime} ${node.direction === 'INBOUND' ? '<-' : '->'} ${node.status.padEnd(9)} ${text}${node.contact?.name ? `  (${node.contact.name})` : ''}`);
    }
    if (once || !messages.pageInfo.hasNextPage) break;
    after = messages.pageInfo.endCursor;
  }

  // Live: this conversation's status changes (PENDING → SENT → DELIVERED → READ).
  console.log('listening for status changes');
  // --once promises an exit: without an event in time, say so and stop.
  const noEvent = once
    ? setTimeout(() => {
        console.error(`client: no status change within ${waitSeconds} s (CHATGRAPH_WAIT); exiting`);
        void Promise.resolve(ws.dispose()).finally(() => process.exit(1));
      }, waitSeconds * 1000)
    : undefined;
  for await (const { messageStatusChanged: e } of subscribe(ExampleStatusChangedDocument, { where: { conversationId } })) {
    console.log(`status ${e.whatsMessageId}: ${e.previousStatus} -> ${e.status} at ${e.changedAt}`);
    if (once) break;
  }
  clearTimeout(noEvent);
  await ws.dispose();
}

main().catch(async (err: unknown) => {
  console.error(`client: ${err instanceof Error ? err.message : String(err)}`);
  await ws.dispose();
  process.exit(1);
});
