import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig, type Config } from '../../src/config.js';
import { buildServer, type App } from '../../src/http/server.js';
import { LOG_SERIALIZERS, REDACTED_PATHS } from '../../src/logger.js';
import { applicationProjectors } from '../../src/app/projectors.js';
import { AccountService } from '../../src/accounts/account-service.js';
import { DeviceService } from '../../src/accounts/devices/device-service.js';
import type { LoginRules } from '../../src/accounts/throttle.js';
import type { RequestLimitOptions } from '../../src/http/request-limits.js';
import type { Projector } from '../../src/projections/projector.js';
import { prepareProjections } from '../../src/projections/startup.js';
import { EventStore } from '../../src/store/event-store.js';
import type { TestDatabase } from './databases.js';

export interface TestServer {
  app: App;
  store: EventStore;
  accounts: AccountService;
  devices: DeviceService;
  config: Config;
  /** Every log line the server wrote, parsed. */
  logs: Record<string, unknown>[];
}

/**
 * The real server on a test database, driven with `app.inject` (same routing, hooks and
 * serialisation as over a socket). Routes may be added before the first request.
 */
export async function createTestServer(
  database: TestDatabase,
  options: { env?: Record<string, string>; projectors?: Projector[]; loginRules?: LoginRules; requestLimits?: RequestLimitOptions } = {},
): Promise<TestServer> {
  const config = loadConfig({ LOG_LEVEL: 'info', ...options.env });
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = pino({ level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, serializers: LOG_SERIALIZERS }, sink);
  const projectors = options.projectors ?? applicationProjectors();
  const store = new EventStore(database.db, { inlineProjectors: projectors.filter((projector) => projector.kind === 'inline') });
  await prepareProjections(database.db, store, projectors);
  const devices = new DeviceService(store);
  const accounts = new AccountService(store, { registration: config.registration, ...(options.loginRules ? { loginRules: options.loginRules } : {}) });
  const app = await buildServer({
    config,
    logger,
    db: database.db,
    store,
    projectors,
    accounts,
    devices,
    version: '0.0.0-test',
    ...(options.requestLimits ? { requestLimits: options.requestLimits } : {}),
  });
  return { app, store, accounts, devices, config, logs };
}
