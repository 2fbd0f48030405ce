// The search tokenizer's one source is prisma/sql/search.sql; the migration
// that installs it carries the same text (test/unit/sql-sources.test.ts).
// The query syntax and snippets (src/read/search.ts) are pure and tested
// here; what matches is tested on both databases in
// test/integration/search-properties.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CASE_FOLD, WORD_LETTER, lowerLetters } from '../../src/domain/case-fold.ts';
import { fragmentIndexParts, isCompoundSearch, parseSearch, queryLexemes, snippetHtml, snippetOf } from '../../src/read/search.ts';

const root = path.resolve(import.meta.dirname, '../..');

test('letters are lowered in every alphabet read as words: search.sql carries case-fold.ts\'s table, exactly', () => {
  const source = readFileSync(path.join(root, 'prisma/sql/search.sql'), 'utf8');
  const translated = /translate\(\s*lower\([\s\S]*?\),\s*'([^']*)',\s*'([^']*)'\)/.exec(source);
  assert.ok(translated, 'chatgraph_search_normalise lowers through translate(lower(…), upper, lower)');
  assert.equal(translated[1], CASE_FOLD.upper);
  assert.equal(translated[2], CASE_FOLD.lower);
  assert.equal([...CASE_FOLD.upper].length, [...CASE_FOLD.lower].length);
  for (const ch of CASE_FOLD.lower) assert.ok(WORD_LETTER.test(ch), `${ch} is read as a word letter`);
  assert.equal(lowerLetters('ПРИВЕТ Мир'), 'привет мир');
  assert.equal(lowerLetters('ΟΔΟΣ οδος'), 'οδοσ οδοσ', 'final sigma is sigma');
  assert.equal(lowerLetters('ÆØ Łódź ԱՐՄ ᲒᲔ'), 'æø łódź արմ გე');
  assert.equal(lowerLetters('ABC 退款 123 ①'), 'abc 退款 123 ①');
});

test('parseSearch: quoted fragments (straight, typographic, corner brackets) apart from the terms', () => {
  assert.deepEqual(parseSearch('退款 "order no" 发票'), { terms: '退款   发票', fragments: ['order no'] });
  assert.deepEqual(parseSearch('“你好吗”「退款」a'), { terms: '  a', fragments: ['你好吗', '退款'] });
  assert.deepEqual(parseSearch('x "unclosed rest'), { terms: 'x  ', fragments: ['unclosed rest'] });
  assert.deepEqual(parseSearch('"" "  " y'), { terms: '    y', fragments: [] });
  assert.deepEqual(parseSearch('"ab" "ab" “ab” "Ab"').fragments, ['ab', 'Ab'], 'a fragment given twice is one');
});

test('isCompoundSearch: more than one term, a phrase or a fragment beside a term', () => {
  const q = (tsquery: string | null, patterns: string[] = []) => ({ tsquery, patterns, fragments: patterns });
  assert.equal(isCompoundSearch(q("'退款'")), false);
  assert.equal(isCompoundSearch(q("'order':*")), false);
  assert.equal(isCompoundSearch(q(null, ['%rd%'])), false);
  assert.equal(isCompoundSearch(q("'想要' <-> '要退'")), true);
  assert.equal(isCompoundSearch(q("('好') & ('您')")), true);
  assert.equal(isCompoundSearch(q("'好'", ['%好%'])), true);
  assert.equal(isCompoundSearch(q(null, ['%a%', '%e%'])), true);
});

test('fragmentIndexParts: only chunks between spaces are whole words; edge chunks give their CJK runs', () => {
  assert.deepEqual(fragmentIndexParts('rder nu'), { whole: '', cjkOnly: 'rder nu' });
  assert.deepEqual(fragmentIndexParts('ab order 123 退款x'), { whole: 'order 123', cjkOnly: 'ab 退款x' });
  assert.deepEqual(fragmentIndexParts(' order '), { whole: 'order', cjkOnly: ' ' });
});

test('queryLexemes: phrases of CJK pairs are joined back into their run; prefixes marked', () => {
  assert.deepEqual(queryLexemes("('想要' <-> '要退' <-> '退款') & ('compan':* & '12' & '9184400':*)"), [
    { text: '想要退款', prefix: false },
    { text: 'compan', prefix: true },
    { text: '12', prefix: false },
    { text: '9184400', prefix: true },
  ]);
});

test('snippetOf: marks CJK runs, word prefixes (accents and case folded) and digits inside written numbers', () => {
  const text = 'Café ORDERS: 我想要退款, call +91 84400-00002 or 12';
  const s = snippetOf(text, { tsquery: "('要退' <-> '退款') & ('cafe':*) & ('order':*) & ('8440000':*) & ('12')", fragments: [] });
  assert.equal(s.text, text);
  assert.deepEqual(s.highlights.map((h) => text.slice(h.start, h.end)), ['Café', 'ORDERS', '要退款', '84400-00', '12']);
  assert.equal(snippetHtml({ text: 'a<b> 退款', highlights: [{ start: 5, end: 7 }] }), 'a&lt;b&gt; <mark>退款</mark>');
});

test('snippetOf: a match inside a character that folds into several (㈱ is "(株)") marks the whole character; other alphabets fold their case', () => {
  const text = '𑢦x㈱123 ПРИВЕТ ΔΡΟΜΟΣ';
  const s = snippetOf(text, { tsquery: "('株') & ('привет':*) & ('δρομοσ':*)", fragments: [] });
  assert.deepEqual(s.highlights.map((h) => text.slice(h.start, h.end)), ['㈱', 'ПРИВЕТ', 'ΔΡΟΜΟΣ']);
  for (const h of s.highlights) assert.ok(h.end > h.start);
});

test('snippetOf: a long text is cut around the first match; quoted fragments are marked as written', () => {
  const text = `${'x'.repeat(300)} the ORDER number ${'y'.repeat(300)}`;
  const s = snippetOf(text, { tsquery: null, fragments: ['rder nu'] }, 60);
  assert.ok(s.text.startsWith('…') && s.text.endsWith('…'));
  assert.equal(s.text.length, 62);
  assert.deepEqual(s.highlights.map((h) => s.text.slice(h.start, h.end)), ['RDER nu']);
});
