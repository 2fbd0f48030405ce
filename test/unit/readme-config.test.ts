// The README's configuration table lists every environment variable
// src/config.ts reads, and nothing else; and the README check's parser reads
// commands, markers and shown answers as the README writes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extractBlocks, matchesExpected, startsServer } from '../../scripts/readme-check.ts';

const read = (file: string) => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

/** Every `(env, 'NAME'` in src/config.ts: each reader (read, integer, boolean, oneOf, url, …) takes the env and the name. */
function configVariables(): string[] {
  const names = [...read('src/config.ts').matchAll(/\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]!);
  return [...new Set(names)].sort();
}

/** The first column of the table under "## Configuration". */
function readmeTableVariables(): string[] {
  const readme = read('README.md');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration\n') + 5));
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!).sort();
}

test('the README configuration table names every variable src/config.ts reads, and only those', () => {
  const inConfig = configVariables();
  const inReadme = readmeTableVariables();
  assert.ok(inConfig.length >= 25, `found only ${inConfig.length} variables in src/config.ts: has its style changed?`);
  assert.deepEqual(inConfig.filter((n) => !inReadme.includes(n)), [], 'read by src/config.ts but missing from the README table');
  assert.deepEqual(inReadme.filter((n) => !inConfig.includes(n)), [], 'in the README table but not read by src/config.ts');
});

test('readme-check: blocks, continuation lines, markers and shown answers', () => {
  const readme = [
    '```sh',
    'npm start',
    'curl -s localhost:4000/readyz \\',
    "  -H 'x: y'",
    '# → {"status":"ready",',
    '#   "database":"embedded"}',
    'echo hi     # → hi',
    '```',
    '',
    '<!-- readme-check: skip (needs a server) -->',
    '```bash',
    'psql',
    '```',
    '<!-- readme-check: timeout 5 (a stream) -->',
    '```sh',
    '# a comment',
    'curl -N x',
    '```',
    '```js',
    'ignored()',
    '```',
  ].join('\n');
  const blocks = extractBlocks(readme);
  assert.equal(blocks.length, 3);
  assert.deepEqual(blocks[0]!.commands, [
    { text: 'npm start', line: 2 },
    { text: "curl -s localhost:4000/readyz \\\n  -H 'x: y'", line: 3, expected: '{"status":"ready","database":"embedded"}' },
    { text: 'echo hi', line: 7, expected: 'hi' },
  ]);
  assert.equal(blocks[1]!.skip, 'needs a server');
  assert.equal(blocks[2]!.timeoutSeconds, 5);
  assert.deepEqual(blocks[2]!.commands.map((c) => c.text), ['curl -N x']);
  assert.ok(startsServer('npm start') && startsServer('PORT=4001 npm start') && !startsServer('npm start &') && !startsServer('npm run -s example:client'));
  assert.ok(matchesExpected('{"id":"7","createTime":1795}\n', '{"id":"7","createTime":…}'));
  assert.ok(!matchesExpected('{"id":"8","createTime":1795}', '{"id":"7","createTime":…}'));
  assert.ok(matchesExpected('a (b) [c] $d', 'a (b) [c] $d'));
});
