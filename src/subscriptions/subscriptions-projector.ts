import type { Projector } from '../projections/projector.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import type { SubscriptionEvent } from './subscription-decider.js';
import { derivedFeedGuid } from './feed-guid.js';

/**
 * `subscriptions` and `device_subscriptions`, inline. The same last-writer-wins rule as the
 * decider, in SQL: a change older than the row's only refreshes what it may (title, seq).
 */
export function subscriptionsProjector(): Projector {
  return {
    name: 'subscriptions',
    kind: 'inline',
    // 2: the GUID and the server time of the last change (migration 0014, Open Podcast API).
    // 3: a move onto a URL that had moved away no longer takes that URL's stale state.
    version: 3,
    handles: ['PodcastSubscribed', 'PodcastUnsubscribed', 'FeedUrlChanged'],
    tables: ['subscriptions', 'device_subscriptions'],
    async apply(tx, events) {
      for (const event of events) await applyEvent(tx, event);
    },
    async forgetUser(tx, userId) {
      await tx.query('DELETE FROM subscriptions WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM device_subscriptions WHERE user_id = $1', [userId]);
    },
  };
}

export function ownerOf(event: RecordedEvent, prefix: string): string {
  return typeof event.metadata.userId === 'string' ? event.metadata.userId : event.streamId.slice(prefix.length);
}

async function applyEvent(tx: Sql, recorded: RecordedEvent): Promise<void> {
  const event = recorded as unknown as SubscriptionEvent & RecordedEvent;
  const userId = ownerOf(recorded, 'subscriptions-');
  const seq = recorded.userSeq ?? 0;
  if (event.type === 'FeedUrlChanged') {
    await moveFeed(tx, userId, event.data.from, event.data.to, seq, recorded.recordedAt);
    return;
  }
  const subscribed = event.type === 'PodcastSubscribed';
  const { feedUrl, at, deviceId, title, podcastGuid } = event.data;
  await tx.query(
    `INSERT INTO subscriptions AS s (user_id, feed_url, subscribed, changed_at, device_id, title, first_seen_at, seq, guid, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $4, $7, COALESCE($8, $9), $10)
     ON CONFLICT (user_id, feed_url) DO UPDATE SET
       -- The feed's own podcast:guid, once a client sent it, replaces the derived one.
       guid = CASE WHEN s.moved_to IS NOT NULL THEN EXCLUDED.guid ELSE COALESCE($8, s.guid, $9) END,
       updated_at = EXCLUDED.updated_at,
       -- A row left behind by a move is history: the decider starts this URL afresh, so does the row.
       subscribed = CASE WHEN s.moved_to IS NOT NULL OR EXCLUDED.changed_at >= s.changed_at THEN EXCLUDED.subscribed ELSE s.subscribed END,
       device_id  = CASE WHEN s.moved_to IS NOT NULL OR EXCLUDED.changed_at >= s.changed_at THEN EXCLUDED.device_id ELSE s.device_id END,
       changed_at = CASE WHEN s.moved_to IS NOT NULL THEN EXCLUDED.changed_at ELSE GREATEST(EXCLUDED.changed_at, s.changed_at) END,
       first_seen_at = CASE WHEN s.moved_to IS NOT NULL THEN EXCLUDED.first_seen_at ELSE LEAST(EXCLUDED.first_seen_at, s.first_seen_at) END,
       title = CASE WHEN s.moved_to IS NOT NULL THEN EXCLUDED.title ELSE COALESCE(EXCLUDED.title, s.title) END,
       moved_to   = CASE WHEN s.moved_to IS NOT NULL OR EXCLUDED.changed_at >= s.changed_at THEN NULL ELSE s.moved_to END,
       seq = EXCLUDED.seq`,
    [userId, feedUrl, subscribed, at, deviceId ?? null, title ?? null, seq, podcastGuid ?? null, derivedFeedGuid(feedUrl), recorded.recordedAt],
    { name: 'balados_subscription_upsert' },
  );
  if (deviceId) {
    await tx.query(
      `INSERT INTO device_subscriptions AS d (user_id, device_id, feed_url, subscribed, changed_at, seq) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (user_id, device_id, feed_url) DO UPDATE SET
         subscribed = CASE WHEN EXCLUDED.changed_at >= d.changed_at THEN EXCLUDED.subscribed ELSE d.subscribed END,
         changed_at = GREATEST(EXCLUDED.changed_at, d.changed_at),
         seq = EXCLUDED.seq`,
      [userId, deviceId, feedUrl, subscribed, at, seq],
      { name: 'balados_device_subscription_upsert' },
    );
  }
}

interface SubscriptionRow {
  guid: string | null;
  subscribed: boolean;
  changed_at: Date;
  device_id: string | null;
  title: string | null;
  first_seen_at: Date;
}

/**
 * The old URL's row stays, unsubscribed and pointing at the new one, so that devices learn of the
 * move. The subscription keeps its GUID at its new URL (unless that URL had its own already).
 */
async function moveFeed(tx: Sql, userId: string, from: string, to: string, seq: number, recordedAt: Date): Promise<void> {
  const rows = await tx.query<SubscriptionRow & { feed_url: string; moved_to: string | null }>(
    'SELECT feed_url, guid, subscribed, changed_at, device_id, title, first_seen_at, moved_to FROM subscriptions WHERE user_id = $1 AND feed_url = ANY($2::text[])',
    [userId, [from, to]],
  );
  const source = rows.rows.find((row) => row.feed_url === from);
  if (!source) return;
  // A URL that itself moved away is history, as in the decider: the feed arrives there afresh.
  const target = rows.rows.find((row) => row.feed_url === to && row.moved_to === null);
  const winner = !target || source.changed_at >= target.changed_at ? source : target;
  await tx.query(
    `INSERT INTO subscriptions AS s (user_id, feed_url, subscribed, changed_at, device_id, title, first_seen_at, seq, guid, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (user_id, feed_url) DO UPDATE SET subscribed = EXCLUDED.subscribed, changed_at = EXCLUDED.changed_at,
       device_id = EXCLUDED.device_id, title = EXCLUDED.title, first_seen_at = EXCLUDED.first_seen_at, moved_to = NULL, seq = EXCLUDED.seq,
       guid = EXCLUDED.guid, updated_at = EXCLUDED.updated_at`,
    [
      userId,
      to,
      winner.subscribed,
      winner.changed_at,
      winner.device_id,
      target?.title ?? source.title,
      target && target.first_seen_at < source.first_seen_at ? target.first_seen_at : source.first_seen_at,
      seq,
      (target ? target.guid : source.guid) ?? derivedFeedGuid(target ? to : from),
      recordedAt,
    ],
  );
  await tx.query('UPDATE subscriptions SET subscribed = false, moved_to = $3, seq = $4, updated_at = $5 WHERE user_id = $1 AND feed_url = $2', [userId, from, to, seq, recordedAt]);
  // Device rows: the newer register of each device wins, as in the decider.
  await tx.query(
    `INSERT INTO device_subscriptions AS d (user_id, device_id, feed_url, subscribed, changed_at, seq)
     SELECT user_id, device_id, $3, subscribed, changed_at, $4 FROM device_subscriptions WHERE user_id = $1 AND feed_url = $2
     ON CONFLICT (user_id, device_id, feed_url) DO UPDATE SET
       subscribed = CASE WHEN EXCLUDED.changed_at >= d.changed_at THEN EXCLUDED.subscribed ELSE d.subscribed END,
       changed_at = GREATEST(EXCLUDED.changed_at, d.changed_at), seq = EXCLUDED.seq`,
    [userId, from, to, seq],
  );
  await tx.query('DELETE FROM device_subscriptions WHERE user_id = $1 AND feed_url = $2', [userId, from]);
}
