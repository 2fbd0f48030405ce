// The shape every command file exports.
import type { CommandSpec, Io, Parsed } from './args.ts';

export interface Command {
  readonly spec: CommandSpec;
  /** One line for the command list. */
  readonly summary: string;
  run(parsed: Parsed, io: Io): Promise<void>;
}
