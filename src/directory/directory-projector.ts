import { lockProjector } from '../projections/checkpoints.js';
import type { Projector } from '../projections/projector.js';
import { PRIVACY_EVENT_TYPES, type PrivacyEvent } from '../privacy/privacy-decider.js';
import { INITIAL_PRIVACY_LEVEL } from '../privacy/privacy-state.js';
import type { RecordedEvent } from '../store/events.js';
import type { Sql } from '../store/sql.js';
import { ownerOf } from '../subscriptions/subscriptions-projector.js';
import type { SubscriptionEvent } from '../subscriptions/subscription-decider.js';

const NAME = 'podcast_directory';

/**
 * How many accounts subscribe to each podcast, counting only the subscriptions their owners let
 * be counted (effective privacy level public or anonymous: the podcast's override, else the
 * account's default, else private). Async: a cross-user view, caught up in the background; a
 * privacy change shows once it has caught up.
 *
 * The per-account mirror tables repeat the latest-wins rules of the subscriptions and privacy
 * read models (their projectors), so that this projection depends on the events alone and can
 * be rebuilt on its own. The counts of the podcasts a batch touched are then recomputed.
 */
export function directoryProjector(): Projector {
  return {
    name: NAME,
    kind: 'async',
    version: 1,
    handles: ['PodcastSubscribed', 'PodcastUnsubscribed', 'FeedUrlChanged', ...PRIVACY_EVENT_TYPES],
    tables: ['directory_subscriptions', 'directory_privacy', 'directory_podcasts'],
    async apply(tx, events) {
      const feeds = new Set<string>();
      const users = new Set<string>();
      for (const event of events) await applyEvent(tx, event, feeds, users);
      await recount(tx, [...feeds], [...users]);
    },
    async forgetUser(tx, userId) {
      // Waits for a batch in flight: it could otherwise write back rows of events read before this erasure.
      await lockProjector(tx, NAME);
      const feeds = await tx.query<{ feed_url: string }>('DELETE FROM directory_subscriptions WHERE user_id = $1 RETURNING feed_url', [userId]);
      await tx.query('DELETE FROM directory_privacy WHERE user_id = $1', [userId]);
      await recount(tx, feeds.rows.map((row) => row.feed_url), []);
    },
  };
}

async function applyEvent(tx: Sql, recorded: RecordedEvent, feeds: Set<string>, users: Set<string>): Promise<void> {
  if (recorded.type === 'PrivacyChanged' || recorded.type === 'PrivacyReaffirmed') {
    const { data } = recorded as unknown as PrivacyEvent;
    if (data.scope === 'episode' || (data.scope === 'default' && data.level === null)) return;
    const userId = ownerOf(recorded, 'privacy-');
    if (data.scope === 'default') users.add(userId);
    else feeds.add(data.feedUrl);
    await tx.query(
      `INSERT INTO directory_privacy AS p (user_id, feed_url, level, at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, feed_url) DO UPDATE SET level = EXCLUDED.level, at = EXCLUDED.at WHERE EXCLUDED.at >= p.at`,
      [userId, data.scope === 'default' ? '' : data.feedUrl, data.level, data.at],
    );
    return;
  }
  const event = recorded as unknown as SubscriptionEvent;
  const userId = ownerOf(recorded, 'subscriptions-');
  if (event.type === 'FeedUrlChanged') {
    feeds.add(event.data.from).add(event.data.to);
    await moveFeed(tx, userId, event.data.from, event.data.to);
    return;
  }
  feeds.add(event.data.feedUrl);
  await tx.query(
    `INSERT INTO directory_subscriptions AS s (user_id, feed_url, subscribed, changed_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, feed_url) DO UPDATE SET
       subscribed = CASE WHEN s.moved OR EXCLUDED.changed_at >= s.changed_at THEN EXCLUDED.subscribed ELSE s.subscribed END,
       changed_at = CASE WHEN s.moved THEN EXCLUDED.changed_at ELSE GREATEST(EXCLUDED.changed_at, s.changed_at) END,
       moved = false`,
    [userId, event.data.feedUrl, event.type === 'PodcastSubscribed', event.data.at],
  );
}

/** The moved feed's register joins the new URL's (the later one wins); the old URL is left unsubscribed. */
async function moveFeed(tx: Sql, userId: string, from: string, to: string): Promise<void> {
  await tx.query(
    `WITH source AS (SELECT subscribed, changed_at FROM directory_subscriptions WHERE user_id = $1 AND feed_url = $2 AND NOT moved)
     INSERT INTO directory_subscriptions AS s (user_id, feed_url, subscribed, changed_at)
     SELECT $1, $3, subscribed, changed_at FROM source
     ON CONFLICT (user_id, feed_url) DO UPDATE SET
       subscribed = CASE WHEN s.moved OR EXCLUDED.changed_at >= s.changed_at THEN EXCLUDED.subscribed ELSE s.subscribed END,
       changed_at = CASE WHEN s.moved THEN EXCLUDED.changed_at ELSE GREATEST(EXCLUDED.changed_at, s.changed_at) END,
       moved = false`,
    [userId, from, to],
  );
  await tx.query('UPDATE directory_subscriptions SET subscribed = false, moved = true WHERE user_id = $1 AND feed_url = $2', [userId, from]);
}

/** Recomputes the counts of these podcasts and of every podcast of these accounts. */
async function recount(tx: Sql, feeds: readonly string[], users: readonly string[]): Promise<void> {
  if (feeds.length === 0 && users.length === 0) return;
  await tx.query(
    `WITH affected AS (
       SELECT unnest($1::text[]) AS feed_url
       UNION SELECT feed_url FROM directory_subscriptions WHERE user_id = ANY($2::text[])
     ), counted AS (
       SELECT a.feed_url,
         (count(s.user_id) FILTER (WHERE COALESCE(p.level, d.level, $3) IN ('public', 'anonymous')))::int AS subscribers
       FROM affected a
       LEFT JOIN directory_subscriptions s ON s.feed_url = a.feed_url AND s.subscribed
       LEFT JOIN directory_privacy p ON p.user_id = s.user_id AND p.feed_url = s.feed_url
       LEFT JOIN directory_privacy d ON d.user_id = s.user_id AND d.feed_url = ''
       GROUP BY a.feed_url
     ), emptied AS (
       DELETE FROM directory_podcasts WHERE feed_url IN (SELECT feed_url FROM counted WHERE subscribers = 0)
     )
     INSERT INTO directory_podcasts (feed_url, subscribers) SELECT feed_url, subscribers FROM counted WHERE subscribers > 0
     ON CONFLICT (feed_url) DO UPDATE SET subscribers = EXCLUDED.subscribers`,
    [feeds, users, INITIAL_PRIVACY_LEVEL],
  );
}
