import type { Sql } from '../store/sql.js';
import { episodeKey, type EpisodeMetadata, type PodcastMetadata, type PodcastMetadataSource } from './podcast-metadata.js';

interface PodcastRow {
  feed_url: string;
  title: string | null;
  author: string | null;
  description: string | null;
  image_url: string | null;
  link: string | null;
}

interface EpisodeRow {
  feed_url: string;
  media_url: string;
  title: string | null;
  description: string | null;
  link: string | null;
  published_at: Date | null;
}

function episodeMetadata(row: EpisodeRow): EpisodeMetadata {
  return present<EpisodeMetadata>({ title: row.title, description: row.description, website: row.link, released: row.published_at?.toISOString().slice(0, 19) });
}

function present<T extends object>(fields: { [K in keyof T]: T[K] | null | undefined }): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined && value !== '')) as T;
}

/** `%`, `_` and `\` are taken literally in a search: `100%` finds "100%", not everything. */
function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** A category as gpodder.net names tags: lower case, words joined by dashes. */
export function tagOf(category: string): string {
  return category
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The directory's metadata from the feed catalog (src/feeds/catalog: fetched feeds, async read
 * models). It speaks of podcasts only; the directory shows what it names only where its public
 * counts already do.
 */
export function catalogMetadata(db: Sql): PodcastMetadataSource {
  const source: PodcastMetadataSource = {
    async describe(feedUrls) {
      const result = await db.query<PodcastRow>('SELECT feed_url, title, author, description, image_url, link FROM catalog_podcasts WHERE feed_url = ANY($1::text[])', [feedUrls]);
      return new Map<string, PodcastMetadata>(
        result.rows.map((row) => [row.feed_url, present<PodcastMetadata>({ title: row.title, author: row.author, description: row.description, website: row.link, logoUrl: row.image_url })]),
      );
    },

    async episode(feedUrl, mediaUrl) {
      return (await source.episodes([{ feedUrl, mediaUrl }])).get(episodeKey(feedUrl, mediaUrl));
    },

    async episodes(episodes) {
      if (episodes.length === 0) return new Map();
      const result = await db.query<EpisodeRow>(
        `SELECT DISTINCT ON (i.feed_url, i.media_url) i.feed_url, i.media_url, e.title, e.details->>'description' AS description, e.details->>'link' AS link, e.published_at
         FROM unnest($1::text[], $2::text[]) AS i(feed_url, media_url)
         JOIN catalog_episodes e ON e.feed_url = i.feed_url AND md5(e.media_url) = md5(i.media_url) AND e.media_url = i.media_url
         ORDER BY i.feed_url, i.media_url, e.published_at DESC NULLS LAST`,
        [episodes.map((episode) => episode.feedUrl), episodes.map((episode) => episode.mediaUrl)],
      );
      return new Map(result.rows.map((row) => [episodeKey(row.feed_url, row.media_url), episodeMetadata(row)]));
    },

    async publishedSince(feedUrls, since, perPodcast) {
      if (feedUrls.length === 0) return [];
      const result = await db.query<EpisodeRow>(
        // Per podcast, its newest few through the (feed_url, published_at DESC) index: an account
        // with hundreds of podcasts of thousands of episodes each reads a few rows per podcast.
        `SELECT e.feed_url, e.media_url, e.title, e.description, e.link, e.published_at
         FROM unnest($1::text[]) AS f(feed_url)
         CROSS JOIN LATERAL (
           SELECT c.feed_url, c.media_url, c.title, c.details->>'description' AS description, c.details->>'link' AS link, c.published_at
           FROM catalog_episodes c WHERE c.feed_url = f.feed_url AND c.published_at > $2 AND c.media_url IS NOT NULL
           ORDER BY c.published_at DESC NULLS LAST, md5(c.guid) LIMIT $3
         ) e
         ORDER BY e.published_at DESC, e.feed_url, e.media_url`,
        [feedUrls, since.toISOString(), perPodcast],
      );
      return result.rows.map((row) => ({ feedUrl: row.feed_url, mediaUrl: row.media_url, metadata: episodeMetadata(row) }));
    },

    async search(query, limit) {
      const pattern = likePattern(query.trim());
      const result = await db.query<{ feed_url: string }>(
        `SELECT feed_url FROM catalog_podcasts
         WHERE moved_to IS NULL AND (title ILIKE $1 OR author ILIKE $1 OR description ILIKE $1)
         ORDER BY (title ILIKE $1) DESC, (author ILIKE $1) DESC, feed_url LIMIT $2`,
        [pattern, limit],
      );
      return result.rows.map((row) => row.feed_url);
    },

    async topTags(limit) {
      const result = await db.query<{ category: string; usage: number }>(
        `SELECT category, count(*)::int AS usage FROM catalog_podcasts,
           jsonb_array_elements_text(CASE WHEN jsonb_typeof(details->'categories') = 'array' THEN details->'categories' ELSE '[]'::jsonb END) AS category
         WHERE moved_to IS NULL GROUP BY category ORDER BY usage DESC, category`,
      );
      // Several spellings of a category are one tag.
      const tags = new Map<string, { tag: string; title: string; usage: number }>();
      for (const row of result.rows) {
        const tag = tagOf(row.category);
        if (!tag) continue;
        const known = tags.get(tag);
        if (known) known.usage += Number(row.usage);
        else tags.set(tag, { tag, title: row.category, usage: Number(row.usage) });
      }
      return [...tags.values()].sort((a, b) => b.usage - a.usage || a.tag.localeCompare(b.tag)).slice(0, limit);
    },

    async tagged(tag, limit) {
      const result = await db.query<{ feed_url: string; categories: string[] }>(
        `SELECT feed_url, ARRAY(SELECT jsonb_array_elements_text(details->'categories')) AS categories FROM catalog_podcasts
         WHERE moved_to IS NULL AND jsonb_typeof(details->'categories') = 'array' ORDER BY feed_url`,
      );
      return result.rows.filter((row) => row.categories.some((category) => tagOf(category) === tag)).map((row) => row.feed_url).slice(0, limit);
    },
  };
  return source;
}
