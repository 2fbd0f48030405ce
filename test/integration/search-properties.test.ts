// searchMessages returns exactly the messages that match by the documented
// rule (SEARCH_RULE in src/graphql/search.ts, README "Search"), on generated
// texts (Chinese, Korean, Japanese, Latin with case and accents, digits
// written as phone numbers, emoji, full-width forms, characters that
// normalise oddly, tokens past the index's bounds, any code point) and queries
// (terms drawn from the texts and from the alphabet, quoted fragments cut from
// the texts). A random seed each run, printed (FC_SEED=<n> replays it); 40
// cases of bounded size, about a minute on the busy embedded database.
// The reference below reads the rule straight from its words, on the stored
// searchText; it shares no code with the tokenizer (prisma/sql/search.sql).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/app.ts';
import { lowerLetters } from '../../src/domain/case-fold.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

// ------------------------------------------------------------ the rule, as written

const CJK = /[\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{2ffff}]/u;
const LETTER = /[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u10ff\u1200-\u1fff]/u;
const DIGIT = /[0-9]/;
const JOINER = /[-. ()+/]/;

/** Compatibility forms folded, accents stripped, letters lowered (src/domain/case-fold.ts: the table is pinned by a unit test), WhatsApp suffixes after digits dropped. */
function normalise(s: string): string {
  return lowerLetters(s.normalize('NFKD').replace(/[\u0300-\u036f]+/g, '').normalize('NFKC'))
    .replace(/([0-9])@(?:c\.us|g\.us|s\.whatsapp\.net)(?![a-z0-9])/g, '$1 ');
}

interface Terms {
  cjk: string[];
  words: string[];
  /** Each number's digits, and its runs of digits as written. */
  numbers: { digits: string; runs: string[] }[];
}

/**
 * The terms of a text: CJK runs, letter runs, numbers (digit runs joined across one or two joiners); within the
 * bounds: the text's first 16383 characters, a word's first 200 letters, a number's first 32 digits.
 */
function termsOf(text: string): Terms {
  const s = [...normalise([...text].slice(0, 16383).join(''))].slice(0, 16383);
  const out: Terms = { cjk: [], words: [], numbers: [] };
  let i = 0;
  const runOf = (re: RegExp) => {
    let r = '';
    while (i < s.length && re.test(s[i]!)) r += s[i++];
    return r;
  };
  while (i < s.length) {
    const ch = s[i]!;
    if (CJK.test(ch)) out.cjk.push(runOf(CJK));
    else if (LETTER.test(ch)) out.words.push(runOf(LETTER).slice(0, 200));
    else if (DIGIT.test(ch)) {
      const runs = [runOf(DIGIT)];
      for (;;) {
        let j = i;
        while (j < s.length && j - i < 2 && JOINER.test(s[j]!)) j++;
        if (j > i && j < s.length && DIGIT.test(s[j]!)) {
          i = j;
          runs.push(runOf(DIGIT));
        } else break;
      }
      const read: string[] = [];
      for (let room = 32, k = 0; room > 0 && k < runs.length; room -= runs[k]!.length, k++) read.push(runs[k]!.slice(0, room));
      out.numbers.push({ digits: read.join(''), runs: read });
    } else i++;
  }
  return out;
}

function stem(w: string): string {
  if (w.endsWith('ies') && w.length >= 6) return w.slice(0, -3);
  if (w.endsWith('es') && w.length >= 5) return w.slice(0, -2);
  if (/[^s]s$/.test(w) && w.length >= 4) return w.slice(0, -1);
  if (w.endsWith('y') && w.length >= 4) return w.slice(0, -1);
  return w;
}

/** Does `text` match the query (unquoted part `terms`, quoted `fragments`)? */
function matches(text: string, terms: string, fragments: readonly string[]): boolean {
  // The query's unpaired surrogates are read as U+FFFD, as the stored text's are.
  terms = terms.toWellFormed();
  fragments = fragments.map((f) => f.toWellFormed());
  const have = termsOf(text);
  const want = termsOf(terms);
  const cjkOk = want.cjk.every((q) => have.cjk.some((r) => r.includes(q)));
  const wordsOk = want.words.every((q) => (q.length < 3 ? have.words.includes(q) : have.words.some((w) => w.startsWith(stem(q)))));
  const numbersOk = want.numbers.every(({ digits: q }) =>
    q.length < 3 ? have.numbers.some((n) => n.digits === q || n.runs.includes(q)) : have.numbers.some((n) => n.digits.includes(q)),
  );
  const lower = text.toLowerCase();
  return cjkOk && wordsOk && numbersOk && fragments.every((f) => lower.includes(f.toLowerCase()));
}

const hasTerm = (terms: string) => {
  const x = termsOf(terms);
  return x.cjk.length + x.words.length + x.numbers.length > 0;
};

// ------------------------------------------------------------ generated cases

const PIECES = [
  '退', '款', '退款', '你', '好', '你好', '你们好', '订单', '发票', '已经', '寄出', '产品', '々',
  '한국', '어', 'カタカナ', 'ひらがな', 'ＡＢＣ', '１２３',
  'order', 'orders', 'Order', 'ORDERED', 'café', 'Cafe', 'CAFÉ', 'company', 'companies', 'ok', 'OK', 'a', 'is', 'phone', 'phones', 'box', 'boxes', 'straße', 'Ωmega',
  '8440000002', '84400', '00002', '+91', '918440000002@c.us', '@g.us', 'us', 'c', '12', '123', '2024-01-05', '3.5', '(021)', '7',
  ' ', ' ', ' ', '-', '.', ',', '，', '。', '/', '😀', '📦', '👍🏽', '!', '\n',
];
// Characters that normalise, case or encode oddly (ligatures, roman numerals, circled and full-width digits, Arabic-Indic
// digits, Kelvin and Angstrom signs, dotted and dotless i, final sigma, squared and half-width CJK forms, bidi and
// zero-width marks, a lone combining accent, an unpaired surrogate, ZWJ emoji), and tokens past the index's bounds
// (a word of over 200 letters, a number of over 32 digits, a long CJK run).
const ODD = [
  'ﬁ', 'Ⅻ', '①', '²', '０９', '٣٤', '\u212a', '\u212b', 'İ', 'ı', 'ς', 'Σ', '㍻', '㈱', 'ｶﾀ', '\u200f', '\u200b', '\ufeff', '\u0301', '\ud800', '\u3000',
  '👨‍👩‍👧', '\t', '\r\n', 'Straße', 'ÆØ', 'æø',
  'ab'.repeat(110), 'ab'.repeat(110) + 'cd', '1234567890'.repeat(4), '12345 67890 12345 67890 12345 67890 12345', '退款'.repeat(60),
];
// Any code point, a few at a time (NUL aside: ingest refuses it, tested apart).
const anyChars = fc.string({ unit: 'binary', maxLength: 3 }).map((x) => x.replaceAll('\u0000', ' '));
const pieceArb = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PIECES) }, { weight: 1, arbitrary: fc.constantFrom(...ODD) }, { weight: 1, arbitrary: anyChars });
const textArb = fc.array(pieceArb, { maxLength: 14 }).map((p) => p.join(''));

/** A query: terms and fragments, cut mostly from one of the texts (so that many cases find something), some from the alphabet. */
const caseArb = fc.array(textArb, { minLength: 1, maxLength: 12 }).chain((texts) =>
  fc.nat({ max: texts.length - 1 }).chain((k) => {
    const cut = fc
      .tuple(fc.oneof({ weight: 4, arbitrary: fc.constant(k) }, { weight: 1, arbitrary: fc.nat({ max: texts.length - 1 }) }), fc.nat(), fc.integer({ min: 1, max: 6 }))
      .map(([j, from, len]) => {
        const chars = [...texts[j]!];
        const start = chars.length ? from % chars.length : 0;
        return chars.slice(start, start + len).join('');
      });
    const term = fc.oneof({ weight: 3, arbitrary: cut }, { weight: 1, arbitrary: pieceArb });
    // Blank cuts are dropped, not retried: fc's filter retries forever, and every cut of texts that are all blank
    // (e.g. [""]) is blank (that hung a quarter of the random seeds).
    const fragments = fc.array(cut, { maxLength: 2 }).map((x) => x.filter((f) => f.trim() !== '' && !/["“”「」『』]/.test(f)));
    return fc.record({
      texts: fc.constant(texts),
      terms: fc.array(term, { maxLength: 2 }).map((x) => x.join(' ').replace(/["“”「」『』]/g, ' ')),
      fragments,
    });
  }),
);

let nextFriend = 0;

async function ingest(texts: readonly string[]): Promise<string> {
  const friend = `4477009${String(nextFriend++).padStart(5, '0')}`;
  const messages = texts.map((content, i) => ({
    accountWhatsId: '8613800000001', whatsMessageId: `s-${friend}-${i}`, friendWhatsId: friend, direction: 'INBOUND', chatType: 'PRIVATE',
    contentType: 'TEXT', content: content || '.', status: 'SENT', chatTime: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  }));
  const res = await t.graphql<{ ingestMessages: { errors: unknown[] } }>('mutation($m: [MessageInput!]!) { ingestMessages(messages: $m) { errors { message } } }', { m: messages }, t.tenant.ingestKey);
  assert.deepEqual(res.body.data?.ingestMessages.errors, [], JSON.stringify(res.body));
  return friend;
}

const SEARCH = `query($text: String!, $where: MessageWhere, $orderBy: MessageSearchOrder) {
  searchMessages(text: $text, where: $where, first: 100, orderBy: $orderBy) { totalCount edges { node { whatsMessageId } snippet { text highlights { start end } } } }
}`;
interface PageData { searchMessages: { edges: { node: { whatsMessageId: string } }[]; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string } } }
interface SearchData { searchMessages: { totalCount: number; edges: { node: { whatsMessageId: string }; snippet: { text: string; highlights: { start: number; end: number }[] } }[] } }

interface Case { texts: string[]; terms: string; fragments: string[] }

// A fixed number of cases, each of a bounded size (at most 12 texts of 14 pieces, a query of at most 2 terms and 2
// fragments, at most 9 requests), so that a run takes about the same time whatever the seed.
const NUM_RUNS = Number(process.env.FC_RUNS ?? 40);
// Random seeds are the point of a property test; FC_SEED=<n> replays one (the seed is printed first, and again in
// fast-check's message on failure with the failing case's path: FC_SEED=<n> FC_PATH=<path> replays that case alone).
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;

test(`searchMessages returns exactly the messages matching by the documented rule (${NUM_RUNS} cases; the seed is printed)`, async (ctx) => {
  let runs = 0;
  let nonEmpty = 0;
  let slowest = { ms: 0, c: null as Case | null };
  process.stdout.write(`# search property seed ${seed} (FC_SEED=${seed} replays it)\n`);

  const check = async ({ texts, terms, fragments }: Case) => {
    runs++;
    const friend = await ingest(texts);
    const { rows } = await t.services.db.pool.query<{ whatsMessageId: string; searchText: string }>(
      'SELECT "whatsMessageId", "searchText" FROM "Message" WHERE "friendWhatsIdBare" = $1',
      [friend],
    );
    const query = [terms, ...fragments.map((f) => `"${f}"`)].join(' ');
    const res = await t.graphql<SearchData>(SEARCH, { text: query, where: { friendWhatsId: friend } });
    if (!hasTerm(terms) && fragments.length === 0) {
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `no term in ${JSON.stringify(query)}: ${JSON.stringify(res.body)}`);
      return;
    }
    if (query.length > 200) {
      assert.match(res.body.errors?.[0]?.message ?? '', /^text must be at most 200 characters/, JSON.stringify(res.body));
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      return;
    }
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const expected = rows.filter((r) => matches(r.searchText, terms, fragments)).map((r) => r.whatsMessageId).sort();
    const got = res.body.data!.searchMessages.edges.map((e) => e.node.whatsMessageId).sort();
    const stored = Object.fromEntries(rows.map((r) => [r.whatsMessageId, r.searchText]));
    assert.deepEqual(got, expected, `query ${JSON.stringify(query)}\ntexts ${JSON.stringify(stored)}`);
    assert.equal(res.body.data!.searchMessages.totalCount, expected.length);
    if (expected.length) nonEmpty++;
    // Page by page (2 at a time, newest first): the same messages, in order.
    if (expected.length > 2) {
      const PAGE = `query($text: String!, $where: MessageWhere, $after: String) { searchMessages(text: $text, where: $where, first: 2, after: $after) { edges { node { whatsMessageId } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const p: { body: { data?: PageData; errors?: unknown[] } } = await t.graphql<PageData>(PAGE, { text: query, where: { friendWhatsId: friend }, after });
        assert.equal(p.body.errors, undefined, JSON.stringify(p.body.errors));
        const page = p.body.data!.searchMessages;
        seen.push(...page.edges.map((e) => e.node.whatsMessageId));
        assert.equal(page.pageInfo.hasPreviousPage, after !== null);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      const seq = (id: string) => Number(id.split('-').pop());
      assert.deepEqual(seen, [...expected].sort((a, b) => seq(b) - seq(a)), 'pages of 2, newest first');
    }
    // Ordered by relevance: the same messages.
    const ranked = await t.graphql<SearchData>(SEARCH, { text: query, where: { friendWhatsId: friend }, orderBy: 'RELEVANCE' });
    assert.deepEqual(ranked.body.data?.searchMessages.edges.map((e) => e.node.whatsMessageId).sort(), expected, 'by relevance');
    for (const e of res.body.data!.searchMessages.edges) {
      for (const h of e.snippet.highlights) assert.ok(h.start < h.end && h.end <= e.snippet.text.length, `highlight inside the snippet: ${JSON.stringify(e.snippet)}`);
    }
  };

  await fc.assert(
    fc.asyncProperty(caseArb, async (c) => {
      const started = performance.now();
      try {
        await check(c);
      } finally {
        const ms = performance.now() - started;
        if (process.env.FC_TRACE) process.stdout.write(`# case ${runs}: ${ms.toFixed(0)} ms ${JSON.stringify(c)}\n`);
        if (ms > slowest.ms) slowest = { ms, c };
      }
    }),
    { numRuns: NUM_RUNS, seed, path: process.env.FC_PATH, endOnFailure: true },
  );
  ctx.diagnostic(`seed ${seed}: ${runs} cases run (${nonEmpty} found something); slowest ${slowest.ms.toFixed(0)} ms: ${JSON.stringify(slowest.c)}`);
  // Not a vacuous property: many cases must find something (8 to 25 of 40 over 300 seeds, the median 15).
  assert.ok(nonEmpty >= runs / 8, `only ${nonEmpty} of ${runs} cases found anything`);
});


test('examples of the rule: Chinese words, plurals, phone numbers written any way, quoted fragments inside words', async () => {
  const texts = ['我想要退款', '你们好', '请发一下发票 invoice', 'Two ORDERS please', 'call +91 84400-00002 today', 'the companies', 'Café au lait', 'ПРИВЕТ, Мир', 'Ο ΔΡΟΜΟΣ', 'Łódź'];
  const friend = await ingest(texts);
  const search = async (text: string) => {
    const res = await t.graphql<SearchData>(SEARCH, { text, where: { friendWhatsId: friend } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return res.body.data!.searchMessages.edges.map((e) => texts[Number(e.node.whatsMessageId.split('-').pop())]).sort();
  };
  assert.deepEqual(await search('退款'), ['我想要退款']);
  assert.deepEqual(await search('你好'), [], '你好 is not in 你们好');
  assert.deepEqual(await search('你 好'), ['你们好']);
  assert.deepEqual(await search('发票'), ['请发一下发票 invoice']);
  assert.deepEqual(await search('order'), ['Two ORDERS please']);
  assert.deepEqual(await search('orders'), ['Two ORDERS please']);
  assert.deepEqual(await search('company'), ['the companies']);
  assert.deepEqual(await search('cafe'), ['Café au lait']);
  // Letters of every alphabet compare without case (not only A-Z), final sigma as sigma.
  assert.deepEqual(await search('привет'), ['ПРИВЕТ, Мир']);
  assert.deepEqual(await search('МИР'), ['ПРИВЕТ, Мир']);
  assert.deepEqual(await search('δρομος'), ['Ο ΔΡΟΜΟΣ']);
  assert.deepEqual(await search('łódź'), ['Łódź']);
  assert.deepEqual(await search('ŁODZ'), ['Łódź']);
  assert.deepEqual(await search('lodz'), [], 'Ł is a letter of its own, not an accented L');
  for (const phone of ['8440000002', '+918440000002', '+91 84400 00002', '8440000002@c.us', '84400-00002']) {
    assert.deepEqual(await search(phone), ['call +91 84400-00002 today'], phone);
  }
  assert.deepEqual(await search('"rder"'), ['Two ORDERS please']);
  assert.deepEqual(await search('"想要退"'), ['我想要退款']);
  assert.deepEqual(await search('退款 please'), []);
  const snippet = await t.graphql<SearchData>(SEARCH, { text: 'order 退款', where: { friendWhatsId: friend } });
  assert.deepEqual(snippet.body.data!.searchMessages.edges, []);
  const none = await t.graphql(SEARCH, { text: '😀 !', where: { friendWhatsId: friend } });
  assert.equal(none.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
});

test('bounds: long words, numbers and texts index in bounded time; a query has at most 16 terms, each counted once', async () => {
  const long = {
    word: `${'ab'.repeat(1500)}z`, // 3,001 letters: over a tsvector lexeme's 2 KB, it failed the ingest
    number: '7'.repeat(20_000), // its every ending was indexed: 6.5 s, then too big
    cjk: `${'退款'.repeat(20_000)}`, // positions and pairs by substr: 26 s
    tail: `${'好'.repeat(16_383)} 发票 order 12345`, // terms past the first 16,383 characters
    digits: 'call 1111111111 2222222222 3333333333 4444444444 now', // one number of 40 digits
  };
  const texts = Object.values(long);
  const started = performance.now();
  const friend = await ingest(texts);
  const ms = performance.now() - started;
  assert.ok(ms < 20_000, `ingest of the long texts took ${ms.toFixed(0)} ms`);
  const search = async (text: string) => {
    const res = await t.graphql<SearchData>(SEARCH, { text, where: { friendWhatsId: friend } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return res.body.data!.searchMessages.edges.map((e) => Object.keys(long)[Number(e.node.whatsMessageId.split('-').pop())]).sort();
  };
  assert.deepEqual(await search('ab'.repeat(99)), ['word'], 'a word by its first 200 letters');
  assert.deepEqual(await search('777'), ['number']);
  assert.deepEqual(await search('退款退'), ['cjk']);
  assert.deepEqual(await search('好好好'), ['tail']);
  assert.deepEqual(await search('发票'), [], 'past the first 16,383 characters');
  assert.deepEqual(await search('1111 2222'), ['digits'], 'a number by its first 32 digits');
  assert.deepEqual(await search('333-44'), ['digits']);
  assert.deepEqual(await search('3444'), [], 'digits past the 32nd are not read');
  assert.deepEqual(await search('1111111111 2222222222 3333333333 4444444444'), ['digits'], 'the query number read the same');
  // Each term and fragment once: 30 times one of them is one condition.
  assert.deepEqual(await search(Array(30).fill('"ab"').join(' ')), ['word']);
  assert.deepEqual(await search(Array(60).fill('好').join(' ')), ['tail']);
  const many = await t.graphql(SEARCH, { text: 'a b c d e f g h i j k l m n o p "q"', where: { friendWhatsId: friend } });
  assert.equal(many.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  assert.equal(many.body.errors?.[0]?.message, 'text must have at most 16 terms and quoted fragments, got 17');
  const nul = await t.graphql(SEARCH, { text: 'order\u0000', where: { friendWhatsId: friend } });
  assert.equal(nul.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
});

test('contacts: by name part, tag (any case) or phone digits written any way; a bad phone is BAD_USER_INPUT', async () => {
  const people = [
    { externalId: '9001', name: '王小明', whatsId: '8613912345678', tags: ['VIP', '已成交'] },
    { externalId: '9002', name: 'Asha Rao', whatsId: '918440000002@c.us', tags: ['retail'] },
  ];
  const messages = people.map((contact, i) => ({
    accountWhatsId: '8613800000001', whatsMessageId: `contact-${i}`, friendWhatsId: contact.whatsId, direction: 'INBOUND', chatType: 'PRIVATE',
    contentType: 'TEXT', content: 'hi', status: 'SENT', chatTime: new Date(1_700_000_000_000 + i * 1000).toISOString(), contact,
  }));
  const ingested = await t.graphql<{ ingestMessages: { errors: unknown[] } }>('mutation($m: [MessageInput!]!) { ingestMessages(messages: $m) { errors { message } } }', { m: messages }, t.tenant.ingestKey);
  assert.deepEqual(ingested.body.data?.ingestMessages.errors, []);
  const find = async (where: Record<string, string>) => {
    const res = await t.graphql<{ contacts: { edges: { node: { externalId: string } }[] } }>('query($w: ContactWhere) { contacts(where: $w, first: 10) { edges { node { externalId } } } }', { w: where });
    if (res.body.errors) return res.body.errors.map((e) => e.extensions?.code as string);
    return res.body.data!.contacts.edges.map((e) => e.node.externalId).filter((id) => id.startsWith('900')).sort();
  };
  assert.deepEqual(await find({ search: '小明' }), ['9001']);
  assert.deepEqual(await find({ search: 'asha' }), ['9002']);
  assert.deepEqual(await find({ search: 'vip' }), ['9001']);
  assert.deepEqual(await find({ search: '已成交' }), ['9001']);
  assert.deepEqual(await find({ search: '+91 84400-00002' }), ['9002']);
  assert.deepEqual(await find({ phone: '139 1234 5678' }), ['9001']);
  assert.deepEqual(await find({ phone: '8440000002@c.us' }), ['9002']);
  assert.deepEqual(await find({ phone: '12' }), ['BAD_USER_INPUT']);
  assert.deepEqual(await find({ phone: 'abc123' }), ['BAD_USER_INPUT']);
});
