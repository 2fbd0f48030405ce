// Runs the real server as a child process (`tsx src/main.ts`), as an operator would.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ExitedProcess {
  code: number | null;
  stdout: string;
  stderr: string;
}

function spawnServer(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Starts the server and waits until it listens. */
export function startServerProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
  const child = spawnServer(env);
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(/"port":(\d+),"graphql":"[^"]*"[^\n]*"msg":"chatgraph listening"/);
      if (match) {
        clearTimeout(timer);
        resolve({
          port: Number(match[1]),
          child,
          output: () => out,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
}

/** Runs the server expecting it to exit by itself (a start-up failure). */
export function runServerToExit(env: Record<string, string>, timeoutMs = 60_000): Promise<ExitedProcess> {
  const child = spawnServer(env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not exit in ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * The demo tenant's credentials from a first start's output: not a terminal,
 * so they come as one JSON log record (src/auth/demo-env.ts).
 */
export function demoCredentialsFrom(output: string): { tenantId: bigint; name: string; adminKey: string; ingestKey: string; readKey: string; webhookSecret: string } {
  for (const line of output.split('\n')) {
    if (!line.includes('"demoTenant"')) continue;
    const record = JSON.parse(line) as { demoTenant: { tenantId: string; name: string }; adminKey: string; ingestKey: string; readKey: string; webhookSecret: string };
    return {
      tenantId: BigInt(record.demoTenant.tenantId),
      name: record.demoTenant.name,
      adminKey: record.adminKey,
      ingestKey: record.ingestKey,
      readKey: record.readKey,
      webhookSecret: record.webhookSecret,
    };
  }
  throw new Error(`no demo tenant record in the output:\n${output}`);
}
