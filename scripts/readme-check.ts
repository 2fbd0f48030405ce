// `npm run readme:check`: runs the README's shell commands as written, on a
// fresh clone of HEAD, and fails when one does not work.
//
//   tsx scripts/readme-check.ts [--npm-ci] [--worktree-readme] [--keep] [--verbose]
//
// What it does:
// - clones the repository's HEAD into a temporary directory (offline: a local
//   clone), with `../shared` linked beside it when it exists;
// - links the current node_modules into the clone, so the README's `npm ci`
//   is skipped (say --npm-ci to run it for real: it needs the npm cache or
//   the registry);
// - runs every command of every ```sh / ```bash block in order, in one
//   shell state (variables and `cd` carry over, as in a terminal), each to
//   exit 0 within 120 s;
// - runs `npm start` (and any command ending in it) in the background, as a
//   reader leaves it running in a terminal, and waits for its /readyz (the
//   demo tenant's keys then come from the README's `source data/demo.env`);
// - where the README shows an answer (`# → …` after a command, on its line
//   or the next; continued on lines starting `#   `), checks its standard
//   output is that text, `…` standing for anything;
// - stops the servers it started and removes the clone.
//
// Markers, in an HTML comment on the line before a block's fence:
//   <!-- readme-check: skip (why) -->     the block is not run (say why)
//   <!-- readme-check: timeout N -->      its commands run until they exit or
//                                         for N seconds (streams that never end)
// When port 4000 is taken, another port is used and `localhost:4000` in the
// commands is rewritten to it. --worktree-readme checks the working tree's
// README.md instead of the committed one (while editing it).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, copyFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEntryModule } from '../src/paths.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const runNpmCi = args.has('--npm-ci');
const keep = args.has('--keep');
const verbose = args.has('--verbose');
const DEFAULT_PORT = 4000;
const COMMAND_TIMEOUT_S = 120;
const START_TIMEOUT_S = 180;

export interface Command {
  /** The command as written (continuation lines joined). */
  text: string;
  /** The README line it starts on. */
  line: number;
  /** The answer the README shows, `…` standing for anything. */
  expected?: string;
}

export interface Block {
  line: number;
  lang: string;
  commands: Command[];
  skip?: string;
  timeoutSeconds?: number;
}

const ARROW = '# → ';

/** The README's ```sh / ```bash blocks, their commands and markers. */
export function extractBlocks(readme: string): Block[] {
  const lines = readme.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i]!.match(/^(\s*)```(\w*)\s*$/);
    if (!fence) continue;
    const lang = fence[2]!;
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
    if (lang === 'sh' || lang === 'bash') {
      let prev = i - 1;
      while (prev >= 0 && lines[prev]!.trim() === '') prev--;
      const marker = prev >= 0 ? lines[prev]!.match(/<!--\s*readme-check:\s*(skip|timeout)\b\s*(.*?)\s*-->/) : null;
      const block: Block = { line: i + 1, lang, commands: parseCommands(lines.slice(i + 1, end), i + 2) };
      if (marker?.[1] === 'skip') block.skip = marker[2]!.replace(/^\((.*)\)$/, '$1') || 'no reason given';
      if (marker?.[1] === 'timeout') block.timeoutSeconds = Number.parseInt(marker[2]!, 10) || 10;
      blocks.push(block);
    }
    i = end;
  }
  return blocks;
}

function parseCommands(lines: string[], firstLine: number): Command[] {
  const commands: Command[] = [];
  let expecting: Command | null = null;
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed.startsWith(ARROW.trim())) {
      const last = commands[commands.length - 1];
      if (last) {
        last.expected = trimmed.slice(ARROW.trim().length).trimStart();
        expecting = last;
      }
      continue;
    }
    if (expecting && raw.startsWith('#   ')) {
      expecting.expected += raw.slice(4);
      continue;
    }
    expecting = null;
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const line = firstLine + i;
    let text = raw;
    while (text.endsWith('\\') && i + 1 < lines.length) text += '\n' + lines[++i]!;
    const command: Command = { text, line };
    const inline = text.lastIndexOf(' ' + ARROW);
    if (inline >= 0) {
      command.expected = text.slice(inline + 1 + ARROW.length).trim();
      text = text.slice(0, inline).trimEnd();
      command.text = text;
      expecting = command;
    }
    commands.push(command);
  }
  return commands;
}

/** Whether the output is the expected text, `…` standing for any characters. */
export function matchesExpected(output: string, expected: string): boolean {
  const pattern = expected
    .trim()
    .split('…')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(output.trim());
}

/** A command that starts the server (and would run until stopped). */
export const startsServer = (text: string) => /(^|\s)npm (run )?start\s*$/.test(text.trim());

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(port: number, server: ChildProcess, seconds: number): Promise<string | null> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (server.exitCode !== null || server.signalCode !== null) return `the server exited (${server.exitCode ?? server.signalCode})`;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return null;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return `no ready /readyz on port ${port} within ${seconds} s`;
}

function show(text: string, max = verbose ? 100_000 : 1500): string {
  const t = text.trimEnd();
  return (t.length > max ? t.slice(0, max) + `\n… (${t.length - max} more characters)` : t).replace(/^/gm, '    ');
}

async function main(): Promise<number> {
  const started = Date.now();
  // safe.directory: CI may run as another user than the checkout's owner.
  const git = (cwd: string, ...gitArgs: string[]) => spawnSync('git', ['-c', 'safe.directory=*', ...gitArgs], { cwd, encoding: 'utf8' });
  const head = git(root, 'rev-parse', 'HEAD').stdout.trim();
  if (!/^[0-9a-f]{40}$/.test(head)) throw new Error(`no git HEAD in ${root}: the check clones the repository`);
  const work = mkdtempSync(path.join(os.tmpdir(), 'chatgraph-readme-'));
  const clone = path.join(work, 'chatgraph');
  const servers: ChildProcess[] = [];
  let failures = 0;
  const stopServers = async () => {
    for (const server of servers) {
      if (server.exitCode !== null || server.signalCode !== null) continue;
      const exited = new Promise((r) => server.once('exit', r));
      try {
        process.kill(-server.pid!, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-server.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }
  };
  process.on('SIGINT', () => void stopServers().then(() => process.exit(130)));
  try {
    console.log(`readme-check: clone of ${head.slice(0, 12)} in ${clone}`);
    const cloned = git(work, 'clone', '-q', '--no-checkout', root, clone);
    if (cloned.status !== 0) throw new Error(`git clone failed: ${cloned.stderr}`);
    const checkout = git(clone, '-c', 'advice.detachedHead=false', 'checkout', '-q', head);
    if (checkout.status !== 0) throw new Error(`git checkout ${head} failed: ${checkout.stderr}`);
    const shared = path.resolve(root, '../shared');
    if (existsSync(shared)) symlinkSync(shared, path.join(work, 'shared'));
    if (args.has('--worktree-readme')) copyFileSync(path.join(root, 'README.md'), path.join(clone, 'README.md'));
    if (!runNpmCi) symlinkSync(path.join(root, 'node_modules'), path.join(clone, 'node_modules'));

    const port = (await portFree(DEFAULT_PORT)) ? DEFAULT_PORT : await freePort();
    if (port !== DEFAULT_PORT) console.log(`readme-check: port ${DEFAULT_PORT} is taken: using ${port} (localhost:${DEFAULT_PORT} rewritten)`);
    const rewrite = (text: string) => (port === DEFAULT_PORT ? text : text.replace(new RegExp(`(localhost|127\\.0\\.0\\.1):${DEFAULT_PORT}\\b`, 'g'), `$1:${port}`));

    // One shell state across commands: every assignment exported (set -a), saved after each command.
    const state = path.join(work, 'state.sh');
    const cwdFile = path.join(work, 'cwd');
    const base: Record<string, string> = {};
    for (const name of ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TERM', 'TMPDIR', 'USER']) if (process.env[name]) base[name] = process.env[name]!;
    if (port !== DEFAULT_PORT) {
      base.PORT = String(port);
      base.CHATGRAPH_URL = `http://localhost:${port}/graphql`;
    }
    writeFileSync(state, '');
    writeFileSync(cwdFile, clone);
    const script = (command: string) =>
      `set -a\n. ${JSON.stringify(state)}\ncd "$(cat ${JSON.stringify(cwdFile)})"\n` +
      `trap 'export -p > ${JSON.stringify(state)}.next; mv ${JSON.stringify(state)}.next ${JSON.stringify(state)}; pwd > ${JSON.stringify(cwdFile)}' EXIT\n` +
      `${command}\n`;

    const readme = readFileSync(path.join(clone, 'README.md'), 'utf8');
    const blocks = extractBlocks(readme);
    let run = 0;
    const skipped: string[] = [];
    for (const block of blocks) {
      if (block.skip) {
        skipped.push(`README.md:${block.line}: ${block.skip}`);
        console.log(`\n--- README.md:${block.line}: skipped: ${block.skip}`);
        continue;
      }
      for (const command of block.commands) {
        const text = rewrite(command.text);
        console.log(`\n$ ${text.replace(/\n/g, '\n  ')}    (README.md:${command.line})`);
        run++;
        if (text.trim() === 'npm ci' && !runNpmCi) {
          console.log('    (skipped: node_modules is linked from the working copy; --npm-ci runs it)');
          continue;
        }
        if (startsServer(text)) {
          const log = path.join(work, `server-${servers.length + 1}.log`);
          const serverPort = Number(text.match(/\bPORT=(\d+)/)?.[1] ?? port);
          const fd = openSync(log, 'w');
          const child = spawn('bash', ['-c', script(text)], { env: base, detached: true, stdio: ['ignore', fd, fd] });
          closeSync(fd);
          servers.push(child);
          const problem = await waitReady(serverPort, child, START_TIMEOUT_S);
          const output = readFileSync(log, 'utf8');
          if (problem) {
            failures++;
            console.log(`    FAIL: ${problem}\n${show(output)}`);
            continue;
          }
          console.log(`    (running in the background; ready on port ${serverPort})`);
          continue;
        }
        const limit = block.timeoutSeconds ?? COMMAND_TIMEOUT_S;
        const result = await new Promise<{ code: number | null; timedOut: boolean; output: string; stdout: string }>((resolve) => {
          const child = spawn('bash', ['-c', script(text)], { env: base, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
          let output = '';
          let stdout = '';
          child.stdout.on('data', (c: Buffer) => ((output += c.toString()), (stdout += c.toString())));
          child.stderr.on('data', (c: Buffer) => (output += c.toString()));
          let timedOut = false;
          const timer = setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, 'SIGINT');
            } catch {
              // gone
            }
          }, limit * 1000);
          child.once('close', (code) => {
            clearTimeout(timer);
            resolve({ code, timedOut, output, stdout });
          });
        });
        const streamed = block.timeoutSeconds !== undefined && result.timedOut;
        if (result.output.trim()) console.log(show(result.output));
        if (result.timedOut && !streamed) {
          failures++;
          console.log(`    FAIL: still running after ${limit} s`);
        } else if (!streamed && result.code !== 0) {
          failures++;
          console.log(`    FAIL: exit code ${result.code}`);
        } else if (command.expected !== undefined && !matchesExpected(result.stdout, rewrite(command.expected))) {
          failures++;
          console.log(`    FAIL: the README shows\n${show(command.expected)}`);
        } else {
          console.log(`    ok${streamed ? ` (stopped after ${limit} s, as a reader would)` : ''}${command.expected !== undefined ? ', answer as shown' : ''}`);
        }
      }
    }
    console.log(
      `\nreadme-check: ${run} commands in ${blocks.length - skipped.length} blocks run, ${failures} failed; ${skipped.length} blocks skipped; ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    for (const s of skipped) console.log(`  skipped ${s}`);
    return failures === 0 && run > 0 ? 0 : 1;
  } finally {
    await stopServers();
    if (keep) console.log(`readme-check: kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

if (isEntryModule(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
