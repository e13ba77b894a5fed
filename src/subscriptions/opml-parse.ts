/**
 * Reads an OPML subscription list as podcast apps export it, tolerating what real files do:
 * encodings other than UTF-8, HTML entities, stray `&`, attribute names in any case, folders,
 * duplicates, podcast-app URL schemes. The text goes through the feed parser's decoding and
 * repair steps (encoding.ts, xml-sanitizer.ts, saxes with xml-recovery.ts and HTML entities).
 *
 * Refused, as an OpmlError: files over the limits (checked before or while reading, so a hostile
 * file costs little), and files that are not an OPML document at all. A file cut before the end
 * of its <body> is refused too ("invalid_opml"): importing the first half of a list and reporting
 * success would hide the loss, and exporting again is easy.
 */

import { createByteDecoder } from '../feeds/parser/encoding.js';
import { entitiesFromDoctype } from '../feeds/parser/entities.js';
import { FeedParseError } from '../feeds/parser/model.js';
import { RecoveringSaxesParser } from '../feeds/parser/xml-recovery.js';
import { XmlSanitizer } from '../feeds/parser/xml-sanitizer.js';
import { tryNormalizeFeedUrl } from './feed-url.js';
import { OutlineCollector } from './opml-outlines.js';
import { collapseWhitespace, DEFAULT_OPML_LIMITS, OpmlError, type OpmlLimits, type OpmlParseOptions, type ParsedOpml } from './opml-model.js';

export function parseOpml(input: string | Uint8Array, options: OpmlParseOptions = {}): ParsedOpml {
  const limits = resolveLimits(options);
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > limits.maxBytes) {
    throw new OpmlError('opml_too_large', `The file is larger than the limit of ${formatSize(limits.maxBytes)}.`);
  }
  const text = typeof input === 'string' ? input : decode(input);
  return readDocument(repair(text), limits);
}

function resolveLimits(options: OpmlParseOptions): OpmlLimits {
  const limits: OpmlLimits = { ...DEFAULT_OPML_LIMITS };
  for (const key of ['maxBytes', 'maxFeeds', 'maxDepth'] as const) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${key} must be a positive integer, got ${value}`);
    limits[key] = value;
  }
  return limits;
}

function decode(bytes: Uint8Array): string {
  // Decoding warnings (a declared encoding contradicted by the bytes) do not matter to an import.
  const decoder = createByteDecoder(() => {});
  return decoder.write(bytes) + decoder.end();
}

/** Stray `&` and `<`, forbidden characters, garbage before `<?xml`: see xml-sanitizer.ts. */
function repair(text: string): string {
  const sanitizer = new XmlSanitizer();
  let repaired: string;
  try {
    repaired = sanitizer.write(text) + sanitizer.end();
  } catch (error) {
    if (error instanceof FeedParseError) {
      throw new OpmlError('invalid_opml', `This file is not an OPML subscription list: it is not XML (it starts with “${startOf(text)}”).`);
    }
    throw error;
  }
  if (!sanitizer.sawContent) throw new OpmlError('invalid_opml', 'The file is empty.');
  return repaired;
}

function readDocument(text: string, limits: OpmlLimits): ParsedOpml {
  const collector = new OutlineCollector(limits, tryNormalizeFeedUrl);
  const xml = new RecoveringSaxesParser({ xmlns: false });
  // Errors are recovered from (saxes reports and goes on); what matters is whether a body was read.
  xml.on('error', () => {});
  xml.on('doctype', (doctype) => Object.assign(xml.ENTITIES, entitiesFromDoctype(doctype)));
  xml.on('opentag', (tag) => collector.openTag(tag.name, tag.attributes));
  xml.on('closetag', () => collector.closeTag());
  xml.on('text', (value) => collector.text(value));
  xml.on('cdata', (value) => collector.text(value));
  xml.write(text);
  xml.close();
  return collector.result();
}

/** The first characters, on one line, for a message. */
function startOf(text: string): string {
  const start = collapseWhitespace(text.slice(0, 200).replace(/[\u0000-\u001F\u007F-\u009F]/g, ' '));
  return start.length > 30 ? `${start.slice(0, 30)}…` : start;
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const megabytes = bytes / (1024 * 1024);
  if (megabytes < 1) return `${Math.round(bytes / 1024)} KB`;
  return `${Number.isInteger(megabytes) ? megabytes : megabytes.toFixed(1)} MB`;
}
