/**
 * Turns the XML events of an OPML document into feeds, one outline at a time: no tree is built,
 * only a stack of the open elements (each knowing the folder path its children are in).
 *
 * What an outline is:
 * - a feed when it has a usable feed URL: `xmlUrl` (any case), or `url` on `type="rss"` / `"link"`
 *   outlines (older exporters). Its title is `title`, else `text` (gPodder puts the description
 *   in `text`), ignoring one that merely repeats the URL (what exporters write for untitled feeds);
 * - a folder when it has no feed URL and contains outlines: its title becomes a category of the
 *   feeds inside, except for a top-level folder named "feeds" (Overcast and Pocket Casts wrap
 *   their whole list in one: every podcast would be filed under "feeds"). An outline nested in a
 *   feed is read as usual (Overcast lists episodes there);
 * - skipped, with a reason, when it was meant to be a feed but its URL is unusable (a leaf with a
 *   bad `xmlUrl`, or `type="rss"` without URL). Other leaves without feed URL (notes, playlists,
 *   episodes, empty folders) are ignored silently: they are not subscriptions.
 */

import { collapseWhitespace, OpmlError, type OpmlFeed, type OpmlLimits, type OpmlSkipReason, type OpmlSkipped, type ParsedOpml } from './opml-model.js';

type Frame =
  | { kind: 'root' | 'head' | 'title' | 'ignored' }
  | { kind: 'body' | 'other'; depth: number; path: string[] }
  | { kind: 'outline'; depth: number; path: string[]; hasChildOutlines: boolean; unusable: OpmlSkipped | null };

type InBody = Extract<Frame, { depth: number }>;

const FEED_FORMATS = new Set(['rss', 'feed', 'rdf', 'channel']);

export class OutlineCollector {
  private readonly frames: Frame[] = [];
  private rootSeen = false;
  private rootClosed = false;
  private bodyState: 'none' | 'open' | 'closed' = 'none';
  private titleState: 'none' | 'reading' | 'done' = 'none';
  private title = '';
  private readonly feeds = new Map<string, OpmlFeed>();
  private readonly skipped: OpmlSkipped[] = [];

  constructor(
    private readonly limits: OpmlLimits,
    private readonly normalizeUrl: (url: string) => string | undefined,
  ) {}

  openTag(qname: string, attributes: Record<string, string>): void {
    const name = localName(qname);
    const parent = this.frames.at(-1);
    if (parent === undefined) {
      this.openRoot(name);
      return;
    }
    if (parent.kind === 'root') {
      if (name === 'body') {
        this.bodyState = 'open';
        this.frames.push({ kind: 'body', depth: 0, path: [] });
      } else if (name === 'head') this.frames.push({ kind: 'head' });
      else this.frames.push({ kind: 'ignored' });
      return;
    }
    if (parent.kind === 'head' && name === 'title' && this.titleState === 'none') {
      this.titleState = 'reading';
      this.frames.push({ kind: 'title' });
      return;
    }
    if (parent.kind === 'body' || parent.kind === 'other' || parent.kind === 'outline') {
      const depth = parent.depth + 1;
      if (depth > this.limits.maxDepth) {
        throw new OpmlError('opml_too_deep', `The file nests outlines more than ${this.limits.maxDepth} levels deep; it cannot be imported.`);
      }
      if (name === 'outline') this.openOutline(parent, depth, lowerCaseKeys(attributes));
      // Unknown elements in the body are transparent: outlines inside them are still read.
      else this.frames.push({ kind: 'other', depth, path: parent.path });
      return;
    }
    this.frames.push({ kind: 'ignored' });
  }

  closeTag(): void {
    const frame = this.frames.pop();
    if (frame === undefined) return;
    if (frame.kind === 'outline' && !frame.hasChildOutlines && frame.unusable !== null) this.skipped.push(frame.unusable);
    else if (frame.kind === 'body') this.bodyState = 'closed';
    else if (frame.kind === 'title') this.titleState = 'done';
    else if (frame.kind === 'root') this.rootClosed = true;
  }

  text(value: string): void {
    // Everything until </title>, markup inside it included (its text content).
    if (this.titleState === 'reading') this.title += value;
  }

  result(): ParsedOpml {
    if (!this.rootSeen) throw new OpmlError('invalid_opml', 'This file is not an OPML subscription list: no XML document was found in it.');
    if (this.bodyState !== 'closed') {
      if (this.bodyState === 'open' || !this.rootClosed) {
        throw new OpmlError(
          'invalid_opml',
          'This OPML file is incomplete: it ends before the end of its list of subscriptions (was the download or copy cut short?). Export it again and retry.',
        );
      }
      throw new OpmlError('invalid_opml', 'This OPML file has no <body> element, so it lists no subscriptions.');
    }
    const title = collapseWhitespace(this.title);
    return { ...(title === '' ? {} : { title }), feeds: [...this.feeds.values()], skipped: this.skipped };
  }

  private openRoot(name: string): void {
    if (this.rootSeen) {
      // Content after the document (two files concatenated...): the first document is the list.
      this.frames.push({ kind: 'ignored' });
      return;
    }
    this.rootSeen = true;
    if (name === 'opml') {
      this.frames.push({ kind: 'root' });
      return;
    }
    if (name === 'html') {
      throw new OpmlError(
        'invalid_opml',
        'This file is a web page (HTML), not an OPML subscription list. In your podcast app, look for “Export OPML” or “Export subscriptions”.',
      );
    }
    if (FEED_FORMATS.has(name)) {
      throw new OpmlError('invalid_opml', 'This file is a podcast feed, not an OPML subscription list. To follow this podcast, subscribe to its address instead.');
    }
    throw new OpmlError('invalid_opml', `This file is XML but not an OPML subscription list (its main element is <${name}>, not <opml>).`);
  }

  private openOutline(parent: InBody, depth: number, attrs: Record<string, string>): void {
    if (parent.kind === 'outline') parent.hasChildOutlines = true;
    const type = attrs['type']?.trim().toLowerCase() ?? '';
    const names = [attrs['title'], attrs['text']].map((value) => (value === undefined ? '' : collapseWhitespace(value))).filter((value) => value !== '');
    let raw = attrs['xmlurl']?.trim() ?? '';
    if (raw === '' && (type === 'rss' || type === 'link')) raw = attrs['url']?.trim() ?? '';

    const url = raw === '' ? undefined : this.normalizeUrl(raw);
    if (url !== undefined) {
      const title = names.find((name) => name !== raw && this.normalizeUrl(name) !== url);
      this.addFeed(url, title, webUrl(attrs['htmlurl']), parent.path);
      this.frames.push({ kind: 'outline', depth, path: parent.path, hasChildOutlines: false, unusable: null });
      return;
    }

    let unusable: OpmlSkipped | null = null;
    if (raw !== '') unusable = skip(classify(raw), names[0], raw);
    else if (type === 'rss' || attrs['xmlurl'] !== undefined) unusable = skip('missing_url', names[0], undefined);
    else if (type === 'include') unusable = skip('opml_include', names[0], attrs['url']?.trim() || undefined);
    const folder = names[0];
    const wrapper = parent.kind === 'body' && folder?.toLowerCase() === 'feeds';
    const path = folder === undefined || wrapper ? parent.path : [...parent.path, folder];
    this.frames.push({ kind: 'outline', depth, path, hasChildOutlines: false, unusable });
  }

  private addFeed(url: string, title: string | undefined, htmlUrl: string | undefined, path: string[]): void {
    const known = this.feeds.get(url);
    if (known === undefined) {
      if (this.feeds.size >= this.limits.maxFeeds) {
        throw new OpmlError('opml_too_many_feeds', `The file lists more than ${this.limits.maxFeeds.toLocaleString('en-US')} podcasts; split it into smaller files.`);
      }
      const feed: OpmlFeed = { url, categories: [...new Set(path)] };
      if (title !== undefined) feed.title = title;
      if (htmlUrl !== undefined) feed.htmlUrl = htmlUrl;
      this.feeds.set(url, feed);
      return;
    }
    // The first occurrence wins; a later one only fills what it lacked.
    if (known.title === undefined && title !== undefined) known.title = title;
    if (known.htmlUrl === undefined && htmlUrl !== undefined) known.htmlUrl = htmlUrl;
    for (const category of path) if (!known.categories.includes(category)) known.categories.push(category);
  }
}

/** Element names are compared without prefix and case: `<Outline>`, `<opml:body>` happen. */
function localName(qname: string): string {
  return qname.slice(qname.indexOf(':') + 1).toLowerCase();
}

/** xmlUrl, xmlurl and XMLURL are one attribute; the first spelling wins. */
function lowerCaseKeys(attributes: Record<string, string>): Record<string, string> {
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) {
    const key = name.toLowerCase();
    if (lower[key] === undefined) lower[key] = value;
  }
  return lower;
}

function webUrl(value: string | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function classify(raw: string): OpmlSkipReason {
  const scheme = /^([a-z][\w+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return 'relative_url';
  if (['http', 'https', 'feed', 'itpc', 'pcast', 'podcast'].includes(scheme)) return 'invalid_url';
  return 'unsupported_scheme';
}

function skip(reason: OpmlSkipReason, text: string | undefined, url: string | undefined): OpmlSkipped {
  const skipped: OpmlSkipped = { reason };
  if (text !== undefined) skipped.text = text;
  if (url !== undefined) skipped.url = url;
  return skipped;
}
