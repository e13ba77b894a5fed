import type { Config } from '../config.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  env: Record<string, string | undefined>;
  /** Where commands read secrets from (standard input by default). */
  stdin?: NodeJS.ReadableStream;
}

export interface CliContext extends CliIo {
  /** Configuration from the environment, loaded on first use (so `help` works without it). */
  config(): Config;
}

export interface Command {
  /** Words that select the command, e.g. ['projections', 'rebuild']. */
  path: readonly string[];
  usage: string;
  summary: string;
  /** Returns the process exit code. */
  run(args: string[], context: CliContext): Promise<number>;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
