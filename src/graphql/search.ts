// Search: the root `searchMessages` connection, whose edges carry a
// highlighted snippet. The rule a term follows is in prisma/sql/search.sql;
// the query syntax and snippets in src/read/search.ts.
import type { MessageRow } from '../read/messages.ts';
import { MAX_SEARCH_LENGTH, MAX_SEARCH_TERMS, searchQuery, snippetHtml, snippetOf, type SearchQuery, type Snippet } from '../read/search.ts';
import { builder } from './builder.ts';
import { MessageWhere, rootMessages } from './message.ts';
import { MessageRef } from './refs.ts';

export const SEARCH_RULE = `Terms are read from the text: runs of Chinese, Japanese or Korean characters (CJK), words (runs of letters) and numbers (runs of digits, joined across one or two of the characters " -.()+/", so "+91 84400-00002" is the number 918440000002). Letters are compared without case or accents, full-width forms as their ordinary ones, and WhatsApp's @c.us / @g.us after a number is ignored. Every term of the query must match (AND):
- a CJK run matches where the text contains it (你好 finds 你好吗 but not 你们好; 你 好 with a space finds both);
- a word of 3 or more letters matches words starting with it, after a plural ending (-ies, -es, -s) or a final -y is dropped (orders finds order, ordered; company finds companies); a shorter word matches that word only;
- a number of 3 or more digits matches numbers containing it (8440000002 finds +91 84400 00002 and 918440000002@c.us); 1 or 2 digits match a number, or a run of digits in one, equal to it.
A fragment in double quotes ("…", “…” or 「…」) matches where the text contains it as written, ignoring case, also inside words ("rder" finds order); a query with no term must quote one. A query has at most ${MAX_SEARCH_LENGTH} characters and ${MAX_SEARCH_TERMS} terms and quoted fragments (one given twice counts once). Terms are read from a message's first 16,383 characters, a word by its first 200 letters and a number by its first 32 digits (in query and text alike). Messages stored before the search index existed are found once \`chatgraph search-reindex\` has run.`;

const MessageSearchOrderEnum = builder.enumType('MessageSearchOrder', {
  values: {
    CHAT_TIME_DESC: { description: 'Newest first (the default).' },
    CHAT_TIME_ASC: { description: 'Oldest first.' },
    RELEVANCE: { description: 'Most relevant first (ts_rank: how often and how densely the terms occur), then newest first. Ranks every match: slower than by time for a frequent term.' },
  } as const,
});

const TextRange = builder.objectRef<{ start: number; end: number }>('TextRange').implement({
  description: 'A part of a text: UTF-16 offsets, end exclusive (String.prototype.slice(start, end)).',
  fields: (t) => ({ start: t.exposeInt('start'), end: t.exposeInt('end') }),
});

const SearchSnippet = builder.objectRef<Snippet>('SearchSnippet').implement({
  description: "The searched text (text and captions) around the first match, with the matches marked.",
  fields: (t) => ({
    text: t.exposeString('text', { description: 'About 120 characters around the first match ("…" where cut), or the whole text when short.' }),
    highlights: t.field({ type: [TextRange], description: 'Where the matches are in `text`, in order, not overlapping.', resolve: (s) => s.highlights }),
    html: t.string({ description: '`text` as HTML (escaped), each match in <mark>…</mark>.', resolve: (s) => snippetHtml(s) }),
  }),
});

interface SearchEdge {
  cursor: string;
  node: MessageRow;
  search: SearchQuery;
}

const MessageSearchConnection = builder.connectionObject(
  {
    type: MessageRef,
    name: 'MessageSearchConnection',
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many messages match (counted only when selected).',
        resolve: (connection) => (connection as { totalCount?: () => Promise<number> }).totalCount?.() ?? 0,
      }),
    }),
  },
  {
    name: 'MessageSearchEdge',
    fields: (t) => ({
      snippet: t.field({
        type: SearchSnippet,
        resolve: (edge) => {
          const e = edge as unknown as SearchEdge;
          return snippetOf(e.node.searchText, e.search);
        },
      }),
    }),
  },
);

builder.queryFields((t) => ({
  searchMessages: t.connection(
    {
      type: MessageRef,
      description: `Messages whose text or caption matches \`text\`, newest first unless ordered otherwise, with the same filters as \`messages\`. ${SEARCH_RULE}`,
      authScopes: { read: true },
      args: {
        text: t.arg.string({ required: true, description: `Terms and "quoted fragments": at most ${MAX_SEARCH_LENGTH} characters, ${MAX_SEARCH_TERMS} terms and fragments.` }),
        where: t.arg({ type: MessageWhere }),
        orderBy: t.arg({ type: MessageSearchOrderEnum }),
      },
      resolve: async (_root, args, ctx, info) => {
        const search = await searchQuery(ctx.services.db.pool, args.text);
        const connection = await rootMessages(ctx, info, args, search);
        return { ...connection, edges: connection.edges.map((e) => ({ ...e, search })) };
      },
    },
    MessageSearchConnection,
  ),
}));
