import { DatabaseUnavailableError } from '../app/database.js';
import { VERSION } from '../app/version.js';
import { DomainError } from '../domain/decider.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { DataDirLockedError } from '../store/data-dir-lock.js';
import { MigrationError } from '../store/migrations.js';
import { UsageError, type CliContext, type CliIo, type Command } from './command.js';
import { migrateCommand } from './commands/migrate.js';
import { projectionsRebuildCommand, projectionsStatusCommand } from './commands/projections.js';
import { feedsParseCommand } from './commands/feeds.js';
import { feedsRefreshCommand, feedsStatusCommand } from './commands/feed-refresh.js';
import { serveCommand } from './commands/serve.js';
import { userAddCommand, userDeleteCommand, userInviteCommand, userDisableCommand, userEnableCommand, userListCommand, userPasswordCommand } from './commands/users.js';

export const commands: readonly Command[] = [
  serveCommand,
  migrateCommand,
  projectionsStatusCommand,
  projectionsRebuildCommand,
  userAddCommand,
  userListCommand,
  userDisableCommand,
  userEnableCommand,
  userPasswordCommand,
  userDeleteCommand,
  userInviteCommand,
  feedsParseCommand,
  feedsRefreshCommand,
  feedsStatusCommand,
];

function help(io: CliIo): void {
  io.out(`Balados Sync ${VERSION}: open podcast synchronization server\n`);
  io.out('Usage: balados <command> [options]   (from a checkout: npm run cli -- <command>)\n');
  const width = Math.max(...commands.map((command) => command.usage.length));
  for (const command of commands) io.out(`  ${command.usage.padEnd(width)}  ${command.summary}`);
  io.out('\nConfiguration comes from environment variables (PORT, HOST, BASE_URL, DATA_DIR, DATABASE_URL, LOG_LEVEL...): see README.md.');
}

function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | undefined {
  const sorted = [...commands].sort((a, b) => b.path.length - a.path.length);
  for (const command of sorted) {
    if (command.path.every((word, index) => argv[index] === word)) return { command, rest: argv.slice(command.path.length) };
  }
  return undefined;
}

/** Runs the CLI; returns the exit code instead of exiting, so tests can call it. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
    help(io);
    return argv.length === 0 ? 2 : 0;
  }
  if (argv[0] === '--version' || argv[0] === 'version') {
    io.out(VERSION);
    return 0;
  }
  const found = findCommand(argv);
  if (!found) {
    io.err(`Unknown command: ${argv.join(' ')}\n`);
    help({ ...io, out: io.err });
    return 2;
  }
  let config: Config | undefined;
  const context: CliContext = { ...io, config: () => (config ??= loadConfig(io.env)) };
  try {
    return await found.command.run(found.rest, context);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(error as Error).message}\nUsage: ${found.command.usage}`);
      return 2;
    }
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 2;
    }
    if (error instanceof DomainError) {
      io.err(`Error: ${error.message}`);
      return 1;
    }
    if (error instanceof DataDirLockedError || error instanceof DatabaseUnavailableError || error instanceof MigrationError) {
      io.err(`Error: ${error.message}`);
      return 1;
    }
    io.err(`Unexpected error: ${(error as Error).stack ?? String(error)}`);
    return 1;
  }
}

const invokedDirectly = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || process.env.BALADOS_CLI_ENTRY === '1') {
  const code = await runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  });
  process.exitCode = code;
}
