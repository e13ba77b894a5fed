import { createHash } from 'node:crypto';

/**
 * A podcast's GUID (the Podcast Namespace's `podcast:guid`): a UUID. When a client knows the
 * feed's own `podcast:guid` it sends it and that one is kept (the Open Podcast API treats it as
 * authoritative); otherwise the GUID is derived from the feed URL exactly as the namespace tells
 * publishers to mint theirs: UUIDv5 of the URL without its scheme and trailing slashes, in the
 * namespace below. For a feed whose publisher followed that rule, both agree.
 */
const PODCAST_GUID_NAMESPACE = 'ead4c236-bf58-58c6-a2c6-a6b28d128cb6';
export const GUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/** The lower-case form stored and compared (UUIDs are case-insensitive). */
export function canonicalGuid(value: string): string {
  return value.toLowerCase();
}

export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replaceAll('-', ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The GUID of a (normalized) feed URL whose feed's own `podcast:guid` is not known. */
export function derivedFeedGuid(feedUrl: string): string {
  return uuidV5(PODCAST_GUID_NAMESPACE, feedUrl.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, ''));
}
