// Tenant ids are PostgreSQL bigints chosen by the CRM (its `tenantId`): a
// positive 64-bit integer. One outside 1 … 2^63−1 names no tenant, and must
// not reach a query, which would fail on it.

export const MAX_TENANT_ID = 9_223_372_036_854_775_807n;

export function isTenantId(id: bigint): boolean {
  return id >= 1n && id <= MAX_TENANT_ID;
}

/** How a tenant id is written: 1 to 19 decimal digits (its range is isTenantId's). */
export const TENANT_ID_TEXT = /^\d{1,19}$/;

/** The tenant id written as exact decimal digits, or null when `raw` is not one. */
export function parseTenantId(raw: string): bigint | null {
  if (!TENANT_ID_TEXT.test(raw)) return null;
  const id = BigInt(raw);
  return isTenantId(id) ? id : null;
}
