import { DomainError } from '../domain/decider.js';
import { InvalidFeedUrlError, normalizeFeedUrl } from '../subscriptions/feed-url.js';

/**
 * Which episode a listening command is about: its podcast (feed URL) and the item's `guid`, or
 * the enclosure URL when the client knows only that. Every listening event carries it, so a
 * projection can key its rows from the event alone.
 */
export interface EpisodeRef {
  feedUrl: string;
  guid?: string;
  mediaUrl?: string;
}

/** An `EpisodeRef` once checked: the feed URL normalized, at least one of guid and media URL. */
export type EpisodeIdentity = EpisodeRef;

export const MAX_GUID_LENGTH = 2048;
export const MAX_MEDIA_URL_LENGTH = 2048;

function checkText(value: unknown, name: string, max: number): string | undefined {
  if (value === undefined) return undefined;
  // Control characters (NUL above all, which PostgreSQL text cannot hold) are no guid or URL.
  if (typeof value !== 'string' || value.trim() === '' || value.length > max || /[\u0000-\u001f\u007f]/.test(value)) {
    throw new DomainError('invalid_episode', `An episode ${name} is a non-empty text of at most ${max} characters, without control characters`, 400);
  }
  return value;
}

/** Checks an episode reference; the feed URL is normalized, guid and media URL are kept as given. */
export function checkEpisodeRef(ref: EpisodeRef): EpisodeIdentity {
  let feedUrl: string;
  try {
    feedUrl = normalizeFeedUrl(String(ref?.feedUrl ?? ''));
  } catch (error) {
    if (error instanceof InvalidFeedUrlError) throw new DomainError('invalid_feed_url', error.message, 400);
    throw error;
  }
  const guid = checkText(ref.guid, 'GUID', MAX_GUID_LENGTH);
  const mediaUrl = checkText(ref.mediaUrl, 'media URL', MAX_MEDIA_URL_LENGTH);
  if (guid === undefined && mediaUrl === undefined) {
    throw new DomainError('invalid_episode', 'An episode is known by its GUID or its media URL (or both)', 400);
  }
  return identity(feedUrl, guid, mediaUrl);
}

/** Built by assignment (not by spreading optional fields): every listening command and event makes one. */
function identity(feedUrl: string, guid: string | undefined, mediaUrl: string | undefined): EpisodeIdentity {
  const made: EpisodeIdentity = { feedUrl };
  if (guid !== undefined) made.guid = guid;
  if (mediaUrl !== undefined) made.mediaUrl = mediaUrl;
  return made;
}

/**
 * Whether `ref` can be the episode `known` (the one a stream is about). The caller chose the
 * stream, possibly by looking the episode up, so only a contradiction is refused: another feed,
 * two different guids, or two different media URLs when neither side has a guid. A guid on one
 * side and only a media URL on the other is trusted (enclosure URLs change; the caller resolved it).
 */
export function sameEpisode(known: EpisodeIdentity, ref: EpisodeIdentity): boolean {
  if (known.feedUrl !== ref.feedUrl) return false;
  if (known.guid !== undefined && ref.guid !== undefined) return known.guid === ref.guid;
  if (known.guid === undefined && ref.guid === undefined) return known.mediaUrl === ref.mediaUrl;
  return true;
}

/**
 * What a stream knows of its episode after `ref`: what it knew first, completed with what it
 * did not know (a guid learned after a client that knew only the media URL). The first value
 * of each field stays, so the identity never flips between two spellings.
 */
export function mergeIdentity(known: EpisodeIdentity | undefined, ref: EpisodeIdentity): EpisodeIdentity {
  if (!known) return ref;
  const guid = known.guid ?? ref.guid;
  const mediaUrl = known.mediaUrl ?? ref.mediaUrl;
  return identity(known.feedUrl, guid, mediaUrl);
}

/** The identity for a command on a stream that knows `known`, or a 409 when it is another episode. */
export function identityFor(ref: EpisodeRef, known: EpisodeIdentity | undefined): EpisodeIdentity {
  const checked = checkEpisodeRef(ref);
  if (known && !sameEpisode(known, checked)) {
    throw new DomainError('episode_mismatch', 'This command names another episode than the one this listening state is about');
  }
  return mergeIdentity(known, checked);
}
