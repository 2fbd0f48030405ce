// Checkpoint files of resumable imports and backfills: written after every
// committed batch (to a temporary file, then renamed, so a crash leaves the
// old or the new one, never half of one); removed when the run completes.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { CliError } from './args.ts';

export function readCheckpoint<T extends { version: number; kind: string }>(file: string, kind: T['kind']): T | null {
  if (!existsSync(file)) return null;
  let value: T;
  try {
    value = JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (err) {
    throw new CliError(`checkpoint ${file} cannot be read (${(err as Error).message.split('\n')[0]}): delete it, or pass --restart, to start over`);
  }
  if (value?.version !== 1 || value.kind !== kind) throw new CliError(`checkpoint ${file} is not a ${kind} checkpoint: delete it, or pass --restart, to start over`);
  return value;
}

export function writeCheckpoint(file: string, value: unknown): void {
  const draft = `${file}.${process.pid}.tmp`;
  writeFileSync(draft, JSON.stringify(value, null, 2) + '\n');
  renameSync(draft, file);
}

export function removeCheckpoint(file: string): void {
  rmSync(file, { force: true });
}
