import { createHash } from 'node:crypto';
import { encodeFeedId } from '../../subscriptions/feed-id.js';

/**
 * The URLs a play token opens (documented in README and docs/auth.md). The token is the first
 * path segment so that one revocation ends them all; an episode is named by its feed id (the
 * base64url feed URL, as in the API) and the MD5 of its catalog guid, which the catalog indexes
 * (`catalog_episodes_key`): short, stable for as long as the feed keeps the guid.
 */
export type PersonalFeedKind = 'subscriptions' | 'collections' | 'playlists';

export function personalFeedPath(token: string, kind: 'subscriptions'): string;
export function personalFeedPath(token: string, kind: 'collections' | 'playlists', id: string): string;
export function personalFeedPath(token: string, kind: PersonalFeedKind, id?: string): string {
  return kind === 'subscriptions' ? `/rss/${token}/subscriptions.xml` : `/rss/${token}/${kind}/${encodeURIComponent(id!)}.xml`;
}

export function episodeId(guid: string): string {
  return createHash('md5').update(guid, 'utf8').digest('hex');
}

export const EPISODE_ID_PATTERN = /^[0-9a-f]{32}$/;

export function playPath(token: string, feedUrl: string, guid: string): string {
  return `/play/${token}/${encodeFeedId(feedUrl)}/${episodeId(guid)}`;
}
