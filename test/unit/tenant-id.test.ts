// Tenant ids: positive 64-bit integers written as exact digits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TENANT_ID, isTenantId, parseTenantId } from '../../src/domain/tenant-id.ts';

test('parseTenantId: digits of a positive 64-bit integer, exactly', () => {
  assert.equal(parseTenantId('1'), 1n);
  assert.equal(parseTenantId('1238'), 1238n);
  assert.equal(parseTenantId('9223372036854775807'), MAX_TENANT_ID);
  assert.equal(parseTenantId('007'), 7n);
});

test('parseTenantId: null for anything else', () => {
  for (const raw of ['', '0', '-1', '+1', '1.0', '1e3', ' 1', 'abc', '9223372036854775808', '99999999999999999999', '0x10']) {
    assert.equal(parseTenantId(raw), null, raw);
  }
});

test('isTenantId: 1 … 2^63−1', () => {
  assert.equal(isTenantId(0n), false);
  assert.equal(isTenantId(-5n), false);
  assert.equal(isTenantId(1n), true);
  assert.equal(isTenantId(MAX_TENANT_ID), true);
  assert.equal(isTenantId(MAX_TENANT_ID + 1n), false);
});
