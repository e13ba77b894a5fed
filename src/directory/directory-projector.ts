import { lockProjector } from '../projections/checkpoints.js';
import { isPersonalFeedUrl } from '../feeds/personal-feed-url.js';
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
 * be rebuilt on its own. A batch changes the counts by what it changed: the (account, podcast)
 * pairs its events touch (every podcast of an account whose default changed) are counted
 * before and after, and each podcast's count moves by the difference. A change costs the same
 * however many subscribers its podcast has (recounting instead took 120 ms per batch touching a
 * podcast with 7,490 counted subscribers, 4–8 ms this way: docs/benchmarks.md).
 */
export function directoryProjector(): Projector {
  return {
    name: NAME,
    kind: 'async',
    version: 2,
    handles: ['PodcastSubscribed', 'PodcastUnsubscribed', 'FeedUrlChanged', ...PRIVACY_EVENT_TYPES],
    tables: ['directory_subscriptions', 'directory_privacy', 'directory_podcasts'],
    async apply(tx, events) {
      // This batch's transaction only: the mirror tables grow from nothing during a rebuild, and
      // with statistics of a smaller table the planner scanned them whole (a 10,000-account
      // rebuild took 268 s, 136 s with these settings); JIT cost more than the lookups it compiled.
      await tx.query('SET LOCAL enable_seqscan = off');
      await tx.query('SET LOCAL jit = off');
      const pairs = touchedBy(events);
      const before = await countedPerFeed(tx, pairs);
      for (const event of events) await applyEvent(tx, event);
      await addToCounts(tx, before, await countedPerFeed(tx, pairs));
    },
    async forgetUser(tx, userId) {
      // Waits for a batch in flight: it could otherwise write back rows of events read before this erasure.
      await lockProjector(tx, NAME);
      const before = await countedPerFeed(tx, { users: [userId], feeds: [], accounts: [userId] });
      await tx.query('DELETE FROM directory_subscriptions WHERE user_id = $1', [userId]);
      await tx.query('DELETE FROM directory_privacy WHERE user_id = $1', [userId]);
      await addToCounts(tx, before, new Map());
    },
  };
}

/** Pairs (users[i], feeds[i]) and every podcast of `accounts`. */
interface Touched {
  users: string[];
  feeds: string[];
  accounts: string[];
}

function touchedBy(events: readonly RecordedEvent[]): Touched {
  const touched: Touched = { users: [], feeds: [], accounts: [] };
  const pair = (userId: string, feedUrl: string) => {
    touched.users.push(userId);
    touched.feeds.push(feedUrl);
  };
  for (const recorded of events) {
    if (recorded.type === 'PrivacyChanged' || recorded.type === 'PrivacyReaffirmed') {
      const { data } = recorded as unknown as PrivacyEvent;
      const userId = ownerOf(recorded, 'privacy-');
      if (data.scope === 'default') touched.accounts.push(userId);
      else if (data.scope === 'podcast') pair(userId, data.feedUrl);
      continue;
    }
    const event = recorded as unknown as SubscriptionEvent;
    const userId = ownerOf(recorded, 'subscriptions-');
    if (event.type === 'FeedUrlChanged') {
      pair(userId, event.data.from);
      pair(userId, event.data.to);
    } else pair(userId, event.data.feedUrl);
  }
  return touched;
}

async function applyEvent(tx: Sql, recorded: RecordedEvent): Promise<void> {
  if (recorded.type === 'PrivacyChanged' || recorded.type === 'PrivacyReaffirmed') {
    const { data } = recorded as unknown as PrivacyEvent;
    if (data.scope === 'episode' || (data.scope === 'default' && data.level === null)) return;
    const userId = ownerOf(recorded, 'privacy-');
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
    await moveFeed(tx, userId, event.data.from, event.data.to);
    return;
  }
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

/** How many of the touched pairs are counted, per podcast: subscribed, and public or anonymous. */
async function countedPerFeed(tx: Sql, touched: Touched): Promise<Map<string, number>> {
  if (touched.feeds.length === 0 && touched.accounts.length === 0) return new Map();
  const result = await tx.query<{ feed_url: string; counted: number }>(
    // Index lookups per pair (LATERAL): the planner cannot size the arrays, and a hash join
    // scanned every subscription of the instance (measured: 11 ms of 60,000 rows for 20 pairs).
    `WITH pairs AS (
       SELECT user_id, feed_url FROM unnest($1::text[], $2::text[]) AS t(user_id, feed_url)
       UNION SELECT user_id, feed_url FROM directory_subscriptions WHERE user_id = ANY($3::text[])
     )
     SELECT pairs.feed_url, count(*)::int AS counted
     FROM pairs CROSS JOIN LATERAL (
       SELECT COALESCE(
         (SELECT level FROM directory_privacy p WHERE p.user_id = s.user_id AND p.feed_url = s.feed_url),
         (SELECT level FROM directory_privacy d WHERE d.user_id = s.user_id AND d.feed_url = ''),
         $4) AS level
       FROM directory_subscriptions s WHERE s.user_id = pairs.user_id AND s.feed_url = pairs.feed_url AND s.subscribed
     ) subscription
     WHERE subscription.level IN ('public', 'anonymous')
     GROUP BY pairs.feed_url`,
    [touched.users, touched.feeds, touched.accounts, INITIAL_PRIVACY_LEVEL],
  );
  return new Map(result.rows.map((row) => [row.feed_url, Number(row.counted)]));
}

/** Moves each podcast's count by after − before; a podcast nobody may be counted for leaves the table. */
async function addToCounts(tx: Sql, before: Map<string, number>, after: Map<string, number>): Promise<void> {
  const deltas = new Map<string, number>();
  for (const [feedUrl, counted] of after) deltas.set(feedUrl, counted);
  for (const [feedUrl, counted] of before) deltas.set(feedUrl, (deltas.get(feedUrl) ?? 0) - counted);
  // A feed made for one listener is never counted, whatever its subscribers' privacy level.
  const changed = [...deltas].filter(([feedUrl, delta]) => delta !== 0 && !isPersonalFeedUrl(feedUrl));
  if (changed.length === 0) return;
  const feeds = changed.map(([feedUrl]) => feedUrl);
  await tx.query(
    `INSERT INTO directory_podcasts AS d (feed_url, subscribers) SELECT * FROM unnest($1::text[], $2::int[])
     ON CONFLICT (feed_url) DO UPDATE SET subscribers = d.subscribers + EXCLUDED.subscribers`,
    [feeds, changed.map(([, delta]) => delta)],
  );
  await tx.query('DELETE FROM directory_podcasts WHERE feed_url = ANY($1::text[]) AND subscribers <= 0', [feeds]);
}
