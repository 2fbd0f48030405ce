// The operator credential (OPERATOR_KEY): a server-wide secret of the
// deployment, not a row of the database, for what no tenant's ADMIN key may
// do — create and list tenants, and manage the keys and webhook secrets of
// any tenant. Kept out of the database so that a leaked database dump or a
// tenant's ADMIN key never yields it, and so that it exists before the
// first tenant does. Unset, those operations are only available to the CLI
// on the database itself.
import { createHash, timingSafeEqual } from 'node:crypto';

export class OperatorKey {
  private readonly digest: Buffer;

  constructor(key: string) {
    this.digest = createHash('sha256').update(key).digest();
  }

  /** Whether `presented` is the operator key (compared in constant time, as digests). */
  matches(presented: string): boolean {
    return timingSafeEqual(this.digest, createHash('sha256').update(presented).digest());
  }
}
