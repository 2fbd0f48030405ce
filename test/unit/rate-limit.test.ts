import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBuckets, clientIp } from '../../src/http/rate-limit.ts';

test('a bucket allows its per-minute number at once, then refills continuously', () => {
  let now = 0;
  const buckets = new TokenBuckets(3, () => now);
  for (let i = 0; i < 3; i++) {
    assert.equal(buckets.wait('k'), 0);
    buckets.take('k');
  }
  assert.equal(buckets.wait('k'), 20_000, 'one token every 20 s at 3 a minute');
  now = 19_999;
  assert.ok(buckets.wait('k') > 0);
  now = 20_000;
  assert.equal(buckets.wait('k'), 0);
  buckets.take('k');
  assert.equal(buckets.wait('other'), 0, 'each key has its own bucket');
  now = 10 * 60_000;
  for (let i = 0; i < 3; i++) buckets.take('k');
  assert.ok(buckets.wait('k') > 0, 'a long pause refills to the minute\'s allowance, not beyond');
});

test('buckets are bounded: full ones, then the oldest, are dropped', () => {
  let now = 0;
  const buckets = new TokenBuckets(60, () => now, 100);
  for (let i = 0; i < 1000; i++) {
    buckets.take(`ip-${i}`);
    now += 1;
  }
  assert.ok(buckets.size <= 100, `size ${buckets.size}`);
});

test('the client address: the TCP peer, or the last X-Forwarded-For entry behind a trusted proxy', () => {
  const request = new Request('http://x/graphql', { headers: { 'x-forwarded-for': '203.0.113.9, 10.0.0.2' } });
  const serverContext = { req: { socket: { remoteAddress: '10.0.0.1' } } };
  assert.equal(clientIp(request, serverContext, false), '10.0.0.1', 'the header is ignored unless trusted');
  assert.equal(clientIp(request, serverContext, true), '10.0.0.2');
  assert.equal(clientIp(new Request('http://x/'), serverContext, true), '10.0.0.1');
  assert.equal(clientIp(new Request('http://x/'), {}, false), 'unknown');
});
