// vCard text (RFC 6350, and the 2.1 that phones still send) read into
// contact cards: the name (FN, else N), WhatsApp's business name and the
// phone numbers with their WhatsApp ids (TEL;waid=…). Never throws: what it
// cannot read is left out. Used by content.ts for contact-card messages.
import type { ContactCard, ContactPhone } from './content.ts';

// Unfold (RFC 6350 §3.2: a line break followed by a space or tab continues the line).
function unfoldedLines(text: string): string[] {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/\n[ \t]/g, '')
    .split('\n');
}

function unescapeVcard(value: string): string {
  return value.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

// Split on a separator not preceded by a backslash escape.
function splitUnescaped(value: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      current += c + value[i + 1];
      i++;
    } else if (c === sep) {
      out.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  out.push(current);
  return out;
}

interface VcardLine {
  name: string; // upper case, group prefix ("item1.") removed
  params: Map<string, string[]>; // lower-case parameter name → values
  value: string;
}

function parseVcardLine(line: string): VcardLine | null {
  // The value starts at the first ':' outside a quoted parameter value.
  let colon = -1;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (c === ':' && !quoted) {
      colon = i;
      break;
    }
  }
  if (colon < 0) return null;
  const [head = '', ...paramParts] = line.slice(0, colon).split(';');
  const params = new Map<string, string[]>();
  for (const part of paramParts) {
    const eq = part.indexOf('=');
    // vCard 2.1 writes bare parameters ("TEL;CELL:…"): those are types.
    const key = eq < 0 ? 'type' : part.slice(0, eq).trim().toLowerCase();
    const value = (eq < 0 ? part : part.slice(eq + 1)).trim().replace(/^"|"$/g, '');
    params.set(key, [...(params.get(key) ?? []), value]);
  }
  const name = head.trim().replace(/^[^.]*\./, '').toUpperCase();
  return { name, params, value: line.slice(colon + 1) };
}

// "N:family;given;additional;prefix;suffix" → "prefix given additional family suffix".
function nameFromN(value: string): string | null {
  const [family = '', given = '', additional = '', prefix = '', suffix = ''] = splitUnescaped(value, ';').map((p) =>
    unescapeVcard(p).trim(),
  );
  const name = [prefix, given, additional, family, suffix].filter((p) => p !== '').join(' ');
  return name === '' ? null : name;
}

function parseVcard(lines: string[]): ContactCard {
  let fn: string | null = null;
  let n: string | null = null;
  let businessName: string | null = null;
  const phones: ContactPhone[] = [];
  for (const line of lines) {
    const parsed = parseVcardLine(line);
    if (!parsed) continue;
    const value = unescapeVcard(parsed.value).trim();
    switch (parsed.name) {
      case 'FN':
        fn ??= value === '' ? null : value;
        break;
      case 'N':
        n ??= nameFromN(parsed.value);
        break;
      case 'X-WA-BIZ-NAME':
        businessName ??= value === '' ? null : value;
        break;
      case 'TEL': {
        const number = value.replace(/^tel:/i, '').trim();
        const waid = parsed.params.get('waid')?.[0]?.trim() ?? '';
        phones.push({ number: number === '' ? null : number, whatsId: waid === '' ? null : waid });
        break;
      }
    }
  }
  return { name: fn ?? n, businessName, phones };
}

// Every BEGIN:VCARD…END:VCARD block; a last block cut off before END:VCARD still counts.
export function parseVcards(text: string): ContactCard[] {
  const cards: ContactCard[] = [];
  let block: string[] | null = null;
  for (const line of unfoldedLines(text)) {
    const upper = line.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      if (block) cards.push(parseVcard(block));
      block = [];
    } else if (upper === 'END:VCARD') {
      if (block) cards.push(parseVcard(block));
      block = null;
    } else if (block) {
      block.push(line);
    }
  }
  if (block) cards.push(parseVcard(block));
  return cards;
}
