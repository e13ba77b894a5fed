import { DomainError } from '../domain/decider.js';
import { checkFeedUrl } from './list-rules.js';

const MAX_EPISODE_FIELD_LENGTH = 2048;
const MAX_TITLE_LENGTH = 1000;

/** An episode as a client knows it: its feed, and its item guid or its media URL (or both). */
export interface EpisodeRef {
  feedUrl: string;
  guid?: string;
  mediaUrl?: string;
  /** Shown to the listener; not part of the identity. */
  title?: string;
}

/**
 * Whether two references name the same episode: same feed, and the same guid when both have
 * one, else the same media URL (a client may know only the enclosure).
 */
export function sameEpisode(a: EpisodeRef, b: EpisodeRef): boolean {
  if (a.feedUrl !== b.feedUrl) return false;
  if (a.guid !== undefined && b.guid !== undefined) return a.guid === b.guid;
  return a.mediaUrl !== undefined && a.mediaUrl === b.mediaUrl;
}

/** Trims, drops empty optional fields, and refuses a reference that names no episode. */
export function checkEpisode(episode: unknown): EpisodeRef {
  const invalid = (why: string) => new DomainError('invalid_episode', `Not a usable episode reference: ${why}`, 400);
  if (typeof episode !== 'object' || episode === null) throw invalid('not an object');
  const { feedUrl, guid, mediaUrl, title } = episode as Record<string, unknown>;
  const optional = (value: unknown, name: string, max: number): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw invalid(`${name} is not a string`);
    const trimmed = value.trim();
    if (trimmed.length > max || /[\u0000-\u001f\u007f]/.test(trimmed)) throw invalid(`${name} is too long or holds control characters`);
    return trimmed === '' ? undefined : trimmed;
  };
  const checked = {
    feedUrl: checkFeedUrl(feedUrl),
    guid: optional(guid, 'guid', MAX_EPISODE_FIELD_LENGTH),
    mediaUrl: optional(mediaUrl, 'mediaUrl', MAX_EPISODE_FIELD_LENGTH),
    title: optional(title, 'title', MAX_TITLE_LENGTH),
  };
  if (checked.guid === undefined && checked.mediaUrl === undefined) throw invalid('a guid or a media URL is needed');
  return Object.fromEntries(Object.entries(checked).filter(([, value]) => value !== undefined)) as unknown as EpisodeRef;
}

/** The same reference (a retry), titles aside. */
export function sameIdentity(a: EpisodeRef, b: EpisodeRef): boolean {
  return a.feedUrl === b.feedUrl && a.guid === b.guid && a.mediaUrl === b.mediaUrl;
}
