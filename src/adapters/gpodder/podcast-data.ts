import { Type } from '@sinclair/typebox';
import type { EpisodeMetadata, PodcastMetadata } from '../../directory/podcast-metadata.js';

/**
 * mygpo's `podcast_data` and `episode_data` objects (mygpo/api/advanced/directory.py). Every key
 * is present, null when unknown: mygpoclient requires them all, AntennaPod reads `url`,
 * `subscribers` and `mygpo_link` without checking. Balados has no podcast pages: `mygpo_link`
 * is the podcast's (or episode's) own URL.
 */
export const PodcastData = Type.Object({
  url: Type.String(),
  title: Type.String({ description: 'The feed URL while the title is unknown.' }),
  author: Type.Union([Type.String(), Type.Null()]),
  description: Type.String(),
  subscribers: Type.Integer(),
  subscribers_last_week: Type.Integer({ description: 'Always 0 (allowed by the gpodder.net documentation).' }),
  logo_url: Type.Union([Type.String(), Type.Null()]),
  scaled_logo_url: Type.Union([Type.String(), Type.Null()]),
  website: Type.Union([Type.String(), Type.Null()]),
  mygpo_link: Type.String(),
});

export const EpisodeData = Type.Object({
  title: Type.String({ description: 'The episode URL while the title is unknown.' }),
  url: Type.String(),
  podcast_title: Type.String(),
  podcast_url: Type.String(),
  description: Type.String(),
  website: Type.Union([Type.String(), Type.Null()]),
  released: Type.Union([Type.String(), Type.Null()], { description: '`YYYY-MM-DDTHH:MM:SS` (UTC), null when unknown; always present (mygpoclient requires it).' }),
  mygpo_link: Type.String(),
});

export function podcastData(feedUrl: string, subscribers: number, metadata: PodcastMetadata) {
  return {
    url: feedUrl,
    title: metadata.title ?? feedUrl,
    author: metadata.author ?? null,
    description: metadata.description ?? '',
    subscribers,
    subscribers_last_week: 0,
    logo_url: metadata.logoUrl ?? null,
    // Logos are not scaled: the original serves.
    scaled_logo_url: metadata.logoUrl ?? null,
    website: metadata.website ?? null,
    mygpo_link: feedUrl,
  };
}

export function episodeData(episode: { url: string; feedUrl: string }, podcast: PodcastMetadata, metadata: EpisodeMetadata = {}) {
  return {
    title: metadata.title ?? episode.url,
    url: episode.url,
    podcast_title: podcast.title ?? episode.feedUrl,
    podcast_url: episode.feedUrl,
    description: metadata.description ?? '',
    website: metadata.website ?? null,
    released: metadata.released ? metadata.released.slice(0, 19) : null,
    mygpo_link: episode.url,
  };
}
