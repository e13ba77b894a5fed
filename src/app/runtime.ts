import type { Logger } from 'pino';
import { AccountService } from '../accounts/account-service.js';
import { DeviceService } from '../accounts/devices/device-service.js';
import type { Config } from '../config.js';
import { AsyncProjectionRunner } from '../projections/async-runner.js';
import type { Projector } from '../projections/projector.js';
import type { EventStore } from '../store/event-store.js';
import { migrate } from '../store/migrations.js';
import { PgliteDatabase } from '../store/pglite-driver.js';
import type { Database } from '../store/sql.js';
import { openDatabase } from './database.js';
import type { FeedHooks } from './projectors.js';
import { wireEventStore } from './wiring.js';

/** The wired-up application, without HTTP: what the server and the CLI commands share. */
export interface Runtime {
  config: Config;
  logger: Logger;
  db: Database;
  store: EventStore;
  projectors: readonly Projector[];
  runner: AsyncProjectionRunner;
  accounts: AccountService;
  devices: DeviceService;
  /** Late bindings of the feed reactors (the scheduler sets `onFeedScheduled`). */
  feedHooks: FeedHooks;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Apply pending migrations (default true). */
  migrate?: boolean;
  projectors?: readonly Projector[];
}

export async function openRuntime(config: Config, logger: Logger, options: RuntimeOptions = {}): Promise<Runtime> {
  const db = await openDatabase(config);
  if (db instanceof PgliteDatabase && db.recoveredFromCrash) {
    logger.warn({ dataDir: config.dataDir }, 'the previous process using this data directory did not shut down cleanly; the database was recovered');
  }
  try {
    if (options.migrate ?? true) {
      const applied = await migrate(db);
      if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    }
    const { projectors, store, feedHooks } = wireEventStore(db, {
      initialIntervalSeconds: config.feeds.minIntervalSeconds,
      ...(options.projectors ? { projectors: options.projectors } : {}),
    });
    const runner = new AsyncProjectionRunner(db, store, projectors, { logger });
    let closed = false;
    return {
      config,
      logger,
      db,
      store,
      projectors,
      runner,
      accounts: new AccountService(store, { registration: config.registration }),
      devices: new DeviceService(store),
      feedHooks,
      async close() {
        if (closed) return;
        closed = true;
        await runner.stop();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
