import type { Sql } from '../../store/sql.js';
import { tryNormalizeFeedUrl } from '../../subscriptions/feed-url.js';
import { EPISODE_COLUMNS, toCatalogEpisode, type CatalogEpisode } from './catalog-service.js';

/** How a client names an episode (the playback context's EpisodeRef has this shape). */
export interface CatalogEpisodeRef {
  feedUrl: string;
  guid?: string;
  mediaUrl?: string;
}

// A moved feed's episodes are catalogued under its new URL; a chain longer than this is a loop or abuse.
const MAX_MOVES_FOLLOWED = 3;

/**
 * The catalog episode a client means, whether it names it by GUID or only by media URL: the
 * GUID first (it is the episode's identity), then the enclosure URL, under the feed URL as given
 * and then under the URLs the feed moved to. For the playback context (which keys listening
 * state by what the client sent) to show titles and to merge a media-URL-only report with the
 * GUID's episode. Undefined when the catalog does not know the episode (yet).
 */
export async function findCatalogEpisode(sql: Sql, ref: CatalogEpisodeRef): Promise<CatalogEpisode | undefined> {
  let feedUrl = tryNormalizeFeedUrl(ref.feedUrl);
  for (let hop = 0; feedUrl !== undefined && hop <= MAX_MOVES_FOLLOWED; hop++) {
    if (ref.guid !== undefined) {
      const byGuid = await sql.query<Parameters<typeof toCatalogEpisode>[0]>(
        `SELECT ${EPISODE_COLUMNS} FROM catalog_episodes WHERE feed_url = $1 AND md5(guid) = md5($2) AND guid = $2`,
        [feedUrl, ref.guid],
        { name: 'balados_catalog_episode_by_guid' },
      );
      if (byGuid.rows[0]) return toCatalogEpisode(byGuid.rows[0]);
    }
    if (ref.mediaUrl !== undefined) {
      // Several items may share an enclosure (a re-run): the most recent one stands for them.
      const byMedia = await sql.query<Parameters<typeof toCatalogEpisode>[0]>(
        `SELECT ${EPISODE_COLUMNS} FROM catalog_episodes WHERE feed_url = $1 AND md5(media_url) = md5($2) AND media_url = $2
         ORDER BY published_at DESC NULLS LAST LIMIT 1`,
        [feedUrl, ref.mediaUrl],
        { name: 'balados_catalog_episode_by_media' },
      );
      if (byMedia.rows[0]) return toCatalogEpisode(byMedia.rows[0]);
    }
    const moved = await sql.query<{ moved_to: string | null }>('SELECT moved_to FROM catalog_podcasts WHERE feed_url = $1', [feedUrl]);
    feedUrl = moved.rows[0]?.moved_to ?? undefined;
  }
  return undefined;
}

/** What the catalog says identifies an episode: its GUID and its media (enclosure) URL. */
export interface CatalogIdentity {
  guid: string;
  mediaUrl: string | null;
}

/**
 * For each reference, the identity of the catalog episode it names under the feed URL as given
 * (no moves followed: the caller passes where the feed lives now): by GUID when it has one (a
 * GUID the catalog does not know is not looked up by media URL, which could name another item),
 * else by media URL, the most recent item with that enclosure. One statement for all.
 */
export async function catalogIdentities(sql: Sql, refs: readonly CatalogEpisodeRef[]): Promise<(CatalogIdentity | undefined)[]> {
  if (refs.length === 0) return [];
  const result = await sql.query<{ ord: number; guid: string; media_url: string | null }>(
    `SELECT i.ord, c.guid, c.media_url
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS i(feed_url, guid, media_url, ord)
     CROSS JOIN LATERAL (
       SELECT guid, media_url FROM catalog_episodes c
       WHERE c.feed_url = i.feed_url
         AND ((i.guid IS NOT NULL AND md5(c.guid) = md5(i.guid) AND c.guid = i.guid)
           OR (i.guid IS NULL AND md5(c.media_url) = md5(i.media_url) AND c.media_url = i.media_url))
       ORDER BY c.published_at DESC NULLS LAST LIMIT 1
     ) c`,
    [refs.map((ref) => ref.feedUrl), refs.map((ref) => ref.guid ?? null), refs.map((ref) => ref.mediaUrl ?? null)],
    { name: 'balados_catalog_identities' },
  );
  const identities: (CatalogIdentity | undefined)[] = refs.map(() => undefined);
  for (const row of result.rows) identities[Number(row.ord) - 1] = { guid: row.guid, mediaUrl: row.media_url };
  return identities;
}
