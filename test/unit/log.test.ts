// Every line the server writes is JSON through the logger: libraries'
// warnings too (process 'warning' events, console.*), in a process of its own
// (capturing changes process-wide state).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

test('process warnings and console.* become JSON log records; Node prints nothing of its own', () => {
  const script = `
    import { captureProcessOutput, createLogger } from './src/log.ts';
    captureProcessOutput(createLogger('info'));
    process.emitWarning('this API is old', 'DeprecationWarning', 'DEP0999');
    console.warn('a library says %s', 'careful');
    console.log('plain output', { n: 1 });
  `;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stderr, '', 'nothing on stderr: Node\'s own warning printer is replaced');
  const records = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(records.length, 3, result.stdout);
  // Warnings are emitted on the next tick: after the console lines.
  assert.deepEqual(
    records.map((r) => [r.level, r.msg]),
    [
      [40, 'a library says careful'],
      [30, 'plain output { n: 1 }'],
      [40, 'process warning: this API is old'],
    ],
  );
  assert.deepEqual(records[2]!.warning, { name: 'DeprecationWarning', code: 'DEP0999', message: 'this API is old' });
  assert.equal(records[0]!.source, 'console');
});
