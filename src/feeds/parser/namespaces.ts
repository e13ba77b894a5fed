/**
 * Namespace URIs as feeds really write them, mapped to short stable keys.
 *
 * Publishers copy namespace URIs by hand: "https" instead of "http", a trailing slash, Apple's own
 * documentation spelling "DTDs/Podcast-1.0.dtd", the Podcasting 2.0 namespace's old GitHub URL.
 * Matching on exact URIs would silently drop all of that data, so URIs are compared after
 * lower-casing and removing the scheme and trailing slashes.
 */

/** Key for elements without a namespace, and for RSS 1.0 / Userland RSS 2.0 default namespaces. */
export const CORE = '';

export type NamespaceKey =
  | typeof CORE
  | 'atom'
  | 'itunes'
  | 'podcast'
  | 'content'
  | 'dc'
  | 'media'
  | 'rdf'
  | 'googleplay'
  | 'enc'
  | 'xml'
  | 'xhtml';

const KNOWN: Record<string, NamespaceKey> = {
  'purl.org/rss/1.0': CORE,
  'backend.userland.com/rss2': CORE,
  'blogs.law.harvard.edu/tech/rss': CORE,
  'my.netscape.com/rdf/simple/0.9': CORE,
  'www.w3.org/2005/atom': 'atom',
  'purl.org/atom/ns#': 'atom',
  'www.itunes.com/dtds/podcast-1.0.dtd': 'itunes',
  'podcastindex.org/namespace/1.0': 'podcast',
  'github.com/podcastindex-org/podcast-namespace/blob/main/docs/1.0.md': 'podcast',
  'purl.org/rss/1.0/modules/content': 'content',
  'purl.org/dc/elements/1.1': 'dc',
  'purl.org/dc/terms': 'dc',
  'search.yahoo.com/mrss': 'media',
  'www.w3.org/1999/02/22-rdf-syntax-ns#': 'rdf',
  'www.google.com/schemas/play-podcasts/1.0': 'googleplay',
  'purl.oclc.org/net/rss_2.0/enc#': 'enc',
  'www.w3.org/xml/1998/namespace': 'xml',
  'www.w3.org/1999/xhtml': 'xhtml',
};

/**
 * Canonical URIs for prefixes that feeds use without declaring them. Without this, an undeclared
 * `itunes:` prefix is an error and all iTunes data would be lost; with it, it is a warning.
 */
export const WELL_KNOWN_PREFIXES: Readonly<Record<string, string>> = {
  itunes: 'http://www.itunes.com/dtds/podcast-1.0.dtd',
  podcast: 'https://podcastindex.org/namespace/1.0',
  content: 'http://purl.org/rss/1.0/modules/content/',
  atom: 'http://www.w3.org/2005/Atom',
  dc: 'http://purl.org/dc/elements/1.1/',
  media: 'http://search.yahoo.com/mrss/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  googleplay: 'http://www.google.com/schemas/play-podcasts/1.0',
};

const cache = new Map<string, string>();

/** The key of a namespace URI; an unknown URI is its own key (it never equals a known key). */
export function namespaceKey(uri: string): string {
  if (uri === '') return CORE;
  const cached = cache.get(uri);
  if (cached !== undefined) return cached;
  const normalized = uri
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/\/+$/, '');
  const key = KNOWN[normalized] ?? `{${uri}}`;
  // Feeds use a handful of namespaces; the bound only protects against a hostile document.
  if (cache.size < 1000) cache.set(uri, key);
  return key;
}
