import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Database } from '../../store/sql.js';
import type { FeedRefresher, RefreshResult } from './feed-refresher.js';
import { backoffDelay, type BackoffBounds, type IntervalBounds } from './intervals.js';
import { setMaxListeners } from 'node:events';
import { WriteCoalescer } from '../../playback/write-coalescer.js';
import { claimDue, claimOne, dropUnsubscribed, recordFailure, recordSuccesses, releaseLease, type ScheduledFeed, type SuccessRecord } from './schedule-store.js';

export interface SchedulerOptions {
  /** Feeds fetched at once by this process. */
  concurrency: number;
  intervals: IntervalBounds;
  backoff: BackoffBounds;
  /** How often an idle scheduler looks for due feeds (a subscription in this process wakes it sooner). */
  pollIntervalMs?: number;
  /** How long a claim holds a feed: longer than any fetch can take (the fetcher's timeouts add up to under a minute). */
  leaseMs?: number;
  /** Identifies this process's leases (default: a random id). */
  owner?: string;
  logger?: Logger;
  now?: () => Date;
}

const DEFAULT_POLL_MS = 5000;
const DEFAULT_LEASE_MS = 5 * 60_000;
const CLEANUP_EVERY_MS = 10 * 60_000;

export class RefreshInProgressError extends Error {
  readonly code = 'refresh_in_progress';
}

/**
 * Refreshes the feeds someone subscribes to, in the background. Feeds are claimed in batches
 * with a lease (`FOR UPDATE SKIP LOCKED`, then an expiry), so several processes on one
 * PostgreSQL share the work and never fetch one feed at the same time; a process that dies
 * leaves leases that expire and are taken over.
 */
export class FeedScheduler {
  readonly owner: string;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<void>>();
  private abort: AbortController;
  private wakeUp: (() => void) | undefined;
  private moreDue = false;
  private wokenWhileBusy = false;
  private lastCleanup = 0;
  private readonly now: () => Date;
  /** Successful refreshes finishing together are written in one statement (one per feed capped throughput on PGlite). */
  private readonly successes: WriteCoalescer<SuccessRecord & { feedUrl: string }, undefined>;

  constructor(
    private readonly db: Database,
    private readonly refresher: FeedRefresher,
    private readonly options: SchedulerOptions,
  ) {
    this.owner = options.owner ?? `scheduler-${randomUUID()}`;
    this.now = options.now ?? (() => new Date());
    this.successes = new WriteCoalescer(
      async (records) => {
        await recordSuccesses(this.db, this.owner, records);
        return records.map(() => undefined);
      },
      { maxBatch: 500, maxConcurrent: db.driver === 'pglite' ? 1 : 2 },
    );
    this.abort = this.newAbortController();
  }

  /** One signal is shared by every fetch in flight: as many listeners as fetches are expected. */
  private newAbortController(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.abort.signal.aborted) this.abort = this.newAbortController();
    this.loopDone = this.loop();
  }

  /** Stops claiming, aborts the fetches in flight and gives their feeds back. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.abort.abort();
    this.wake();
    await this.loopDone;
    await Promise.all(this.inFlight);
    // On-demand refreshes (and a later start) get a fresh signal.
    this.abort = this.newAbortController();
  }

  /** Looks for due feeds now (a feed was just scheduled). */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.wokenWhileBusy = true;
  }

  /** Refreshes one feed now, scheduled or not; throws RefreshInProgressError when it is being fetched. */
  async refreshNow(feedUrl: string): Promise<RefreshResult> {
    const now = this.now();
    const feed = await claimOne(this.db, this.owner, feedUrl, now, this.leaseEnd(now), this.options.intervals.minSeconds);
    if (!feed) throw new RefreshInProgressError('This feed is being refreshed right now');
    return this.run(feed);
  }

  /** Claims one batch of due feeds and refreshes them (tests and benchmarks drive the scheduler with it). */
  async runDue(limit = this.options.concurrency): Promise<number> {
    const now = this.now();
    const feeds = await claimDue(this.db, this.owner, limit, now, this.leaseEnd(now));
    await Promise.all(feeds.map((feed) => this.run(feed)));
    return feeds.length;
  }

  private leaseEnd(now: Date): Date {
    return new Date(now.getTime() + (this.options.leaseMs ?? DEFAULT_LEASE_MS));
  }

  private async loop(): Promise<void> {
    const concurrency = this.options.concurrency;
    while (this.running) {
      const free = concurrency - this.inFlight.size;
      // After a full claim, wait for a quarter of the slots: claiming one feed per completion costs a query each.
      const worthClaiming = free > 0 && (!this.moreDue || free >= Math.max(1, Math.floor(concurrency / 4)) || this.inFlight.size === 0);
      if (worthClaiming) {
        try {
          const now = this.now();
          await this.cleanup(now);
          const feeds = await claimDue(this.db, this.owner, free, now, this.leaseEnd(now));
          this.moreDue = feeds.length === free;
          for (const feed of feeds) this.launch(feed);
          if (this.moreDue && this.inFlight.size < concurrency) continue;
        } catch (error) {
          this.options.logger?.error({ err: error }, 'feed scheduler: claiming due feeds failed');
          this.moreDue = false;
        }
      }
      await this.sleep(this.moreDue ? 60_000 : (this.options.pollIntervalMs ?? DEFAULT_POLL_MS));
    }
  }

  private async cleanup(now: Date): Promise<void> {
    if (now.getTime() - this.lastCleanup < CLEANUP_EVERY_MS) return;
    this.lastCleanup = now.getTime();
    await dropUnsubscribed(this.db, now);
  }

  private launch(feed: ScheduledFeed): void {
    const task: Promise<void> = this.run(feed)
      .then(() => undefined)
      .catch((error: unknown) => this.options.logger?.error({ err: error, feedUrl: feed.feedUrl }, 'feed refresh failed unexpectedly'))
      .finally(() => {
        this.inFlight.delete(task);
        if (this.moreDue || !this.running) this.wake();
      });
    this.inFlight.add(task);
  }

  private async run(feed: ScheduledFeed): Promise<RefreshResult> {
    const signal = this.abort.signal;
    let result: RefreshResult;
    try {
      result = await this.refresher.refresh(feed, signal);
    } catch (error) {
      // A bug or the database: the feed is retried later like any failure, and the error is shown.
      result = { kind: 'failure', code: 'internal_error', message: error instanceof Error ? error.message : String(error) };
    }
    if (signal.aborted) {
      await releaseLease(this.db, this.owner, feed.feedUrl).catch(() => {});
      return result;
    }
    const at = this.now();
    if (result.kind === 'success') {
      await this.successes.submit({
        feedUrl: feed.feedUrl,
        status: result.status,
        etag: result.etag,
        lastModified: result.lastModified,
        contentHash: result.contentHash,
        intervalSeconds: result.intervalSeconds,
        at,
        nextFetchAt: new Date(at.getTime() + result.intervalSeconds * 1000),
      });
    } else {
      const failures = feed.failures + 1;
      const delay = backoffDelay(failures, this.options.backoff, result.retryAfterSeconds);
      await recordFailure(this.db, this.owner, feed.feedUrl, { code: result.code, message: result.message, failures, at, nextFetchAt: new Date(at.getTime() + delay * 1000) });
      this.options.logger?.info({ feedUrl: feed.feedUrl, code: result.code, failures, retryInSeconds: delay }, 'feed refresh failed');
    }
    return result;
  }

  private sleep(ms: number): Promise<void> {
    if (this.wokenWhileBusy) {
      this.wokenWhileBusy = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.wakeUp === done) self.wakeUp = undefined;
        resolve();
      }
      this.wakeUp = done;
    });
  }
}
