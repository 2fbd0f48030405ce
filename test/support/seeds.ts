// The JSON examples of the original documents (../shared/seeds/), extracted as
// the exact text written there, so tests feed them in as written.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { msgSyncAccessToken } from '../../src/auth/webhook-signatures.ts';

const seedsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/seeds');

/** Every JSON block that starts on a line of its own (`{` or `[`), in document order. */
export function jsonBlocks(file: string): string[] {
  const text = readFileSync(path.join(seedsDir, file), 'utf8');
  const blocks: string[] = [];
  let i = 0;
  while (i < text.length) {
    const lineStart = i === 0 || text[i - 1] === '\n';
    const ch = text[i];
    if (lineStart && (ch === '{' || ch === '[')) {
      let depth = 0;
      let inString = false;
      let j = i;
      for (; j < text.length; j++) {
        const c = text[j];
        if (inString) {
          if (c === '\\') j++;
          else if (c === '"') inString = false;
        } else if (c === '"') inString = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) break;
        }
      }
      blocks.push(text.slice(i, j + 1));
      i = j + 1;
    } else i++;
  }
  return blocks;
}

const chat = jsonBlocks('000_4a26c3a661ef59a4.txt');
const console_ = jsonBlocks('001_4404d1714dac04a5.txt');

export const seed = {
  msgPageRequest: chat[0]!,
  msgPageResponse: chat[1]!,
  msgSyncRequest: chat[2]!,
  clientSyncRequest: chat[3]!,
  clientSyncResponse: chat[4]!,
  statusSyncRequest: chat[5]!,
  statusSyncResponse: chat[6]!,
  retrievePastRecordsRequest: console_[0]!,
  retrievePastRecordsResponse: console_[1]!,
};

let lastTimestamp = 0;

/**
 * Now in epoch ms, but never the same twice in this process: an accessToken
 * signs "<tenantId>:<timestamp>" and is good for the body it first came with
 * (src/auth/seen-tokens.ts), so every delivery of other data needs its own.
 */
export function uniqueTimestamp(): number {
  lastTimestamp = Math.max(Date.now(), lastTimestamp + 1);
  return lastTimestamp;
}

/** The MSG_SYNC example with only `timestamp` and `accessToken` replaced, signed with `secret`. */
export function signedMsgSyncExample(secret: string, timestamp = uniqueTimestamp()): string {
  const tenantId = seed.msgSyncRequest.match(/"tenantId":\s*(\d+)/)![1]!;
  return seed.msgSyncRequest
    .replace(/"timestamp":\s*\d+/, `"timestamp": ${timestamp}`)
    .replace(/"accessToken":\s*"[0-9a-f]+"/, `"accessToken": "${msgSyncAccessToken(secret, tenantId, timestamp)}"`);
}
