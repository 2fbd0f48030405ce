// Message search: the query syntax (terms and quoted fragments), its SQL, and
// the highlighted snippet. Which text a term matches is decided by the SQL
// functions of prisma/sql/search.sql (the one source of the tokenizer); this
// module splits the query into the parts those functions read.
import type pg from 'pg';
import type { Params } from './sql.ts';
import { lowerLetters, stripAccents } from '../domain/case-fold.ts';
import { badInput } from '../domain/bad-input.ts';

export const MAX_SEARCH_LENGTH = 200;
/**
 * Terms and quoted fragments of one query, at most (each given twice counts
 * once). Every one is a condition on each candidate message: many frequent
 * ones read many long index lists (a query of 100 one-character terms took
 * seconds on 1 M messages).
 */
export const MAX_SEARCH_TERMS = 16;


export interface ParsedSearch {
  /** The text outside quotes: its terms must all match. */
  terms: string;
  /** Quoted fragments: each must occur in the text as written (case-insensitive). */
  fragments: string[];
}

// Straight and typographic double quotes, and the CJK corner brackets.
const QUOTES: Record<string, string> = { '"': '"', '\u201c': '\u201d', '\u300c': '\u300d', '\u300e': '\u300f' };

/** Splits a query into terms and quoted fragments (an unclosed quote runs to the end). */
export function parseSearch(text: string): ParsedSearch {
  const outside: string[] = [];
  const fragments: string[] = [];
  let i = 0;
  while (i < text.length) {
    const close = QUOTES[text[i]!];
    if (close === undefined) {
      outside.push(text[i]!);
      i++;
      continue;
    }
    let end = text.indexOf(close, i + 1);
    if (end < 0) end = text.length;
    const fragment = text.slice(i + 1, end);
    // A fragment given twice is one condition (50 of them took 28 s on 1 M messages).
    if (fragment.trim() && !fragments.includes(fragment)) fragments.push(fragment);
    outside.push(' ');
    i = end + 1;
  }
  return { terms: outside.join(''), fragments };
}

/**
 * A quoted fragment's parts that are sure to be whole in any text containing
 * it: the chunks between two of its spaces (words and numbers read as terms),
 * and the CJK runs of its first and last chunks (a CJK run inside a text's
 * run is still found by its pairs). The fragment itself is then checked as a
 * substring; these only let the index find the candidates.
 */
export function fragmentIndexParts(fragment: string): { whole: string; cjkOnly: string } {
  const chunks = fragment.split(/\s+/);
  if (chunks.length < 3) return { whole: '', cjkOnly: chunks.join(' ') };
  return { whole: chunks.slice(1, -1).join(' '), cjkOnly: `${chunks[0]} ${chunks[chunks.length - 1]}` };
}

export interface SearchQuery {
  /** The tsquery (text form) every match satisfies; null when only fragments without terms were given. */
  tsquery: string | null;
  /** ILIKE patterns, one per quoted fragment. */
  patterns: string[];
  fragments: string[];
}

const likePattern = (fragment: string) => `%${fragment.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

/** Validates the search text and reads it into a tsquery (by the SQL functions) and substring patterns. */
export async function searchQuery(pool: pg.Pool, text: string): Promise<SearchQuery> {
  // Unpaired surrogates read as U+FFFD, as stored texts hold them (src/domain/text.ts).
  text = text.toWellFormed();
  if (!text.trim()) throw badInput('text must not be empty');
  if (text.length > MAX_SEARCH_LENGTH) throw badInput(`text must be at most ${MAX_SEARCH_LENGTH} characters, got ${text.length}`);
  const parsed = parseSearch(text);
  const parts = parsed.fragments.map(fragmentIndexParts);
  const { rows } = await pool.query<{ q: (string | null)[] }>(
    `SELECT ARRAY[chatgraph_search_query($1)::text]
            || ARRAY(SELECT chatgraph_search_query(w)::text FROM unnest($2::text[]) w)
            || ARRAY(SELECT chatgraph_search_query(c, true)::text FROM unnest($3::text[]) c) AS q`,
    [parsed.terms, parts.map((p) => p.whole), parts.map((p) => p.cjkOnly)],
  );
  const [terms, ...fromFragments] = rows[0]!.q;
  if (!terms && parsed.fragments.length === 0) {
    throw badInput('text has no word, number or CJK character to search for: put it in double quotes to find it as written');
  }
  const count = (terms ? queryLexemes(terms).length : 0) + parsed.fragments.length;
  if (count > MAX_SEARCH_TERMS) throw badInput(`text must have at most ${MAX_SEARCH_TERMS} terms and quoted fragments, got ${count}`);
  const pieces = [terms, ...fromFragments].filter((q): q is string => !!q);
  return {
    tsquery: pieces.length ? pieces.map((q) => `(${q})`).join(' & ') : null,
    patterns: parsed.fragments.map(likePattern),
    fragments: parsed.fragments,
  };
}

/**
 * Whether a search is more than one condition (terms, a phrase, fragments):
 * the planner then estimates its matches as rare as all its conditions
 * together, while frequent terms are as frequent together (see messagePage).
 */
export function isCompoundSearch(q: SearchQuery): boolean {
  return (q.tsquery ? 1 + (q.tsquery.match(/ & | <-> /g)?.length ?? 0) : 0) + q.patterns.length > 1;
}

/** The SQL conditions of a search on alias `m`. */
export function searchConditions(q: SearchQuery, params: Params): string[] {
  const c: string[] = [];
  if (q.tsquery) c.push(`m."searchVector" @@ ${params.add(q.tsquery)}::tsquery`);
  for (const p of q.patterns) c.push(`m."searchText" ILIKE ${params.add(p)}`);
  return c;
}

/** The relevance of a match (higher first), for ordering by relevance. */
export function rankExpression(q: SearchQuery, params: Params): string {
  return q.tsquery ? `ts_rank(m."searchVector", ${params.add(q.tsquery)}::tsquery)` : '0::real';
}

// ---------------------------------------------------------------------------
// Highlighting. What matched is known from the tsquery's lexemes; where they
// sit in the original text is found on a per-character folding of it (the
// same folding as chatgraph_search_normalise), so offsets stay the original's.

export interface Highlight {
  start: number;
  end: number;
}

export interface Snippet {
  text: string;
  highlights: Highlight[];
}

interface Lexeme {
  text: string;
  prefix: boolean;
}

/** The lexemes of a tsquery's text form; a phrase of CJK pairs is joined back into its run. */
export function queryLexemes(tsquery: string): Lexeme[] {
  const out: Lexeme[] = [];
  const re = /'([^']*)'(:\*)?(\s*<->\s*)?/g;
  let run: string | null = null;
  for (let m = re.exec(tsquery); m; m = re.exec(tsquery)) {
    const lexeme = m[1]!;
    run = run === null ? lexeme : run + lexeme.slice(-1);
    if (!m[3]) {
      out.push({ text: run, prefix: !!m[2] });
      run = null;
    }
  }
  return out;
}

const CJK = /[\u1100-\u11ff\u3005-\u3007\u3040-\u30ff\u3130-\u318f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{2ffff}]/u;
const LETTER = /[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u10ff\u1200-\u1fff]/u;

function fold(ch: string): string {
  return lowerLetters(stripAccents(ch));
}

/**
 * The folded text and, for each of its UTF-16 units, where the original
 * character it came from starts and ends (a character may fold into several
 * units: ㈱ is "(株)", so a match inside it spans the whole of ㈱).
 */
function folded(text: string): { s: string; at: number[]; endAt: number[] } {
  let s = '';
  const at: number[] = [];
  const endAt: number[] = [];
  let offset = 0;
  for (const ch of text) {
    const f = fold(ch);
    for (let k = 0; k < f.length; k++) {
      at.push(offset);
      endAt.push(offset + ch.length);
    }
    s += f;
    offset += ch.length;
  }
  at.push(offset);
  return { s, at, endAt };
}

function spans(text: string, lexemes: readonly Lexeme[], fragments: readonly string[]): Highlight[] {
  const { s, at, endAt } = folded(text);
  const found: Highlight[] = [];
  const add = (from: number, to: number) => found.push({ start: at[from]!, end: endAt[to - 1]! });
  const isLetter = (i: number) => i >= 0 && i < s.length && LETTER.test(s[i]!);
  for (const { text: lexeme, prefix } of lexemes) {
    if (!lexeme) continue;
    if (/^[0-9]+$/.test(lexeme)) {
      // Inside a number as the tokenizer joins it (digits across one or two of " -.()+/").
      for (const m of s.matchAll(/[0-9]+(?:[-. ()+/]{1,2}[0-9]+)*/g)) {
        const digitsAt: number[] = [];
        for (let k = 0; k < m[0].length; k++) if (/[0-9]/.test(m[0][k]!)) digitsAt.push(m.index! + k);
        const digits = digitsAt.map((i) => s[i]).join('');
        for (let p = digits.indexOf(lexeme); p >= 0; p = digits.indexOf(lexeme, p + 1)) {
          if (!prefix && (p > 0 || lexeme.length < digits.length) && !isWholeGroup(s, digitsAt[p]!, digitsAt[p + lexeme.length - 1]! + 1)) continue;
          add(digitsAt[p]!, digitsAt[p + lexeme.length - 1]! + 1);
        }
      }
    } else {
      for (let p = s.indexOf(lexeme); p >= 0; p = s.indexOf(lexeme, p + 1)) {
        if (CJK.test(lexeme[0]!)) {
          add(p, p + lexeme.length);
          continue;
        }
        if (isLetter(p - 1)) continue;
        let end = p + lexeme.length;
        if (prefix) while (isLetter(end)) end++;
        else if (isLetter(end)) continue;
        add(p, end);
      }
    }
  }
  const lower = text.toLowerCase();
  for (const fragment of fragments) {
    const f = fragment.toLowerCase();
    if (lower.length !== text.length) break; // offsets would not be the original's
    for (let p = lower.indexOf(f); p >= 0; p = lower.indexOf(f, p + 1)) found.push({ start: p, end: p + f.length });
  }
  // Sorted, overlaps merged.
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const merged: Highlight[] = [];
  for (const h of found) {
    const last = merged[merged.length - 1];
    if (last && h.start <= last.end) last.end = Math.max(last.end, h.end);
    else merged.push({ ...h });
  }
  return merged;
}

function isWholeGroup(s: string, from: number, to: number): boolean {
  return !/[0-9]/.test(s[from - 1] ?? '') && !/[0-9]/.test(s[to] ?? '');
}

/**
 * The text around the first match (about `length` characters), with every
 * match in it marked; the whole text when it is short.
 */
export function snippetOf(text: string, q: Pick<SearchQuery, 'tsquery' | 'fragments'>, length = 120): Snippet {
  const all = spans(text, q.tsquery ? queryLexemes(q.tsquery) : [], q.fragments);
  if (text.length <= length) return { text, highlights: all };
  const first = all[0]?.start ?? 0;
  let start = Math.max(0, Math.min(first - Math.floor(length / 3), text.length - length));
  let end = Math.min(text.length, start + length);
  // Not inside a surrogate pair.
  if (/[\udc00-\udfff]/.test(text[start] ?? '')) start++;
  if (/[\ud800-\udbff]/.test(text[end - 1] ?? '')) end--;
  const lead = start > 0 ? '…' : '';
  const shift = lead.length - start;
  const highlights = all
    .filter((h) => h.end > start && h.start < end)
    .map((h) => ({ start: Math.max(h.start, start) + shift, end: Math.min(h.end, end) + shift }));
  return { text: lead + text.slice(start, end) + (end < text.length ? '…' : ''), highlights };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** The snippet as HTML: text escaped, matches in <mark>. */
export function snippetHtml(snippet: Snippet): string {
  let html = '';
  let at = 0;
  for (const h of snippet.highlights) {
    html += escapeHtml(snippet.text.slice(at, h.start)) + '<mark>' + escapeHtml(snippet.text.slice(h.start, h.end)) + '</mark>';
    at = h.end;
  }
  return html + escapeHtml(snippet.text.slice(at));
}
