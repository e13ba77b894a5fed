import { FeedFetchError } from './errors.js';

export interface RedirectHop {
  /** The URL that answered with a redirect. */
  url: string;
  status: number;
}

export interface PermanentRedirect {
  /** The URL as the caller passed it, so it can be matched against what the caller stored. */
  from: string;
  /** Where the chain of permanent redirects ended. */
  to: string;
}

const PERMANENT = new Set([301, 308]);
const TEMPORARY = new Set([302, 303, 307]);

export function isRedirect(status: number): boolean {
  return PERMANENT.has(status) || TEMPORARY.has(status);
}

/** The URL without its fragment: fragments are never sent, so they never make two requests different. */
export function requestKey(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}

/**
 * The redirect history of one fetch: enforces the hop limit and loop detection, and decides whether the
 * feed moved for good. A chain counts as a permanent move only when every hop is 301/308: one temporary
 * hop means the publisher may point elsewhere tomorrow, and the subscription must keep the old URL.
 */
export class RedirectChain {
  readonly #input: string;
  readonly #maxRedirects: number;
  readonly #visited = new Set<string>();
  readonly #hops: RedirectHop[] = [];

  constructor(input: string, start: URL, maxRedirects: number) {
    this.#input = input;
    this.#maxRedirects = maxRedirects;
    this.#visited.add(requestKey(start));
  }

  get hops(): readonly RedirectHop[] {
    return this.#hops;
  }

  /** Records the redirect answered by `from` and returns the URL to request next. */
  follow(from: URL, status: number, location: string | undefined): URL {
    this.#hops.push({ url: from.href, status });
    const details = { url: from.href, status, redirects: [...this.#hops] };
    if (location === undefined || location.trim() === '') {
      throw new FeedFetchError('http_error', `${from.href} answered ${status} without a Location header`, details);
    }
    let next: URL;
    try {
      // Relative references (`/feed`, `../rss`, `//cdn.example/feed`) resolve against the URL that sent them.
      next = new URL(location.trim(), from);
    } catch (error) {
      throw new FeedFetchError('invalid_url', `${from.href} redirects to an invalid URL: ${location}`, { ...details, cause: error });
    }
    next.hash = '';
    const key = requestKey(next);
    if (this.#visited.has(key)) {
      throw new FeedFetchError('redirect_loop', `redirect loop: ${from.href} leads back to ${key}`, details);
    }
    if (this.#hops.length > this.#maxRedirects) {
      throw new FeedFetchError('too_many_redirects', `more than ${this.#maxRedirects} redirects from ${this.#input}`, details);
    }
    this.#visited.add(key);
    return next;
  }

  permanentRedirect(finalUrl: URL): PermanentRedirect | undefined {
    if (this.#hops.length === 0 || !this.#hops.every((hop) => PERMANENT.has(hop.status))) return undefined;
    return { from: this.#input, to: finalUrl.href };
  }
}
