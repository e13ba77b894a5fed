import { createHash } from 'node:crypto';
import type { EpisodeIdentity } from './episode-identity.js';

/**
 * The stream of one account's listening state of one episode. Named from the identity the
 * episode was first known by (its guid, else its media URL); later commands find the stream
 * through the read model (by guid or media URL), so learning the guid later does not move it.
 */
export function episodeStream(userId: string, episode: EpisodeIdentity): string {
  const key = episode.guid !== undefined ? `g\n${episode.guid}` : `u\n${episode.mediaUrl ?? ''}`;
  const digest = createHash('sha256').update(`${episode.feedUrl}\n${key}`).digest('base64url').slice(0, 32);
  return `episode-${userId}-${digest}`;
}

export const EPISODE_STREAM_PREFIX = 'episode-';
