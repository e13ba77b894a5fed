import { tryNormalizeFeedUrl } from './feed-url.js';

/**
 * Feeds in URL paths: the normalized feed URL in base64url (as the original system did), so
 * that `/api/v1/subscriptions/{feedId}` needs no escaping rules. Reversible, not secret.
 */
export function encodeFeedId(feedUrl: string): string {
  return Buffer.from(feedUrl, 'utf8').toString('base64url');
}

/** The normalized feed URL a feed id stands for, or undefined when it is not one. */
export function decodeFeedId(feedId: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(feedId)) return undefined;
  return tryNormalizeFeedUrl(Buffer.from(feedId, 'base64url').toString('utf8'));
}
