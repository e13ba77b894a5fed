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
