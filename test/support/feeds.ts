import { createFeedParser, type FeedParserOptions } from '../../src/feeds/parser/feed-parser.js';
import type { ParsedFeed } from '../../src/feeds/parser/model.js';

/** The namespaces podcast feeds declare, for generated test feeds. */
export const NS =
  'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/" ' +
  'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:podcast="https://podcastindex.org/namespace/1.0"';

/** An RSS 2.0 document around the given items. */
export function rss(items: string, channel = '<title>Show</title>'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" ${NS}><channel>${channel}${items}</channel></rss>`;
}

/** Parses a whole document in one write. */
export function parse(xml: string | Uint8Array, options: FeedParserOptions = {}): ParsedFeed {
  const parser = createFeedParser(options);
  parser.write(xml);
  return parser.end();
}
