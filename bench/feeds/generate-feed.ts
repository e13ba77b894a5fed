/**
 * Deterministic large-feed generator for `npm run bench:feeds`.
 *
 * Builds an RSS 2.0 document from the real feeds in /work/shared/feeds (override with
 * BENCH_FEEDS_SOURCE): the channel header and tail of no-agenda.xml, and `count` items taken in a
 * fixed rotation over the items of several real feeds, each feed cycling through its own items in
 * document order. Items are copied byte for byte (Podcasting 2.0 tags, CDATA, entities, non-ASCII
 * text) except the `<guid>`, prefixed with the item's index so that every GUID is unique, and an
 * undefined entity reference (a typo in no-agenda.xml, see escapeUndefinedEntities). No randomness:
 * the same arguments always give the same bytes.
 *
 * The root element declares the union of the source feeds' namespace prefixes; an item whose own
 * feed bound a prefix it uses to another URI redeclares it on `<item>` (launched.xml binds `atom:`
 * with a trailing slash; its items do not use it, so today no item needs this).
 *
 * The rotation lists dk-podcast.xml (small, non-English items) several times so that the average
 * item is ~4.2 KB: 5,000 items make ~21 MB, 25,000 items ~104 MB.
 *
 * CLI: `node --import tsx bench/feeds/generate-feed.ts <out.xml> [items]`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const SOURCE_DIR = process.env.BENCH_FEEDS_SOURCE ?? '/work/shared/feeds';
const HEADER_FEED = 'no-agenda.xml';
const ROTATION = [
  'no-agenda.xml',
  'dk-podcast.xml',
  'pc20rss.xml',
  'dk-podcast.xml',
  'launched.xml',
  'dk-podcast.xml',
  'animated-no-agenda.xml',
  'natube-test.xml',
  'changing-the-tide.xml',
  'podverse-test-feed.xml',
  'homegrown-hits.xml',
  'dk-podcast.xml',
];

const ROOT_START = /<rss\b[^>]*>/;
const ITEM = /<item[\s>][\s\S]*?<\/item>/g;
const NAMESPACE_DECLARATION = /\sxmlns:([A-Za-z_][\w.-]*)\s*=\s*(["'])(.*?)\2/g;
const GUID = /<guid(\s[^>]*)?>([\s\S]*?)<\/guid>/;
const CDATA = /(<!\[CDATA\[[\s\S]*?\]\]>)/;
const UNDEFINED_REFERENCE = /&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/g;
/** Prefixes used by element or attribute names inside an item (text may match too: harmless). */
const PREFIX_USE = /(?:<\/?|\s)([A-Za-z_][\w.-]*):[A-Za-z_][\w.-]*(?=[\s>/=])/g;

interface SourceFeed {
  name: string;
  text: string;
  namespaces: Map<string, string>;
  items: Array<{ text: string; repairs: number }>;
}

export interface GeneratedFeed {
  file: string;
  bytes: number;
  items: number;
  /** Undefined entity references escaped (see escapeUndefinedEntities). */
  escapedReferences: number;
}

function loadFeed(name: string): SourceFeed {
  const text = fs.readFileSync(path.join(SOURCE_DIR, name), 'utf8');
  const root = ROOT_START.exec(text);
  if (root === null) throw new Error(`${name}: no <rss> element`);
  const namespaces = new Map<string, string>();
  for (const [, prefix, , uri] of root[0].matchAll(NAMESPACE_DECLARATION)) namespaces.set(prefix!, uri!);
  const items = (text.match(ITEM) ?? []).map(escapeUndefinedEntities);
  if (items.length === 0) throw new Error(`${name}: no <item> found`);
  for (const item of items) if (!GUID.test(item.text)) throw new Error(`${name}: an item has no <guid>; the generator needs one to make it unique`);
  return { name, text, namespaces, items };
}

/** Writes a feed of `count` items to `file`; returns its size. Streams to disk in ~1 MB writes. */
export function generateFeed(file: string, count: number): GeneratedFeed {
  const names = [...new Set([HEADER_FEED, ...ROTATION])];
  const feeds = new Map(names.map((name) => [name, loadFeed(name)]));
  const headerFeed = feeds.get(HEADER_FEED)!;

  // Union of the namespace declarations: the first binding of a prefix wins.
  const rootNamespaces = new Map<string, string>();
  for (const name of names) for (const [prefix, uri] of feeds.get(name)!.namespaces) if (!rootNamespaces.has(prefix)) rootNamespaces.set(prefix, uri);
  const rootMatch = ROOT_START.exec(headerFeed.text)!;
  const version = /\sversion\s*=\s*["']([^"']*)["']/.exec(rootMatch[0])?.[1] ?? '2.0';
  const declarations = [...rootNamespaces].map(([prefix, uri]) => `\n  xmlns:${prefix}="${uri}"`).join('');
  const firstItem = headerFeed.text.search(/<item[\s>]/);
  const lastItemEnd = headerFeed.text.lastIndexOf('</item>') + '</item>'.length;
  // The template starts with a blank line and no XML declaration; big real feeds have one.
  const prolog = headerFeed.text.slice(0, rootMatch.index).trim();
  const header =
    (prolog.startsWith('<?xml') ? '' : '<?xml version="1.0" encoding="UTF-8"?>\n') +
    (prolog === '' ? '' : `${prolog}\n`) +
    `<rss version="${version}"${declarations}>` +
    headerFeed.text.slice(rootMatch.index + rootMatch[0].length, firstItem);
  const tail = headerFeed.text.slice(lastItemEnd);

  const cursors = new Map<string, number>(names.map((name) => [name, 0]));
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let escapedReferences = 0;
  let buffer: string[] = [];
  let buffered = 0;
  const write = (text: string, force = false): void => {
    buffer.push(text);
    buffered += text.length;
    if (buffered >= 1 << 20 || force) {
      const chunk = Buffer.from(buffer.join(''), 'utf8');
      fs.writeSync(fd, chunk);
      bytes += chunk.length;
      buffer = [];
      buffered = 0;
    }
  };
  try {
    write(header);
    for (let index = 0; index < count; index++) {
      const feed = feeds.get(ROTATION[index % ROTATION.length]!)!;
      const cursor = cursors.get(feed.name)!;
      cursors.set(feed.name, (cursor + 1) % feed.items.length);
      const item = feed.items[cursor]!;
      escapedReferences += item.repairs;
      write(rewriteItem(feed, item.text, index, rootNamespaces));
      write('\n    ');
    }
    write(tail, true);
  } finally {
    fs.closeSync(fd);
  }
  return { file, bytes, items: count, escapedReferences };
}

/**
 * Escapes `&` that starts no predefined or numeric reference, outside CDATA sections. no-agenda.xml
 * has one such typo ("&lt;/p&gtgt;"): strict parsers (rss-parser's sax) stop at it, and the peers
 * must be able to read the whole benchmark feed. Ours would recover (with a warning).
 */
function escapeUndefinedEntities(item: string): { text: string; repairs: number } {
  let repairs = 0;
  const text = item
    .split(CDATA)
    .map((part) =>
      part.startsWith('<![CDATA[')
        ? part
        : part.replace(UNDEFINED_REFERENCE, () => {
            repairs++;
            return '&amp;';
          }),
    )
    .join('');
  return { text, repairs };
}

function rewriteItem(feed: SourceFeed, item: string, index: number, rootNamespaces: Map<string, string>): string {
  let text = item.replace(GUID, (_match, attributes: string | undefined, guid: string) => `<guid${attributes ?? ''}>bench-${index + 1}-${guid}</guid>`);
  // Keep the item's prefixes bound as in its own feed when the root binds them elsewhere.
  const redeclare = new Map<string, string>();
  for (const [, prefix] of text.matchAll(PREFIX_USE)) {
    const own = feed.namespaces.get(prefix!);
    if (own !== undefined && rootNamespaces.get(prefix!) !== own) redeclare.set(prefix!, own);
  }
  if (redeclare.size > 0) {
    const extra = [...redeclare].map(([prefix, uri]) => ` xmlns:${prefix}="${uri}"`).join('');
    text = text.replace(/^<item/, `<item${extra}`);
  }
  return text;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const [out, items = '5000'] = process.argv.slice(2);
  if (out === undefined) {
    process.stderr.write('usage: node --import tsx bench/feeds/generate-feed.ts <out.xml> [items]\n');
    process.exit(2);
  }
  const feed = generateFeed(out, Number(items));
  process.stderr.write(`${feed.file}: ${feed.items} items, ${(feed.bytes / 1e6).toFixed(1)} MB, ${feed.escapedReferences} undefined references escaped\n`);
}
