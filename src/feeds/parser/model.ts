/**
 * The normalized result of parsing an RSS 2.0, Atom 1.0 or RDF (RSS 1.0) podcast feed.
 *
 * Every string field is trimmed; a field the feed does not provide (or provides empty) is `null`,
 * never `''`, so callers can use `??` for fallbacks. URL fields are resolved against the `baseUrl`
 * option (and `xml:base`) when they are relative; without a base they are kept as written.
 * Dates are ISO 8601 strings in UTC (`Date.prototype.toISOString`), or `null` when unparseable.
 */

export type FeedFormat = 'rss' | 'atom' | 'rdf';

export interface ParsedFeed {
  format: FeedFormat;
  /** The `version` attribute of `<rss>` ("2.0", "0.91"...), null for Atom / RDF or when absent. */
  version: string | null;
  /** The character encoding the bytes were decoded with; null when the input was given as strings. */
  encoding: string | null;
  podcast: Podcast;
  /**
   * The kept episodes, in document order. With `maxEpisodes` this is the N most recent ones
   * (see FeedParserOptions.maxEpisodes); duplicates of an earlier GUID are never included.
   */
  episodes: Episode[];
  /** Unique episodes seen in the document, including those not kept because of `maxEpisodes`. */
  episodeCount: number;
  /** `podcast:liveItem` elements, kept apart from `episodes` (see LiveItem). Same `maxEpisodes` cap. */
  liveItems: LiveItem[];
  /** Problems that were tolerated (bad dates, duplicate GUIDs, XML repairs, encoding fallback...). */
  warnings: string[];
  /** False when the XML needed any repair (stray `&`, mismatched tags, undeclared prefixes...). */
  wellFormed: boolean;
  /**
   * True when the document ended before the root element was closed (cut download). Elements left
   * open at that point are dropped: a half-received item is not reported as an episode.
   */
  truncated: boolean;
}

export type PodcastType = 'episodic' | 'serial';
export type EpisodeType = 'full' | 'trailer' | 'bonus';

export interface Podcast {
  title: string | null;
  /** itunes:subtitle (RSS) or atom:subtitle when no description is given elsewhere. */
  subtitle: string | null;
  /** description, else itunes:summary, else atom:subtitle (HTML is kept as is). */
  description: string | null;
  link: string | null;
  language: string | null;
  /** itunes:author, else managingEditor, else dc:creator, else atom:author/name. */
  author: string | null;
  ownerName: string | null;
  ownerEmail: string | null;
  /** itunes:image, else image/url, else atom:logo / atom:icon, else the largest podcast:images entry. */
  imageUrl: string | null;
  /** itunes:category texts, parents before their subcategories, deduplicated; RSS/Atom categories when there are none. */
  categories: string[];
  keywords: string[];
  explicit: boolean | null;
  type: PodcastType | null;
  /** itunes:complete (or podcast:complete) says no more episodes will be published. */
  complete: boolean;
  /** itunes:block / podcast:block (without an `id`, i.e. for every platform). */
  block: boolean;
  copyright: string | null;
  generator: string | null;
  publishedAt: string | null;
  lastBuildAt: string | null;
  /** itunes:new-feed-url: the publisher moved the feed. */
  newFeedUrl: string | null;
  /** atom:link rel="self", the feed's own URL as published. */
  selfUrl: string | null;
  /** podcast:guid, the feed's global identifier. */
  podcastGuid: string | null;
  locked: Locked | null;
  funding: Funding[];
  persons: Person[];
  /** podcast:medium (podcast, music, video, audiobook, publisher...), lower-cased. */
  medium: string | null;
  value: ValueBlock[];
  location: Location | null;
  license: License | null;
  trailers: Trailer[];
  images: ImageCandidate[];
  /** podcast:remoteItem elements directly under the channel (e.g. a publisher feed's catalogue). */
  remoteItems: RemoteItem[];
  /** podcast:podroll recommendations. */
  podroll: RemoteItem[];
  /** podcast:txt records ({ purpose, value }). */
  txt: Txt[];
}

export interface Episode {
  /** The item's GUID (RSS guid, Atom id, RDF rdf:about), or a deterministic fallback. */
  guid: string;
  /**
   * True when the feed gave no identifier: the GUID is then the enclosure URL, else the link (both
   * as written in the feed, unresolved, so that it does not depend on `baseUrl`), else
   * "sha256:" + the hash of title and publication date.
   */
  guidIsFallback: boolean;
  title: string | null;
  /** itunes:subtitle. */
  subtitle: string | null;
  /** content:encoded, else description, else itunes:summary (Atom: content, else summary). HTML is kept. */
  description: string | null;
  link: string | null;
  publishedAt: string | null;
  author: string | null;
  enclosure: Enclosure | null;
  durationSeconds: number | null;
  imageUrl: string | null;
  explicit: boolean | null;
  season: number | null;
  /** podcast:season's `name` attribute. */
  seasonName: string | null;
  episode: number | null;
  /** podcast:episode's `display` attribute. */
  episodeDisplay: string | null;
  episodeType: EpisodeType | null;
  block: boolean;
  keywords: string[];
  transcripts: Transcript[];
  chapters: Chapters | null;
  persons: Person[];
  alternateEnclosures: AlternateEnclosure[];
  value: ValueBlock[];
  socialInteract: SocialInteract[];
  soundbites: Soundbite[];
  location: Location | null;
  license: License | null;
  images: ImageCandidate[];
}

export type LiveStatus = 'pending' | 'live' | 'ended';

/**
 * A `podcast:liveItem`: a scheduled or running live stream. It is not an episode (its enclosure is
 * a stream, its GUID may later be reused by the published recording), hence a list of its own.
 */
export interface LiveItem extends Episode {
  status: LiveStatus | null;
  startsAt: string | null;
  endsAt: string | null;
  contentLinks: ContentLink[];
  chat: Chat | null;
  liveValue: LiveValue | null;
}

export interface Enclosure {
  url: string;
  type: string | null;
  /** Bytes; null when absent or not a number (0 is kept: many feeds use it for "unknown"). */
  length: number | null;
}

export interface Locked {
  value: boolean;
  owner: string | null;
}

export interface Funding {
  url: string;
  message: string | null;
}

export interface Person {
  name: string;
  /** Lower-cased; the namespace's default "host" when absent. */
  role: string;
  /** Lower-cased; the namespace's default "cast" when absent. */
  group: string;
  imageUrl: string | null;
  href: string | null;
}

export interface ValueRecipient {
  name: string | null;
  type: string | null;
  address: string | null;
  split: number | null;
  customKey: string | null;
  customValue: string | null;
  fee: boolean;
}

export interface ValueTimeSplit {
  startTime: number | null;
  duration: number | null;
  remoteStartTime: number | null;
  remotePercentage: number | null;
  remoteItem: RemoteItem | null;
  recipients: ValueRecipient[];
}

export interface ValueBlock {
  type: string | null;
  method: string | null;
  /** Kept as written: it is a decimal amount of the currency ("0.00000005000"). */
  suggested: string | null;
  recipients: ValueRecipient[];
  timeSplits: ValueTimeSplit[];
}

export interface RemoteItem {
  feedGuid: string | null;
  feedUrl: string | null;
  itemGuid: string | null;
  medium: string | null;
  title: string | null;
}

export interface Transcript {
  url: string;
  type: string | null;
  language: string | null;
  rel: string | null;
}

export interface Chapters {
  url: string;
  type: string | null;
}

export interface AlternateEnclosureSource {
  uri: string;
  contentType: string | null;
}

export interface AlternateEnclosure {
  type: string | null;
  length: number | null;
  bitrate: number | null;
  height: number | null;
  language: string | null;
  title: string | null;
  rel: string | null;
  codecs: string | null;
  default: boolean;
  sources: AlternateEnclosureSource[];
  integrity: { type: string; value: string } | null;
}

export interface SocialInteract {
  uri: string | null;
  protocol: string | null;
  accountId: string | null;
  accountUrl: string | null;
  priority: number | null;
}

export interface Soundbite {
  startTime: number;
  duration: number;
  title: string | null;
}

export interface Location {
  name: string | null;
  geo: string | null;
  osm: string | null;
}

export interface License {
  name: string | null;
  url: string | null;
}

export interface Trailer {
  url: string;
  title: string | null;
  publishedAt: string | null;
  length: number | null;
  type: string | null;
  season: number | null;
}

export interface ImageCandidate {
  url: string;
  /** From a srcset "1500w" descriptor; null when not given. */
  width: number | null;
}

export interface Txt {
  purpose: string | null;
  value: string;
}

export interface ContentLink {
  href: string;
  text: string | null;
}

export interface Chat {
  server: string | null;
  protocol: string | null;
  accountId: string | null;
  space: string | null;
  embedUrl: string | null;
}

export interface LiveValue {
  uri: string;
  protocol: string | null;
}

export type FeedParseErrorCode = 'empty' | 'not_a_feed' | 'malformed';

/**
 * The input cannot be read as a feed at all. Anything short of that (broken dates, stray `&`,
 * an error after some items...) is tolerated and reported in `ParsedFeed.warnings` instead.
 */
export class FeedParseError extends Error {
  override name = 'FeedParseError';
  constructor(
    readonly code: FeedParseErrorCode,
    message: string,
  ) {
    super(message);
  }
}
