import { createHash } from 'node:crypto';
import type { Episode, ParsedFeed, Podcast } from '../parser/model.js';

/**
 * What the catalog keeps of a podcast and of an episode: the parser's model without what changes
 * on every build of a feed (lastBuildDate, generator) or is only a means (new-feed-url, self link:
 * they become FeedMoved decisions). Plain JSON, compared field by field by the decider.
 */
export type PodcastDetails = Omit<Podcast, 'generator' | 'lastBuildAt' | 'publishedAt' | 'newFeedUrl' | 'selfUrl' | 'images'>;

export type EpisodeDetails = Omit<Episode, 'guidIsFallback' | 'images' | 'description'> & {
  /** Show notes, cut at MAX_DESCRIPTION characters (a catalog, not an archive). */
  description: string | null;
};

export const MAX_DESCRIPTION = 10_000;
/** A feed's episodes kept per fetch: a bound against hostile feeds (real ones stay far below). */
export const MAX_EPISODES_PER_FEED = 20_000;

export function podcastDetails(podcast: Podcast): PodcastDetails {
  const { generator: _g, lastBuildAt: _l, publishedAt: _p, newFeedUrl: _n, selfUrl: _s, images: _i, ...kept } = podcast;
  return kept;
}

const MAX_INT32 = 2_147_483_647;
const int32 = (value: number | null): number | null => (value !== null && Number.isInteger(value) && value >= 0 && value <= MAX_INT32 ? value : null);
/** A date PostgreSQL reads back (toISOString gives six-digit years for absurd dates). */
const storableDate = (value: string | null): string | null => (value !== null && /^\d{4}-/.test(value) ? value : null);

export function episodeDetails(episode: Episode): EpisodeDetails {
  const { guidIsFallback: _f, images: _i, description, ...kept } = episode;
  return {
    ...kept,
    // Hostile values must not make the read model's typed columns refuse the row.
    season: int32(kept.season),
    episode: int32(kept.episode),
    publishedAt: storableDate(kept.publishedAt),
    durationSeconds: kept.durationSeconds !== null && Number.isFinite(kept.durationSeconds) && kept.durationSeconds >= 0 ? kept.durationSeconds : null,
    enclosure: kept.enclosure && { ...kept.enclosure, length: kept.enclosure.length !== null && Number.isSafeInteger(kept.enclosure.length) && kept.enclosure.length >= 0 ? kept.enclosure.length : null },
    description: description !== null && description.length > MAX_DESCRIPTION ? description.slice(0, MAX_DESCRIPTION) : description,
  };
}

/** A short fingerprint of an episode's details: the decider's state keeps this, not the details. */
export function episodeFingerprint(details: EpisodeDetails): string {
  return createHash('sha256').update(JSON.stringify(details)).digest('base64url').slice(0, 22);
}

/** What a successful fetch tells the catalog. */
export interface FeedSnapshot {
  podcast: PodcastDetails;
  episodes: EpisodeDetails[];
  /** itunes:new-feed-url as published, if any. */
  newFeedUrl: string | null;
}

/** PostgreSQL text and jsonb cannot hold NUL: a feed smuggling one in must not make its events unstorable. */
function withoutNul<T>(value: T): T {
  const json = JSON.stringify(value);
  if (!json.includes('\\u0000')) return value;
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' ? item.replaceAll('\0', '') : item))) as T;
}

export function feedSnapshot(feed: ParsedFeed): FeedSnapshot {
  return withoutNul({
    podcast: podcastDetails(feed.podcast),
    episodes: feed.episodes.slice(0, MAX_EPISODES_PER_FEED).map(episodeDetails),
    newFeedUrl: feed.podcast.newFeedUrl,
  });
}
