/**
 * The identity of a podcast is its normalized feed URL. Two spellings of one feed must compare
 * equal, or a listener subscribed from two apps would have it twice.
 *
 * Rules (docs/sync-semantics.md):
 * 1. surrounding whitespace is trimmed;
 * 2. podcast-app schemes become the web ones: `feed://x`, `itpc://x`, `pcast://x`, `podcast://x`
 *    → `http://x`; `feed:https://x` (and `feed:http://x`) → the wrapped URL;
 * 3. only `http:` and `https:` remain, with a host;
 * 4. the scheme and host are lower-cased, international host names become punycode, a default
 *    port (80, 443) is dropped, and an empty path becomes `/` (WHATWG URL parsing);
 * 5. the fragment is dropped (it never reaches the server); an empty `?` is dropped;
 * 6. the path and query are kept as they are: servers may treat them as case-sensitive, and a
 *    query often carries a private feed's token.
 */
export const MAX_FEED_URL_LENGTH = 2048;

export type FeedUrlProblem = 'empty' | 'too_long' | 'not_a_url' | 'unsupported_scheme' | 'no_host';

export class InvalidFeedUrlError extends Error {
  readonly code = 'invalid_feed_url';
  override name = 'InvalidFeedUrlError';
  constructor(
    readonly input: string,
    readonly problem: FeedUrlProblem,
  ) {
    super(`Not a usable feed URL (${problem.replaceAll('_', ' ')}): ${input.length > 200 ? `${input.slice(0, 200)}…` : input}`);
  }
}

const APP_SCHEMES = /^(feed|itpc|pcast|podcast):\/\//i;
const WRAPPED = /^feed:(https?:\/\/)/i;

/**
 * The last inputs normalized, and their results: an upload names the same few podcasts in every
 * action, and each is normalized again on its way to the event (parsing a URL is the costly
 * part). A pure function of its input, so nothing here can go stale; refused inputs are not kept.
 */
const normalized = new Map<string, string>();
const NORMALIZED_KEPT = 1000;

export function normalizeFeedUrl(input: string): string {
  const known = normalized.get(input);
  if (known !== undefined) return known;
  const result = normalizeUncached(input);
  if (normalized.size >= NORMALIZED_KEPT) normalized.clear();
  normalized.set(input, result);
  return result;
}

function normalizeUncached(input: string): string {
  let text = input.trim();
  if (text === '') throw new InvalidFeedUrlError(input, 'empty');
  if (text.length > MAX_FEED_URL_LENGTH) throw new InvalidFeedUrlError(input, 'too_long');
  if (WRAPPED.test(text)) text = text.replace(/^feed:/i, '');
  else if (APP_SCHEMES.test(text)) text = text.replace(APP_SCHEMES, 'http://');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidFeedUrlError(input, 'not_a_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidFeedUrlError(input, 'unsupported_scheme');
  if (!url.hostname) throw new InvalidFeedUrlError(input, 'no_host');
  url.hash = '';
  // Only an empty query is dropped: a query ending in `?` is the feed's own (and may be its token).
  if (url.search === '') url.search = '';
  const normalized = url.toString();
  if (normalized.length > MAX_FEED_URL_LENGTH) throw new InvalidFeedUrlError(input, 'too_long');
  return normalized;
}

/** Like `normalizeFeedUrl`, but answers undefined instead of throwing (tolerant imports). */
export function tryNormalizeFeedUrl(input: string): string | undefined {
  try {
    return normalizeFeedUrl(input);
  } catch {
    return undefined;
  }
}
