import { parseArgs } from 'node:util';
import pino from 'pino';
import { openRuntime, type Runtime } from '../../app/runtime.js';
import { AccountEraser } from '../../accounts/erasure.js';
import { UsageError, type CliContext, type Command } from '../command.js';

async function withRuntime<T>(context: CliContext, fn: (runtime: Runtime) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(context.config(), pino({ level: 'silent' }));
  try {
    return await fn(runtime);
  } finally {
    await runtime.close();
  }
}

/** The password from --password, else the first line of standard input (so it stays out of the shell history). */
async function readPassword(given: string | undefined, stdin: NodeJS.ReadableStream): Promise<string> {
  if (given !== undefined) return given;
  let text = '';
  for await (const chunk of stdin) {
    text += chunk.toString();
    if (text.includes('\n')) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new UsageError('Give the password with --password or on standard input');
  return line;
}

function oneUsername(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError('Give exactly one username');
  return positionals[0]!;
}

async function findUser(runtime: Runtime, username: string) {
  const account = await runtime.accounts.findByUsername(username);
  if (!account) throw new UsageError(`No account named ${username}`);
  return account;
}

export const userAddCommand: Command = {
  path: ['user', 'add'],
  usage: 'balados user add <username> [--admin] [--password P]   (else the password is read from stdin)',
  summary: 'Create an account, whatever the registration setting',
  async run(args, context) {
    const { values, positionals } = parseArgs({
      args,
      options: { admin: { type: 'boolean', default: false }, password: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const username = oneUsername(positionals);
    const password = await readPassword(values.password, context.stdin ?? process.stdin);
    const account = await withRuntime(context, (runtime) =>
      runtime.accounts.register(username, password, { admin: values.admin, bypassRegistrationMode: true }),
    );
    context.out(`Created ${account.username}${account.admin ? ' (administrator)' : ''}.`);
    return 0;
  },
};

export const userListCommand: Command = {
  path: ['user', 'list'],
  usage: 'balados user list [--json]',
  summary: 'List accounts',
  async run(args, context) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false } }, strict: true });
    const accounts = await withRuntime(context, (runtime) => runtime.accounts.list());
    if (values.json) {
      context.out(JSON.stringify(accounts, null, 2));
      return 0;
    }
    for (const account of accounts) {
      const flags = [account.admin ? 'admin' : '', account.disabled ? 'disabled' : ''].filter(Boolean).join(', ');
      context.out(`${account.username}\t${account.registeredAt.toISOString()}${flags ? `\t${flags}` : ''}`);
    }
    if (accounts.length === 0) context.out('No accounts yet.');
    return 0;
  },
};

function toggle(path: 'disable' | 'enable'): Command {
  return {
    path: ['user', path],
    usage: `balados user ${path} <username>`,
    summary: path === 'disable' ? 'Disable an account (every credential stops working)' : 'Enable a disabled account',
    async run(args, context) {
      const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
      const username = oneUsername(positionals);
      await withRuntime(context, async (runtime) => {
        const account = await findUser(runtime, username);
        if (path === 'disable') await runtime.accounts.disable(account.userId, 'disabled from the command line');
        else await runtime.accounts.enable(account.userId);
      });
      context.out(`${path === 'disable' ? 'Disabled' : 'Enabled'} ${username}.`);
      return 0;
    },
  };
}

export const userDisableCommand = toggle('disable');
export const userEnableCommand = toggle('enable');

export const userPasswordCommand: Command = {
  path: ['user', 'password'],
  usage: 'balados user password <username> [--password P]   (else read from stdin)',
  summary: "Set an account's password",
  async run(args, context) {
    const { values, positionals } = parseArgs({ args, options: { password: { type: 'string' } }, allowPositionals: true, strict: true });
    const username = oneUsername(positionals);
    const password = await readPassword(values.password, context.stdin ?? process.stdin);
    await withRuntime(context, async (runtime) => runtime.accounts.setPassword((await findUser(runtime, username)).userId, password));
    context.out(`Password of ${username} changed.`);
    return 0;
  },
};

export const userDeleteCommand: Command = {
  path: ['user', 'delete'],
  usage: 'balados user delete <username> --yes',
  summary: 'Erase an account and everything it recorded (cannot be undone)',
  async run(args, context) {
    const { values, positionals } = parseArgs({ args, options: { yes: { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
    const username = oneUsername(positionals);
    if (!values.yes) throw new UsageError('Erasing an account cannot be undone: add --yes to confirm');
    const result = await withRuntime(context, async (runtime) => {
      const account = await findUser(runtime, username);
      return new AccountEraser(runtime.store, runtime.projectors).erase(account.userId);
    });
    context.out(`Erased ${username}: ${result.events} events in ${result.streams} streams.`);
    return 0;
  },
};

export const userInviteCommand: Command = {
  path: ['user', 'invite'],
  usage: 'balados user invite',
  summary: 'Create a single-use invitation code, valid 7 days (for REGISTRATION=invite)',
  async run(args, context) {
    parseArgs({ args, options: {}, strict: true });
    const invite = await withRuntime(context, (runtime) => runtime.accounts.invites.create('cli'));
    context.out(`Invitation code (valid until ${invite.expiresAt.toISOString()}): ${invite.code}`);
    return 0;
  },
};
