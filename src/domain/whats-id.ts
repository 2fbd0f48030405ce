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

