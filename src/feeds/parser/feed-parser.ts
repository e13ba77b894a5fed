/**
 * The streaming feed parser: bytes -> text (encoding.ts) -> repaired text (xml-sanitizer.ts) ->
 * XML events (saxes) -> one item at a time (document-builder.ts) -> Episode (episode-mapper.ts).
 *
 * Error policy: anything that still lets us read items is tolerated and reported in `warnings`
 * (with `wellFormed: false` for XML repairs): saxes is given an error handler, which makes it
 * report and continue instead of throwing, so a stray error near the end of a 5,000-item feed
 * costs nothing. A cut document returns the items completed before the cut (`truncated: true`).
 * Only input that is not a feed at all throws, as a FeedParseError: `empty`, `not_a_feed`
 * (JSON, HTML, another XML vocabulary: detected at the root element, so a fetcher can stop
 * downloading early), or `malformed` (no root element, or nothing usable recovered).
 */

import { DocumentBuilder, type CaptureKind } from './document-builder.js';
import { createByteDecoder, type ByteDecoder } from './encoding.js';
import { EpisodeCollector } from './episode-collector.js';
import { NO_SLOT } from './item-children.js';
import { mapEpisode, mapLiveItem, type MappingContext } from './episode-mapper.js';
import { entitiesFromDoctype } from './entities.js';
import { FeedParseError, type Episode, type LiveItem, type ParsedFeed } from './model.js';
import { CORE, WELL_KNOWN_PREFIXES } from './namespaces.js';
import { mapPodcast } from './podcast-mapper.js';
import { absoluteBase } from './urls.js';
import { Warnings, XmlErrorSummary } from './warnings.js';
import { appendChild, createNode, type XmlNode } from './xml-node.js';
import { NamespacedSaxesParser, XmlNames } from './xml-names.js';
import { XmlSanitizer } from './xml-sanitizer.js';

export interface FeedParserOptions {
  /** The feed's URL: relative URLs in the feed are resolved against it (and against xml:base). */
  baseUrl?: string;
  /**
   * Keep at most this many episodes in the result: the N most recent by publication date (undated
   * ones rank oldest), returned in document order. `onEpisode` still sees every episode. The same
   * cap applies separately to live items. Default: no limit.
   */
  maxEpisodes?: number;
  /**
   * Called for each new episode as soon as its `</item>` is read (duplicates are not passed).
   * Channel metadata is only complete in the result of `end()`: feeds may put it after the items.
   */
  onEpisode?: (episode: Episode) => void;
  /** Called for each new podcast:liveItem. */
  onLiveItem?: (liveItem: LiveItem) => void;
  /** Distinct warnings kept (default 100); the rest are counted in a last warning. */
  maxWarnings?: number;
}

export interface FeedParser {
  /** Feeds the next piece of the body: bytes (encoding is detected) or already decoded text. */
  write(chunk: Uint8Array | string): void;
  /** Finishes the parse. Throws FeedParseError when the input is not a usable feed. */
  end(): ParsedFeed;
}

/** Channel-level elements kept (title, categories...): generous, but a bound against hostile feeds. */
const MAX_CHANNEL_ELEMENTS = 10_000;

export function createFeedParser(options: FeedParserOptions = {}): FeedParser {
  return new StreamingFeedParser(options);
}

/** Parses a whole body: a byte or string stream (e.g. a fetch response body), or a complete buffer. */
export async function parseFeed(
  input: AsyncIterable<Uint8Array | string> | Uint8Array | string,
  options: FeedParserOptions = {},
): Promise<ParsedFeed> {
  const parser = createFeedParser(options);
  if (typeof input === 'string' || input instanceof Uint8Array) {
    parser.write(input);
  } else {
    for await (const chunk of input) parser.write(chunk);
  }
  return parser.end();
}

class StreamingFeedParser implements FeedParser {
  private readonly warnings: Warnings;
  private readonly xmlErrors = new XmlErrorSummary();
  private readonly sanitizer = new XmlSanitizer();
  private readonly xml: NamespacedSaxesParser;
  private readonly builder: DocumentBuilder;
  private readonly episodes: EpisodeCollector<Episode>;
  private readonly liveItems: EpisodeCollector<LiveItem>;
  private readonly channel: XmlNode;
  private readonly context: MappingContext;
  private readonly assumedPrefixes = new Set<string>();
  private decoder: ByteDecoder | null = null;
  private input: 'bytes' | 'text' | null = null;
  private state: 'open' | 'ended' | 'failed' = 'open';
  private failure: unknown = null;
  private channelElements = 0;

  constructor(options: FeedParserOptions) {
    const maxEpisodes = options.maxEpisodes ?? Infinity;
    if (!(maxEpisodes >= 0) || (maxEpisodes !== Infinity && !Number.isInteger(maxEpisodes))) {
      throw new RangeError(`maxEpisodes must be a non-negative integer, got ${maxEpisodes}`);
    }
    this.warnings = new Warnings(options.maxWarnings ?? 100);
    this.context = { warn: (message) => this.warnings.add(message) };
    const base = options.baseUrl === undefined ? null : absoluteBase(options.baseUrl, null);
    if (options.baseUrl !== undefined && base === null) throw new TypeError(`baseUrl must be an absolute URL, got ${JSON.stringify(options.baseUrl)}`);
    this.channel = createNode(CORE, 'channel', 'channel', [], base, NO_SLOT);
    this.episodes = new EpisodeCollector(maxEpisodes, options.onEpisode);
    this.liveItems = new EpisodeCollector(maxEpisodes, options.onLiveItem);
    this.xml = new NamespacedSaxesParser();
    this.builder = new DocumentBuilder(
      { element: (kind, node) => this.element(kind, node), warn: (message) => this.warnings.add(message) },
      base,
      this.createNames(this.xml),
    );
    this.listen(this.xml);
  }

  write(chunk: Uint8Array | string): void {
    this.guard();
    try {
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) throw new TypeError('a feed parser takes Uint8Array or string chunks');
      const kind = typeof chunk === 'string' ? 'text' : 'bytes';
      if (this.input !== null && this.input !== kind) throw new TypeError('a feed parser takes either bytes or strings, not both');
      this.input = kind;
      if (typeof chunk === 'string') {
        this.feed(chunk, false);
      } else {
        const decoder = (this.decoder ??= createByteDecoder((message) => this.warnings.add(message)));
        const text = decoder.write(chunk);
        this.feed(text, decoder.knownValid);
      }
    } catch (error) {
      throw this.fail(error);
    }
  }

  end(): ParsedFeed {
    this.guard();
    try {
      if (this.decoder !== null) this.feed(this.decoder.end(), false);
      this.passToXml(this.sanitizer.end());
      this.xml.close();
      this.state = 'ended';
      return this.result();
    } catch (error) {
      throw this.fail(error);
    }
  }

  private createNames(xml: NamespacedSaxesParser): XmlNames {
    return new XmlNames({
      fail: (message) => void xml.fail(message),
      xmlVersion: () => xml.xmlVersion,
      // An undeclared well-known prefix (itunes:, podcast:...) means what everybody means by it.
      undeclared: (prefix) => {
        // Own keys only: an inherited name ("constructor:x") is an unknown prefix, not a function.
        const uri = Object.hasOwn(WELL_KNOWN_PREFIXES, prefix) ? WELL_KNOWN_PREFIXES[prefix] : undefined;
        if (uri !== undefined && !this.assumedPrefixes.has(prefix)) {
          this.assumedPrefixes.add(prefix);
          this.warnings.add(`namespace prefix "${prefix}" is used without being declared; assumed ${uri}`);
        }
        return uri;
      },
    });
  }

  private listen(xml: NamespacedSaxesParser): void {
    xml.on('error', (error) => this.xmlErrors.add(error, this.sanitizer.skippedLines));
    xml.on('doctype', (doctype) => Object.assign(xml.ENTITIES, entitiesFromDoctype(doctype)));
    xml.on('attribute', (attribute) => this.builder.attribute(attribute.name, attribute.value));
    xml.on('opentag', (tag) => this.builder.openTag(tag.name));
    xml.on('closetag', () => this.builder.closeTag());
    xml.on('text', (text) => this.builder.text(text));
    xml.on('cdata', (text) => this.builder.text(text));
  }

  /** `knownValid`: the text is known to hold no character XML forbids (ByteDecoder.knownValid). */
  private feed(text: string, knownValid: boolean): void {
    if (text !== '') this.passToXml(this.sanitizer.write(text, knownValid));
  }

  private passToXml(text: string): void {
    if (text !== '') this.xml.write(text);
  }

  private element(kind: CaptureKind, node: XmlNode): void {
    if (kind === 'item') {
      this.episodes.add(mapEpisode(node, this.context));
    } else if (kind === 'liveItem') {
      this.liveItems.add(mapLiveItem(node, this.context));
    } else if (this.channelElements < MAX_CHANNEL_ELEMENTS) {
      this.channelElements++;
      appendChild(this.channel, node);
    } else if (this.channelElements++ === MAX_CHANNEL_ELEMENTS) {
      this.warnings.add(`more than ${MAX_CHANNEL_ELEMENTS} channel-level elements; the rest were ignored`);
    }
  }

  private result(): ParsedFeed {
    if (!this.sanitizer.sawContent) throw new FeedParseError('empty', 'the body is empty');
    const format = this.builder.format;
    if (format === null) throw new FeedParseError('malformed', 'no XML root element was found');
    const truncated = this.builder.openElements > 0;
    const repairs = this.sanitizer.repairs;
    const wellFormed =
      this.xmlErrors.empty &&
      this.assumedPrefixes.size === 0 &&
      repairs.strayAmpersands + repairs.strayLessThans + repairs.invalidCharacters + repairs.invalidCharacterReferences + repairs.skippedPrologCharacters === 0;

    const podcast = mapPodcast(this.channel, this.builder.rootAttributes, this.context);
    if (!wellFormed && podcast.title === null && this.episodes.count === 0 && this.liveItems.count === 0) {
      throw new FeedParseError('malformed', `the document is not well-formed XML and no feed content could be read (${this.xmlErrors.describe()[0] ?? 'repairs failed'})`);
    }

    const report: string[] = [];
    if (truncated) report.push('the document ends before its root element is closed (truncated?); unfinished elements were dropped');
    if (repairs.skippedPrologCharacters > 0) report.push(`${repairs.skippedPrologCharacters} character(s) of garbage before the XML document were skipped`);
    if (repairs.strayAmpersands > 0) report.push(`${repairs.strayAmpersands} unescaped "&" read as text`);
    if (repairs.strayLessThans > 0) report.push(`${repairs.strayLessThans} unescaped "<" read as text`);
    if (repairs.invalidCharacters > 0) report.push(`${repairs.invalidCharacters} character(s) not allowed in XML were removed`);
    if (repairs.invalidCharacterReferences > 0) report.push(`${repairs.invalidCharacterReferences} invalid numeric character reference(s) were replaced`);
    for (const [collector, what] of [[this.episodes, 'item'], [this.liveItems, 'liveItem']] as const) {
      if (collector.duplicates > 0) {
        report.push(`${collector.duplicates} ${what}(s) with an already seen GUID were skipped (first: "${collector.firstDuplicate}")`);
      }
    }
    report.push(...this.xmlErrors.describe());
    // Structural problems first: they explain the per-item ones.
    const warnings = [...report, ...this.warnings.toArray()];

    const root = this.builder.rootAttributes;
    return {
      format,
      version: format === 'rss' ? (root['version']?.trim() || null) : null,
      encoding: this.decoder?.encoding ?? null,
      podcast,
      episodes: this.episodes.result(),
      episodeCount: this.episodes.count,
      liveItems: this.liveItems.result(),
      warnings,
      wellFormed,
      truncated,
    };
  }

  private guard(): void {
    if (this.state === 'failed') throw this.failure;
    if (this.state === 'ended') throw new Error('the feed parser has already ended');
  }

  private fail(error: unknown): unknown {
    this.state = 'failed';
    this.failure = error;
    return error;
  }
}
