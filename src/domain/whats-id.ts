// WhatsApp ids arrive with and without a suffix (`8617633819542@c.us`,
// `120363295594719602@g.us`, bare `120363295594719602`). We store what came and
// match on the bare id so both spellings name the same party.

// Only the suffixes WhatsApp uses; anything else after an '@' is kept, so an
// unexpected form is stored and matched verbatim rather than guessed at.
const SUFFIX = /@(?:c\.us|g\.us|s\.whatsapp\.net)$/i;

/** The id without its `@c.us` / `@g.us` / `@s.whatsapp.net` suffix, trimmed; '' for blank or non-string input. */
export function bareWhatsId(raw: unknown): string {
  if (typeof raw !== 'string') return '';
  return raw.trim().replace(SUFFIX, '').trim();
}

/** True when there is no id at all (null, undefined, '', whitespace, or only a suffix). */
export function isBlankWhatsId(raw: unknown): boolean {
  return bareWhatsId(raw) === '';
}

/** True when both name the same party; two blank ids never match (blank is "unknown", not an id). */
export function sameWhatsId(a: unknown, b: unknown): boolean {
  const x = bareWhatsId(a);
  return x !== '' && x === bareWhatsId(b);
}

/** True when the raw id carries the group suffix `@g.us` (bare group ids cannot be told apart here). */
export function isGroupWhatsId(raw: unknown): boolean {
  return typeof raw === 'string' && /@g\.us$/i.test(raw.trim());
}
