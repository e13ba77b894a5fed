import { parseArgs } from 'node:util';
import pino from 'pino';
import { openRuntime } from '../../app/runtime.js';
import { createFeedRuntime } from '../../feeds/feed-runtime.js';
import { scheduleStatus, scheduleStatuses, type FeedScheduleStatus } from '../../feeds/scheduler/schedule-store.js';
import { catchUpAsync } from '../../projections/catch-up.js';
import { prepareProjections } from '../../projections/startup.js';
import { InvalidFeedUrlError, normalizeFeedUrl } from '../../subscriptions/feed-url.js';
import { UsageError, type Command } from '../command.js';

function feedUrlArgument(positionals: string[]): string {
  if (positionals.length !== 1) throw new UsageError('Give one feed URL');
  try {
    return normalizeFeedUrl(positionals[0]!);
  } catch (error) {
    if (error instanceof InvalidFeedUrlError) throw new UsageError(error.message);
    throw error;
  }
}

function describe(status: FeedScheduleStatus): string[] {
  return [
    status.feedUrl,
    `  last fetch: ${status.lastFetchedAt?.toISOString() ?? 'never'} (${status.lastStatus ?? '-'}), last success: ${status.lastSuccessAt?.toISOString() ?? 'never'}`,
    `  next fetch: ${status.nextFetchAt.toISOString()} (every ${Math.round(status.intervalSeconds / 60)} min${status.leasedUntil ? `; being fetched, lease until ${status.leasedUntil.toISOString()}` : ''})`,
    ...(status.lastError ? [`  failing: ${status.failures} in a row, last ${status.lastError.at.toISOString()}: ${status.lastError.code}: ${status.lastError.message}`] : []),
  ];
}

export const feedsRefreshCommand: Command = {
  path: ['feeds', 'refresh'],
  usage: 'balados feeds refresh <url>',
  summary: 'Fetch a feed now and record what changed in the catalog (subscribed or not)',
  async run(args, context) {
    const { positionals } = parseArgs({ args, options: {}, allowPositionals: true, strict: true });
    const feedUrl = feedUrlArgument(positionals);
    const config = context.config();
    const runtime = await openRuntime(config, pino({ level: 'silent' }));
    const feeds = createFeedRuntime({ store: runtime.store, config: config.feeds, baseUrl: config.baseUrl });
    try {
      await prepareProjections(runtime.db, runtime.store, runtime.projectors);
      const result = await feeds.scheduler.refreshNow(feedUrl);
      // No background runner in this process: bring the catalog (and feed moves) up to date here.
      await catchUpAsync(runtime.db, runtime.store, runtime.projectors);
      if (result.kind === 'success') {
        context.out(`${result.status}: ${result.events} change${result.events === 1 ? '' : 's'} recorded${result.movedTo ? `; the feed moved to ${result.movedTo}` : ''}`);
      } else {
        context.err(`Error (${result.code}): ${result.message}`);
      }
      const status = await scheduleStatus(runtime.db, feedUrl);
      if (status) describe(status).forEach((line) => context.out(line));
      return result.kind === 'success' ? 0 : 1;
    } finally {
      await feeds.close();
      await runtime.close();
    }
  },
};

export const feedsStatusCommand: Command = {
  path: ['feeds', 'status'],
  usage: 'balados feeds status [url] [--failing] [--limit N] [--json]',
  summary: 'Show the refresh schedule: one feed, or the feeds (failing ones first)',
  async run(args, context) {
    const { values, positionals } = parseArgs({
      args,
      options: { failing: { type: 'boolean', default: false }, limit: { type: 'string', default: '50' }, json: { type: 'boolean', default: false } },
      allowPositionals: true,
      strict: true,
    });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit must be an integer from 1 to 100000');
    const runtime = await openRuntime(context.config(), pino({ level: 'silent' }));
    try {
      let statuses: FeedScheduleStatus[];
      if (positionals.length > 0) {
        const status = await scheduleStatus(runtime.db, feedUrlArgument(positionals));
        if (!status) {
          context.err('This feed is not on the refresh schedule (nobody subscribes to it, or it was never refreshed)');
          return 1;
        }
        statuses = [status];
      } else {
        statuses = await scheduleStatuses(runtime.db, { failingOnly: values.failing, limit });
      }
      if (values.json) context.out(JSON.stringify(statuses, null, 2));
      else if (statuses.length === 0) context.out(values.failing ? 'No feed is failing.' : 'No feed is scheduled.');
      else statuses.flatMap(describe).forEach((line) => context.out(line));
      return 0;
    } finally {
      await runtime.close();
    }
  },
};
