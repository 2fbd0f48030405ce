// Search compares letters without case: every letter of the alphabets the
// search reads as words (Latin, Greek, Cyrillic, Armenian, Georgian, …) is
// lowered, and final sigma is read as sigma. PostgreSQL's lower() under the
// locale-free "C" collation (the only one PGlite and every server share)
// lowers A–Z only, so chatgraph_search_normalise (prisma/sql/search.sql)
// lowers the rest with translate() over the two strings this module makes;
// test/unit/search.test.ts checks that the SQL carries exactly them.

/** The letters search reads as words (search.sql's word pattern), after folding. */
export const WORD_LETTER = /^[a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0370-\u10ff\u1200-\u1fff]$/u;

/** What search.sql does before lowering: compatibility forms folded, accents stripped. */
export function stripAccents(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]+/g, '').normalize('NFKC');
}

/**
 * The upper-case letters lowered beyond A–Z and their lower-case letters, in
 * step: each a single word letter that folding leaves as it is, whose lower
 * case is one word letter too; then final sigma → sigma.
 */
function table(): { upper: string; lower: string } {
  let upper = '';
  let lower = '';
  for (let cp = 0xc0; cp <= 0x1fff; cp++) {
    const ch = String.fromCodePoint(cp);
    if (stripAccents(ch) !== ch || !WORD_LETTER.test(ch)) continue;
    const low = ch.toLowerCase();
    if (low === ch || [...low].length !== 1 || stripAccents(low) !== low || !WORD_LETTER.test(low)) continue;
    upper += ch;
    lower += low;
  }
  return { upper: upper + 'ς', lower: lower + 'σ' };
}

export const CASE_FOLD = table();

const LOWER_OF = new Map([...CASE_FOLD.upper].map((ch, i) => [ch, [...CASE_FOLD.lower][i]!]));

/** Lowers A–Z and the letters of CASE_FOLD, as chatgraph_search_normalise does; other characters stay. */
export function lowerLetters(s: string): string {
  let out = '';
  for (const ch of s) out += ch >= 'A' && ch <= 'Z' ? ch.toLowerCase() : LOWER_OF.get(ch) ?? ch;
  return out;
}
