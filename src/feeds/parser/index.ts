/** Streaming RSS 2.0 / Atom 1.0 / RDF podcast feed parser: the public API. */

export { createFeedParser, parseFeed, type FeedParser, type FeedParserOptions } from './feed-parser.js';
export { parseDate } from './dates.js';
export { parseDuration } from './duration.js';
export {
  FeedParseError,
  type AlternateEnclosure,
  type AlternateEnclosureSource,
  type Chapters,
  type Chat,
  type ContentLink,
  type Enclosure,
  type Episode,
  type EpisodeType,
  type FeedFormat,
  type FeedParseErrorCode,
  type Funding,
  type ImageCandidate,
  type License,
  type LiveItem,
  type LiveStatus,
  type LiveValue,
  type Location,
  type Locked,
  type ParsedFeed,
  type Person,
  type Podcast,
  type PodcastType,
  type RemoteItem,
  type SocialInteract,
  type Soundbite,
  type Trailer,
  type Transcript,
  type Txt,
  type ValueBlock,
  type ValueRecipient,
  type ValueTimeSplit,
} from './model.js';
