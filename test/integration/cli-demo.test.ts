// Demo data: `chatgraph demo` loads the generated dataset through the ingest
// service (a second run stores nothing new), and DEMO_DATA=true does it on the
// first start of an empty database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openCliDatabase, allMsgPageRecords } from '../support/cli.ts';
import { demoCredentialsFrom, startServerProcess } from '../support/process.ts';

test('chatgraph demo creates tenant 82 once and loads the dataset idempotently', async () => {
  const db = await openCliDatabase();
  try {
    const first = await db.cli(['demo', '--messages', '300']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^tenant 82 \(Demo company\)$/m);
    assert.match(first.stdout, /demo data for tenant 82 \(seed 42\): [\d,]+ records in [\d.]+ s: 300 inserted, \d+ updated, \d+ unchanged/);
    const second = await db.cli(['demo', '--messages', '300']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^demo tenant 82 \("Demo company"\) exists; its keys are not shown again/m);
    assert.match(second.stdout, /: 0 inserted, 0 updated, \d+ unchanged/);
  } finally {
    await db.close();
  }
});

test('DEMO_DATA=true: the first start of an empty database creates the demo tenant with data', async () => {
  const db = await openCliDatabase();
  try {
    const server = await startServerProcess({ ...db.env, DEMO_BOOTSTRAP: 'true', DEMO_DATA: 'true' });
    try {
      const { readKey } = demoCredentialsFrom(server.output());
      const records = await allMsgPageRecords(`http://127.0.0.1:${server.port}`, readKey);
      assert.equal(records.length, 3000);
      assert.match(server.output(), /"msg":"demo data loaded \(DEMO_DATA\)"/);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  } finally {
    await db.close();
  }
});
