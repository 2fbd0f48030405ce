// Strings from JSON (request bodies, GraphQL variables, import files) may be
// ill-formed UTF-16: JSON lets "\udfff" (an unpaired surrogate) and "\u0000"
// through, PostgreSQL stores neither. The one rule, applied when an input is
// read (src/ingest/fields.ts), before anything reaches the database:
//   - NUL is refused everywhere (text cannot hold it; dropping it would store
//     something else than was sent);
//   - in an id (message, account, friend, agent, task ids…) an unpaired
//     surrogate is refused: replaced, "UNI\udfff" and "UNI\udffe" would both
//     become "UNI\ufffd" — two messages merged into one, and an id the
//     sender cannot find again;
//   - in free text (contents, names, tags) it becomes U+FFFD, as text
//     decoders do: a message whose text was cut inside an emoji pair is
//     still worth storing.
// Bidirectional marks (U+200E, U+200F, U+202A–U+202E…) are well-formed
// characters: ids keep them, exactly as sent.

/** Position of the first unpaired UTF-16 surrogate in `s`, or -1 when it is well-formed. */
export function unpairedSurrogateAt(s: string): number {
  if (s.isWellFormed()) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return i;
    }
  }
  return -1;
}

/** Why `s` cannot be an id, or null when it can (see above). */
export function idProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters (\\u0000)';
  const at = unpairedSurrogateAt(s);
  if (at >= 0) {
    const unit = s.charCodeAt(at).toString(16);
    return `must be well-formed Unicode: an unpaired UTF-16 surrogate (\\u${unit}) at character ${at + 1}`;
  }
  return null;
}

/** Free text as stored: unpaired surrogates become U+FFFD; null when it holds a NUL (refused). */
export function storableText(s: string): string | null {
  if (s.includes('\u0000')) return null;
  return s.toWellFormed();
}
