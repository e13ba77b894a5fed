import type { Sql } from '../../store/sql.js';

/** At most this many items in a personal feed (as the original system). */
export const MAX_ITEMS = 100;

export interface FeedEntry {
  feedUrl: string;
  guid: string;
  mediaUrl: string;
  mediaType: string | null;
  mediaLength: number | null;
  title: string | null;
  description: string | null;
  link: string | null;
  durationSeconds: number | null;
  publishedAt: Date | null;
  podcastTitle: string | null;
}

interface EntryRow {
  feed_url: string;
  guid: string;
  media_url: string;
  media_type: string | null;
  media_length: string | number | null;
  title: string | null;
  description: string | null;
  link: string | null;
  duration_seconds: number | null;
  published_at: Date | null;
  podcast_title: string | null;
}

const ENTRY_COLUMNS = `e.feed_url, e.guid, e.media_url, e.media_type, e.media_length, e.title, e.details->>'description' AS description,
  e.details->>'link' AS link, e.duration_seconds, e.published_at, p.title AS podcast_title`;

function toEntry(row: EntryRow): FeedEntry {
  return {
    feedUrl: row.feed_url,
    guid: row.guid,
    mediaUrl: row.media_url,
    mediaType: row.media_type,
    mediaLength: row.media_length === null ? null : Number(row.media_length),
    title: row.title,
    description: row.description,
    link: row.link,
    durationSeconds: row.duration_seconds,
    publishedAt: row.published_at,
    podcastTitle: row.podcast_title,
  };
}

/**
 * The newest episodes (with an enclosure) of a set of feeds, newest first. Each feed gives at
 * most its own newest MAX_ITEMS through the catalog's date index before they are merged, so the
 * cost follows the number of feeds, not the size of their archives.
 */
function newestOf(feedsQuery: string): string {
  return `SELECT ${ENTRY_COLUMNS}
    FROM (${feedsQuery}) f
    CROSS JOIN LATERAL (
      SELECT * FROM catalog_episodes c WHERE c.feed_url = f.feed_url AND c.media_url IS NOT NULL
      ORDER BY c.published_at DESC NULLS LAST, md5(c.guid) LIMIT ${MAX_ITEMS}) e
    LEFT JOIN catalog_podcasts p ON p.feed_url = e.feed_url
    ORDER BY e.published_at DESC NULLS LAST, e.feed_url, md5(e.guid)
    LIMIT ${MAX_ITEMS}`;
}

export async function subscriptionEntries(sql: Sql, userId: string): Promise<FeedEntry[]> {
  const result = await sql.query<EntryRow>(newestOf('SELECT feed_url FROM subscriptions WHERE user_id = $1 AND subscribed'), [userId]);
  return result.rows.map(toEntry);
}

/** The collection's name and entries; undefined when the user has no such collection (or deleted it). */
export async function collectionEntries(sql: Sql, userId: string, collectionId: string): Promise<{ name: string; entries: FeedEntry[] } | undefined> {
  const found = await sql.query<{ name: string }>('SELECT name FROM collections WHERE user_id = $1 AND collection_id = $2 AND NOT deleted', [userId, collectionId]);
  if (!found.rows[0]) return undefined;
  const result = await sql.query<EntryRow>(newestOf('SELECT feed_url FROM collection_feeds WHERE user_id = $1 AND collection_id = $2'), [userId, collectionId]);
  return { name: found.rows[0].name, entries: result.rows.map(toEntry) };
}

/**
 * The playlist's name and episodes in playlist order. An item is matched to the catalog by its
 * guid, else by its media URL; items the catalog does not know (yet) are left out, since the
 * play gateway redirects only to enclosures the catalog read from the feed itself.
 */
export async function playlistEntries(sql: Sql, userId: string, playlistId: string): Promise<{ name: string; description: string; entries: FeedEntry[] } | undefined> {
  const found = await sql.query<{ name: string; description: string }>('SELECT name, description FROM playlists WHERE user_id = $1 AND playlist_id = $2 AND NOT deleted', [
    userId,
    playlistId,
  ]);
  if (!found.rows[0]) return undefined;
  const result = await sql.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS}
     FROM playlist_items i
     CROSS JOIN LATERAL (
       SELECT * FROM catalog_episodes c WHERE c.feed_url = i.feed_url AND c.media_url IS NOT NULL
         AND ((i.guid IS NOT NULL AND md5(c.guid) = md5(i.guid) AND c.guid = i.guid)
           OR (i.guid IS NULL AND md5(c.media_url) = md5(i.media_url) AND c.media_url = i.media_url))
       ORDER BY c.published_at DESC NULLS LAST LIMIT 1) e
     LEFT JOIN catalog_podcasts p ON p.feed_url = e.feed_url
     WHERE i.user_id = $1 AND i.playlist_id = $2
     ORDER BY i.position, i.item_id
     LIMIT ${MAX_ITEMS}`,
    [userId, playlistId],
  );
  return { name: found.rows[0].name, description: found.rows[0].description, entries: result.rows.map(toEntry) };
}

/** The catalog episode a play-gateway URL names (see paths.ts), if it has an enclosure. */
export async function gatewayEpisode(sql: Sql, feedUrl: string, episodeId: string): Promise<{ guid: string; mediaUrl: string } | undefined> {
  const result = await sql.query<{ guid: string; media_url: string }>(
    'SELECT guid, media_url FROM catalog_episodes WHERE feed_url = $1 AND md5(guid) = $2 AND media_url IS NOT NULL',
    [feedUrl, episodeId],
    { name: 'balados_gateway_episode' },
  );
  const row = result.rows[0];
  return row ? { guid: row.guid, mediaUrl: row.media_url } : undefined;
}
