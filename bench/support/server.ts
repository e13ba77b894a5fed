import pino from 'pino';
import { AccountService } from '../../src/accounts/account-service.js';
import { DeviceService } from '../../src/accounts/devices/device-service.js';
import { applicationProjectors } from '../../src/app/projectors.js';
import { loadConfig } from '../../src/config.js';
import { buildServer } from '../../src/http/server.js';
import { prepareProjections } from '../../src/projections/startup.js';
import { EventStore } from '../../src/store/event-store.js';
import { migrate } from '../../src/store/migrations.js';
import type { Database } from '../../src/store/sql.js';

/** The real server on `db`, listening on a free local port, without logs or request limits. */
export async function startServer(db: Database) {
  await migrate(db);
  const projectors = applicationProjectors();
  const store = new EventStore(db, { inlineProjectors: projectors.filter((projector) => projector.kind === 'inline') });
  await prepareProjections(db, store, projectors);
  const accounts = new AccountService(store, { registration: 'open' });
  const app = await buildServer({
    config: loadConfig({ LOG_LEVEL: 'silent', REGISTRATION: 'open' }),
    logger: pino({ level: 'silent' }),
    db,
    store,
    projectors,
    accounts,
    devices: new DeviceService(store),
    version: 'bench',
    requestLimits: { burst: 1e9, perSecond: 1e9 },
  });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, base, accounts };
}

/** A new account and the HTTP Basic header of an app password of it. */
export async function appPasswordAuth(accounts: AccountService, username: string): Promise<string> {
  const user = await accounts.register(username, `${username} password 123`);
  const secret = (await accounts.createAppPassword(user.userId, 'bench', 'bench-device')).secret;
  return `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
}
