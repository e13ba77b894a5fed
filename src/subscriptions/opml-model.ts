/**
 * Types, limits and the error of the OPML subscription list format (opml-parse.ts, opml-export.ts).
 * Public entry point: opml.ts.
 */

import { DomainError } from '../domain/decider.js';

export interface OpmlFeed {
  /** Normalized with `normalizeFeedUrl`: the podcast's identity. */
  url: string;
  title?: string;
  /** The podcast's web site, when the file gives a valid http(s) one. */
  htmlUrl?: string;
  /** Titles of the folders holding the feed, outermost first (merged over duplicates, no repeats). */
  categories: string[];
}

/**
 * Why an outline that was meant to be a feed could not be used:
 * - `missing_url`: a feed outline (`type="rss"`, or an `xmlUrl` attribute) with a blank URL;
 * - `relative_url`: a URL without a scheme ("feeds/show.xml", "//host/feed", "/storage/...");
 * - `unsupported_scheme`: not http(s) nor a podcast-app scheme (ftp:, file:, javascript:...);
 * - `invalid_url`: anything else `normalizeFeedUrl` refuses (no host, unparsable, too long);
 * - `opml_include`: `type="include"`, a link to another OPML file, which is not followed.
 */
export type OpmlSkipReason = 'missing_url' | 'relative_url' | 'unsupported_scheme' | 'invalid_url' | 'opml_include';

export interface OpmlSkipped {
  reason: OpmlSkipReason;
  /** The outline's title or text, whitespace collapsed. */
  text?: string;
  /** The URL as written (trimmed). */
  url?: string;
}

export interface ParsedOpml {
  /** `head/title`, whitespace collapsed. */
  title?: string;
  /** In document order; a feed listed twice (after URL normalization) appears once, at its first place. */
  feeds: OpmlFeed[];
  skipped: OpmlSkipped[];
}

export interface OpmlLimits {
  /** Size of the input: bytes as given, or the UTF-8 length of a string. Default 5 MB. */
  maxBytes: number;
  /** Distinct feeds (after removing duplicates). Default 10,000. */
  maxFeeds: number;
  /** Nesting depth of elements inside <body> (an outline directly in body is depth 1). Default 50. */
  maxDepth: number;
}

export type OpmlParseOptions = Partial<OpmlLimits>;

export const DEFAULT_OPML_LIMITS: Readonly<OpmlLimits> = Object.freeze({
  maxBytes: 5 * 1024 * 1024,
  maxFeeds: 10_000,
  maxDepth: 50,
});

export type OpmlErrorCode = 'invalid_opml' | 'opml_too_large' | 'opml_too_many_feeds' | 'opml_too_deep';

/**
 * The file cannot be imported. The message is meant for the person who uploaded it. A DomainError
 * (status 400), so that the HTTP layer answers it like any other refused input.
 */
export class OpmlError extends DomainError {
  override name = 'OpmlError';
  declare readonly code: OpmlErrorCode;
  constructor(code: OpmlErrorCode, message: string) {
    super(code, message, 400);
  }
}

export interface OpmlExportFeed {
  url: string;
  title?: string;
  htmlUrl?: string;
  /** Folder path, outermost first: the feed is written inside nested folder outlines. */
  categories?: string[];
}

export interface OpmlExportInput {
  title: string;
  ownerName?: string;
  createdAt: Date;
  feeds: readonly OpmlExportFeed[];
}

/** Single-line text as shown to a listener: whitespace runs (including no-break spaces) become one space. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
