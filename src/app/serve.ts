import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { buildServer, type App } from '../http/server.js';
import { scheduleHousekeeping } from '../operations/housekeeping.js';
import { prepareProjections } from '../projections/startup.js';
import { createFeedRuntime, type FeedRuntime } from '../feeds/feed-runtime.js';
import { describeDatabase } from './database.js';
import { openRuntime, type Runtime } from './runtime.js';
import { VERSION } from './version.js';

export interface RunningServer {
  app: App;
  runtime: Runtime;
  /** The address actually listened on (useful with PORT=0). */
  url: string;
  stop(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  logger.info({ database: describeDatabase(config), version: VERSION }, 'starting Balados Sync');
  const runtime = await openRuntime(config, logger);
  let app: App | undefined;
  let feeds: FeedRuntime | undefined;
  try {
    const rebuilt = await prepareProjections(runtime.db, runtime.store, runtime.projectors, { logger });
    if (rebuilt.length > 0) logger.info({ projections: rebuilt }, 'projections rebuilt or reset');
    runtime.runner.start();
    const stopHousekeeping = scheduleHousekeeping(runtime.db, runtime.accounts, logger);
    feeds = createFeedRuntime({ store: runtime.store, config: config.feeds, baseUrl: config.baseUrl, logger });
    const scheduler = feeds.scheduler;
    runtime.feedHooks.onFeedScheduled = () => scheduler.wake();
    if (config.feeds.scheduler) scheduler.start();
    app = await buildServer({ ...runtime, version: VERSION, feeds });
    const address = await app.listen({ port: config.port, host: config.host });
    const port = new URL(address).port;
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
    logger.info({ listen: url, baseUrl: config.baseUrl, docs: `${config.baseUrl}/api/docs` }, 'Balados Sync is ready');
    const server = app;
    const feedRuntime = feeds;
    let stopping: Promise<void> | undefined;
    return {
      app: server,
      runtime,
      url,
      stop() {
        stopping ??= (async () => {
          stopHousekeeping();
          await server.close();
          // Before the database closes: fetches in flight are aborted and their leases given back.
          await feedRuntime.close();
          await runtime.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await app?.close().catch(() => {});
    await feeds?.close().catch(() => {});
    await runtime.close().catch(() => {});
    throw error;
  }
}
