/**
 * What the instance knows about podcasts and episodes beyond their URLs: titles, logos,
 * descriptions, categories. The directory and the adapters ask through this one interface, so
 * a catalog of fetched feeds can answer it; until one is plugged in, `urlOnlyMetadata` answers
 * (nothing is known: callers show the URL as the title).
 *
 * Every answer is about podcasts in general, never about who listens to them: callers intersect
 * what it names with the directory's public counts before showing anything.
 */
export interface PodcastMetadata {
  title?: string;
  author?: string;
  description?: string;
  website?: string;
  logoUrl?: string;
}

export interface EpisodeMetadata {
  title?: string;
  description?: string;
  website?: string;
  /** ISO 8601, UTC. */
  released?: string;
}

export interface PodcastMetadataSource {
  /** What is known of these podcasts (normalized feed URLs); unknown ones are left out. */
  describe(feedUrls: readonly string[]): Promise<Map<string, PodcastMetadata>>;
  /** One episode of a podcast, by its media URL; undefined when unknown. */
  episode(feedUrl: string, mediaUrl: string): Promise<EpisodeMetadata | undefined>;
  /** Several episodes at once, keyed by `episodeKey(feedUrl, mediaUrl)`; unknown ones are left out. */
  episodes(episodes: readonly { feedUrl: string; mediaUrl: string }[]): Promise<Map<string, EpisodeMetadata>>;
  /** The newest episodes of these podcasts published after `since`, at most `perPodcast` each, newest first. */
  publishedSince(feedUrls: readonly string[], since: Date, perPodcast: number): Promise<{ feedUrl: string; mediaUrl: string; metadata: EpisodeMetadata }[]>;
  /** Feed URLs whose title, author or description match a search, best first. */
  search(query: string, limit: number): Promise<string[]>;
  /** The most used categories, with the number of podcasts in each. */
  topTags(limit: number): Promise<{ tag: string; title: string; usage: number }[]>;
  /** Feed URLs of the podcasts in a category. */
  tagged(tag: string, limit: number): Promise<string[]>;
}

export const urlOnlyMetadata: PodcastMetadataSource = {
  describe: async () => new Map(),
  episode: async () => undefined,
  episodes: async () => new Map(),
  publishedSince: async () => [],
  search: async () => [],
  topTags: async () => [],
  tagged: async () => [],
};

export function episodeKey(feedUrl: string, mediaUrl: string): string {
  return `${feedUrl}\n${mediaUrl}`;
}
