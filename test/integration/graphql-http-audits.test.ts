// GraphQL over HTTP conformance: the `graphql-http` package's server audits
// against /graphql (authenticated and with the CSRF header, as every client must be). MUSTs must pass;
// SHOULDs and MAYs are reported, and the ones we miss are listed below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serverAudits } from 'graphql-http';
import { startTestApp, type TestApp } from '../support/app.ts';
import { testTarget } from '../support/database.ts';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

// SHOULDs we choose to miss, with why (also in the README).
const MISSED_SHOULDS = new Set<string>([]);

const once = { skip: testTarget === 'postgres' ? 'transport conformance is independent of the database' : false };

test('graphql-http server audits', once, async () => {
  const fetchFn = (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `Bearer ${t.tenant.readKey}`);
    // CSRF prevention: a GET (or form POST) must carry this header (README "Limits"); the audits' GETs omit it.
    headers.set('x-graphql-yoga-csrf', '1');
    return t.app.fetch(input instanceof URL ? input.toString() : (input as string), { ...init, headers });
  };
  const audits = serverAudits({ url: 'http://localhost/graphql', fetchFn });
  assert.ok(audits.length >= 30, `only ${audits.length} audits`);
  const failures: string[] = [];
  const missedShoulds: string[] = [];
  for (const audit of audits) {
    const result = await audit.fn();
    if (result.status === 'ok') continue;
    const line = `${audit.id} ${audit.name}: ${result.reason}`;
    if (audit.name.startsWith('MUST')) failures.push(line);
    else if (!MISSED_SHOULDS.has(audit.id)) missedShoulds.push(line);
  }
  assert.deepEqual(failures, [], `MUST audits failed:\n${failures.join('\n')}`);
  assert.deepEqual(missedShoulds, [], `SHOULD/MAY audits not met (list them in MISSED_SHOULDS with a reason, or fix):\n${missedShoulds.join('\n')}`);
});
