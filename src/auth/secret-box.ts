// Webhook secrets at rest. A webhook secret must be recoverable (it keys the
// HMAC that MSG_SYNC_MESSAGE's accessToken is checked against), so it cannot
// be hashed like an API key: it is sealed with AES-256-GCM under a key that
// lives outside the database — SECRETS_KEY (32 bytes, base64), or else a key
// file created once in DATA_DIR (`secrets.key`, mode 0600). A dump of the
// database alone reveals no secret. Values written before sealing existed
// (no `v1:` prefix) are read as they are and sealed at start-up.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PREFIX = 'v1:';

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error(`the secrets key must be 32 bytes, got ${key.length}`);
  }

  /** `v1:` + base64url(iv ‖ tag ‖ ciphertext). */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The secret; a value stored before sealing is returned as it is. Throws when sealed under another key. */
  open(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    try {
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('a webhook secret was sealed under another key: set SECRETS_KEY to the key it was sealed with');
    }
  }

  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }
}

/** SECRETS_KEY, or the key file in DATA_DIR (made on first use; every instance must share it). */
export function loadSecretBox(options: { secretsKey: Buffer | null; dataDir: string }): { box: SecretBox; source: string } {
  if (options.secretsKey) return { box: new SecretBox(options.secretsKey), source: 'SECRETS_KEY' };
  const file = path.join(options.dataDir, 'secrets.key');
  mkdirSync(options.dataDir, { recursive: true });
  // Written aside, then linked into place: a concurrent start reads a whole key or makes none.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} must hold 32 bytes in base64 (delete it only if no secret was sealed with it)`);
  return { box: new SecretBox(key), source: file };
}
