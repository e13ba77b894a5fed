import { CommandHandler } from '../domain/command-handler.js';
import { DomainError } from '../domain/decider.js';
import { requestDeviceId } from '../store/event-context.js';
import type { EventStore } from '../store/event-store.js';
import type { Sql } from '../store/sql.js';
import { canonicalGuid } from './feed-guid.js';
import { tryNormalizeFeedUrl } from './feed-url.js';
import {
  subscriptionDecider,
  subscriptionsStream,
  type SubscriptionCommand,
  type SubscriptionEvent,
  type SubscriptionsState,
} from './subscription-decider.js';

export interface Subscription {
  feedUrl: string;
  subscribed: boolean;
  title: string | null;
  /** Client time of the change that decided `subscribed`. */
  changedAt: Date;
  deviceId: string | null;
  movedTo: string | null;
  firstSeenAt: Date;
  seq: number;
}

export interface ChangeRequest {
  feedUrl: string;
  subscribed: boolean;
  /** ms since epoch */
  clientTime?: number;
  title?: string;
  /** The feed's own `podcast:guid`, when the client read it from the feed (a UUID). */
  podcastGuid?: string;
}

export interface ChangeOutcome {
  feedUrl: string;
  /** False when a later change from another device had already decided this feed. */
  applied: boolean;
  subscribed: boolean;
}

export interface WriteOptions {
  deviceId?: string;
  receivedAt?: number;
  /** Inside this transaction (an offline batch applies everything in one). */
  tx?: Sql;
}

interface Row {
  feed_url: string;
  subscribed: boolean;
  title: string | null;
  changed_at: Date;
  device_id: string | null;
  moved_to: string | null;
  first_seen_at: Date;
  seq: number;
}

export const SUBSCRIPTION_COLUMNS = 'feed_url, subscribed, title, changed_at, device_id, moved_to, first_seen_at, seq';

export function toSubscription(row: Row): Subscription {
  return {
    feedUrl: row.feed_url,
    subscribed: row.subscribed,
    title: row.title,
    changedAt: row.changed_at,
    deviceId: row.device_id,
    movedTo: row.moved_to,
    firstSeenAt: row.first_seen_at,
    seq: Number(row.seq),
  };
}

export class SubscriptionService {
  private readonly handler: CommandHandler<SubscriptionCommand, SubscriptionEvent, SubscriptionsState>;

  constructor(private readonly store: EventStore) {
    this.handler = new CommandHandler(store, subscriptionDecider);
  }

  /**
   * Subscribes and unsubscribes. URLs are normalized first; an unusable one refuses the whole
   * request (400 `invalid_feed_url`, naming it) so that nothing is half-applied.
   */
  async change(userId: string, requests: readonly ChangeRequest[], options: WriteOptions = {}): Promise<ChangeOutcome[]> {
    const changes = requests.map((request, index) => {
      const feedUrl = tryNormalizeFeedUrl(request.feedUrl);
      if (!feedUrl) throw new DomainError('invalid_feed_url', `Change ${index + 1}: not a usable feed URL: ${request.feedUrl.slice(0, 200)}`, 400);
      return { ...request, feedUrl, ...(request.podcastGuid !== undefined ? { podcastGuid: canonicalGuid(request.podcastGuid) } : {}) };
    });
    const deviceId = options.deviceId ?? requestDeviceId();
    const result = await this.handler.handle(
      subscriptionsStream(userId),
      { kind: 'changeSubscriptions', changes, receivedAt: options.receivedAt ?? Date.now(), ...(deviceId ? { deviceId } : {}) },
      { metadata: { userId }, maxAttempts: 5, ...(options.tx ? { tx: options.tx } : {}) },
    );
    const superseded = new Set(
      result.events.filter((event) => (event.data as { superseded?: boolean }).superseded).map((event) => (event.data as { feedUrl: string }).feedUrl),
    );
    return changes.map((change) => ({
      feedUrl: change.feedUrl,
      applied: !superseded.has(change.feedUrl),
      subscribed: result.state.get(change.feedUrl)?.subscribed ?? false,
    }));
  }

  /** The feed moved (the client renamed it, or the feed said so): history follows it. */
  async move(userId: string, from: string, to: string, options: WriteOptions = {}): Promise<void> {
    const source = tryNormalizeFeedUrl(from);
    const target = tryNormalizeFeedUrl(to);
    if (!source || !target) throw new DomainError('invalid_feed_url', 'Both the old and the new feed URL must be usable feed URLs', 400);
    const deviceId = options.deviceId ?? requestDeviceId();
    await this.handler.handle(
      subscriptionsStream(userId),
      { kind: 'moveFeed', from: source, to: target, receivedAt: options.receivedAt ?? Date.now(), ...(deviceId ? { deviceId } : {}) },
      { metadata: { userId }, maxAttempts: 5, ...(options.tx ? { tx: options.tx } : {}) },
    );
  }

  /** The account's subscriptions (or one device's), newest change first. */
  async list(userId: string, options: { deviceId?: string; includeUnsubscribed?: boolean; feedUrls?: readonly string[]; sql?: Sql } = {}): Promise<Subscription[]> {
    const sql = options.sql ?? this.store.db;
    if (options.feedUrls) {
      const result = await sql.query<Row>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE user_id = $1 AND feed_url = ANY($2::text[])`, [userId, options.feedUrls]);
      return result.rows.map(toSubscription);
    }
    const onlySubscribed = options.includeUnsubscribed ? '' : 'AND s.subscribed';
    if (options.deviceId) {
      const result = await sql.query<Row>(
        `SELECT s.feed_url, d.subscribed, s.title, d.changed_at, d.device_id, s.moved_to, s.first_seen_at, d.seq
         FROM device_subscriptions d JOIN subscriptions s ON s.user_id = d.user_id AND s.feed_url = d.feed_url
         WHERE d.user_id = $1 AND d.device_id = $2 ${onlySubscribed.replace('s.', 'd.')} ORDER BY d.changed_at DESC, s.feed_url`,
        [userId, options.deviceId],
      );
      return result.rows.map(toSubscription);
    }
    const result = await sql.query<Row>(
      `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions s WHERE user_id = $1 ${onlySubscribed} ORDER BY changed_at DESC, feed_url`,
      [userId],
    );
    return result.rows.map(toSubscription);
  }

  /** `tx`: read inside a transaction (what it changed so far included). */
  async get(userId: string, feedUrl: string, tx: Sql = this.store.db): Promise<Subscription | undefined> {
    const normalized = tryNormalizeFeedUrl(feedUrl);
    if (!normalized) return undefined;
    const result = await tx.query<Row>(`SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE user_id = $1 AND feed_url = $2`, [userId, normalized]);
    return result.rows[0] ? toSubscription(result.rows[0]) : undefined;
  }
}
