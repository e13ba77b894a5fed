import type { Projector } from '../../projections/projector.js';
import type { RecordedEvent } from '../../store/events.js';
import type { Sql } from '../../store/sql.js';
import type { EpisodeDetails } from './details.js';
import type { FeedEvent } from './feed-decider.js';
import { forgetPrivateFeeds } from './private-feeds.js';

/**
 * `catalog_podcasts` and `catalog_episodes`, async: cross-user read models of the feed streams.
 * Episodes are written set-based (one statement per batch), since a feed's first fetch may
 * discover thousands of them.
 */
export function catalogProjector(): Projector {
  return {
    name: 'catalog',
    kind: 'async',
    version: 1,
    handles: ['FeedFetched', 'EpisodeDiscovered', 'EpisodeChanged', 'FeedMoved'],
    tables: ['catalog_podcasts', 'catalog_episodes'],
    async apply(tx, events) {
      const episodes = new Map<string, { feedUrl: string; at: string; discovered: boolean; episode: EpisodeDetails }>();
      const touched = new Set<string>();
      for (const recorded of events) {
        const event = recorded as unknown as FeedEvent & RecordedEvent;
        if (event.type === 'FeedFetched') await applyFetched(tx, event.data);
        else if (event.type === 'FeedMoved') await applyMoved(tx, event.data);
        else if (event.type === 'EpisodeDiscovered' || event.type === 'EpisodeChanged') {
          // One row per episode per statement: the last details win, the first discovery stays.
          const key = `${event.data.feedUrl}\n${event.data.episode.guid}`;
          const earlier = episodes.get(key);
          episodes.set(key, { ...event.data, discovered: (earlier?.discovered ?? false) || event.type === 'EpisodeDiscovered' });
          touched.add(event.data.feedUrl);
        }
      }
      if (episodes.size > 0) await upsertEpisodes(tx, [...episodes.values()]);
      if (touched.size > 0) {
        await tx.query(
          `UPDATE catalog_podcasts p SET episode_count = (SELECT count(*) FROM catalog_episodes e WHERE e.feed_url = p.feed_url)
           WHERE p.feed_url = ANY($1::text[])`,
          [[...touched]],
        );
      }
    },
    // Feeds belong to no account: nothing to forget (and no rebuild after an erasure), but for
    // the private feeds only the erased account followed, which go before its subscriptions do.
    async forgetUser() {},
    async beforeForgetUser(tx, userId) {
      await forgetPrivateFeeds(tx, userId, 'catalog');
    },
  };
}

const COLUMNS_FROM_DETAILS = `title = details->>'title', author = details->>'author', description = details->>'description',
  image_url = details->>'imageUrl', language = details->>'language', link = details->>'link', podcast_guid = details->>'podcastGuid'`;

async function applyFetched(tx: Sql, data: Extract<FeedEvent, { type: 'FeedFetched' }>['data']): Promise<void> {
  await tx.query(
    `INSERT INTO catalog_podcasts (feed_url, details, first_fetched_at, changed_at) VALUES ($1, $2::jsonb, $3, $3)
     ON CONFLICT (feed_url) DO UPDATE SET details = catalog_podcasts.details || EXCLUDED.details, changed_at = EXCLUDED.changed_at`,
    [data.feedUrl, JSON.stringify(data.podcast), data.at],
  );
  await tx.query(`UPDATE catalog_podcasts SET ${COLUMNS_FROM_DETAILS} WHERE feed_url = $1`, [data.feedUrl]);
}

async function applyMoved(tx: Sql, data: Extract<FeedEvent, { type: 'FeedMoved' }>['data']): Promise<void> {
  await tx.query(
    `INSERT INTO catalog_podcasts (feed_url, details, moved_to, first_fetched_at, changed_at) VALUES ($1, '{}'::jsonb, $2, $3, $3)
     ON CONFLICT (feed_url) DO UPDATE SET moved_to = EXCLUDED.moved_to, changed_at = EXCLUDED.changed_at`,
    [data.feedUrl, data.to, data.at],
  );
}

async function upsertEpisodes(tx: Sql, rows: { feedUrl: string; at: string; discovered: boolean; episode: EpisodeDetails }[]): Promise<void> {
  const payload = rows.map(({ feedUrl, at, episode }) => ({ feedUrl, at, episode }));
  await tx.query(
    `INSERT INTO catalog_episodes AS c (feed_url, guid, media_url, title, media_type, media_length, duration_seconds, published_at, season, episode, details, discovered_at, changed_at)
     SELECT r->>'feedUrl', r->'episode'->>'guid', r->'episode'->'enclosure'->>'url', r->'episode'->>'title',
            r->'episode'->'enclosure'->>'type', (r->'episode'->'enclosure'->>'length')::bigint,
            (r->'episode'->>'durationSeconds')::double precision, (r->'episode'->>'publishedAt')::timestamptz,
            (r->'episode'->>'season')::integer, (r->'episode'->>'episode')::integer, r->'episode',
            (r->>'at')::timestamptz, (r->>'at')::timestamptz
     FROM jsonb_array_elements($1::jsonb) AS r
     ON CONFLICT (feed_url, md5(guid)) DO UPDATE SET media_url = EXCLUDED.media_url, title = EXCLUDED.title, media_type = EXCLUDED.media_type,
       media_length = EXCLUDED.media_length, duration_seconds = EXCLUDED.duration_seconds, published_at = EXCLUDED.published_at,
       season = EXCLUDED.season, episode = EXCLUDED.episode, details = EXCLUDED.details, changed_at = EXCLUDED.changed_at`,
    [JSON.stringify(payload)],
  );
}
