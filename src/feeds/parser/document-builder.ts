/**
 * Turns the XML parser's events into finished pieces of a feed, one at a time: each item (or
 * entry, or liveItem) and each channel-level element is built as a small tree, handed to the
 * sink when it closes, and forgotten. The feed's containers (rss, channel, feed, rdf:RDF) are
 * never materialized, so memory does not grow with the number of items.
 *
 * Limits bound what one element may hold (depth, node count, text), so a hostile document cannot
 * make a single item arbitrarily large either.
 */

import type { SaxesTagNS } from 'saxes';
import { FeedParseError, type FeedFormat } from './model.js';
import { CORE, namespaceKey } from './namespaces.js';
import { absoluteBase } from './urls.js';
import { appendText, createNode, type XmlNode } from './xml-node.js';

export type CaptureKind = 'item' | 'liveItem' | 'channel';

export interface DocumentSink {
  element(kind: CaptureKind, node: XmlNode): void;
  warn(message: string): void;
}

export interface BuilderLimits {
  /** Nesting levels kept inside one captured element; deeper elements become invisible. */
  maxDepth: number;
  /** Elements kept inside one captured element. */
  maxNodes: number;
  /** Characters of text kept inside one captured element. */
  maxChars: number;
}

export const DEFAULT_LIMITS: BuilderLimits = { maxDepth: 64, maxNodes: 20_000, maxChars: 8 * 1024 * 1024 };

interface Capture {
  kind: CaptureKind;
  root: XmlNode;
  nodes: number;
  chars: number;
  truncated: boolean;
}

type Frame =
  | { type: 'container'; base: string | null }
  | { type: 'element'; node: XmlNode; capture: Capture; depth: number }
  | { type: 'skip'; base: string | null };

const XMLNS_URI = 'http://www.w3.org/2000/xmlns/';

export class DocumentBuilder {
  format: FeedFormat | null = null;
  rootName: string | null = null;
  rootAttributes: Record<string, string> = {};
  rootClosed = false;
  private readonly frames: Frame[] = [];
  private ignoredAfterRoot = false;

  constructor(
    private readonly sink: DocumentSink,
    private readonly documentBase: string | null,
    private readonly limits: BuilderLimits = DEFAULT_LIMITS,
  ) {}

  /** Elements still open: non-zero at the end of the input means the document was cut. */
  get openElements(): number {
    return this.frames.length;
  }

  openTag(tag: SaxesTagNS): void {
    const parent = this.frames.at(-1);
    if (parent === undefined) {
      this.openRoot(tag);
      return;
    }
    if (parent.type === 'skip') {
      this.frames.push({ type: 'skip', base: parent.base });
      return;
    }
    const ns = namespaceKey(tag.uri);
    const name = tag.local.toLowerCase();
    const parentBase = parent.type === 'container' ? parent.base : parent.node.base;
    const attrs = readAttributes(tag);
    const base = attrs['xml:base'] === undefined ? parentBase : absoluteBase(attrs['xml:base'], parentBase);

    if (parent.type === 'container') {
      if (name === 'channel' && ns === CORE && this.frames.length === 1) {
        this.frames.push({ type: 'container', base });
        return;
      }
      const kind = captureKind(ns, name);
      const root = createNode(ns, name, tag.name, attrs, base);
      this.frames.push({ type: 'element', node: root, depth: 0, capture: { kind, root, nodes: 1, chars: 0, truncated: false } });
      return;
    }

    const capture = parent.capture;
    if (parent.depth + 1 > this.limits.maxDepth || capture.nodes >= this.limits.maxNodes) {
      this.truncate(capture);
      this.frames.push({ type: 'skip', base });
      return;
    }
    const node = createNode(ns, name, tag.name, attrs, base);
    capture.nodes++;
    parent.node.content.push(node);
    this.frames.push({ type: 'element', node, capture, depth: parent.depth + 1 });
  }

  closeTag(): void {
    const frame = this.frames.pop();
    if (frame === undefined) return;
    if (this.frames.length === 0) {
      if (this.format !== null) this.rootClosed = true;
      return;
    }
    if (frame.type === 'element' && frame.depth === 0) this.sink.element(frame.capture.kind, frame.node);
  }

  text(text: string): void {
    const frame = this.frames.at(-1);
    if (frame?.type !== 'element') return;
    const capture = frame.capture;
    const room = this.limits.maxChars - capture.chars;
    if (room <= 0) {
      if (text.trim() !== '') this.truncate(capture);
      return;
    }
    const kept = text.length > room ? text.slice(0, room) : text;
    if (kept.length < text.length) this.truncate(capture);
    capture.chars += kept.length;
    appendText(frame.node, kept);
  }

  private openRoot(tag: SaxesTagNS): void {
    if (this.rootClosed || this.format !== null) {
      // A second root (two documents concatenated, trailing garbage): the first one is the feed.
      if (!this.ignoredAfterRoot) this.sink.warn('content after the end of the root element was ignored');
      this.ignoredAfterRoot = true;
      this.frames.push({ type: 'skip', base: null });
      return;
    }
    const name = tag.local.toLowerCase();
    this.rootName = tag.name;
    this.rootAttributes = readAttributes(tag);
    if (name === 'rss') this.format = 'rss';
    else if (name === 'feed') this.format = 'atom';
    else if (name === 'rdf') this.format = 'rdf';
    else if (name === 'channel') {
      this.format = 'rss';
      this.sink.warn('the document has no <rss> element: <channel> is the root');
    } else {
      throw new FeedParseError('not_a_feed', `the root element <${tag.name}> is not rss, feed or rdf:RDF`);
    }
    const xmlBase = this.rootAttributes['xml:base'];
    const base = xmlBase === undefined ? this.documentBase : absoluteBase(xmlBase, this.documentBase);
    this.frames.push({ type: 'container', base });
  }

  private truncate(capture: Capture): void {
    if (capture.truncated) return;
    capture.truncated = true;
    this.sink.warn(`an oversized <${capture.root.qname}> element was truncated`);
  }
}

function captureKind(ns: string, name: string): CaptureKind {
  if ((name === 'item' && ns === CORE) || (name === 'entry' && ns === 'atom')) return 'item';
  if (name === 'liveitem' && ns === 'podcast') return 'liveItem';
  return 'channel';
}

function readAttributes(tag: SaxesTagNS): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const attribute of Object.values(tag.attributes)) {
    if (attribute.uri === XMLNS_URI || attribute.name === 'xmlns') continue;
    const local = attribute.local.toLowerCase();
    const key = attribute.prefix === '' ? local : `${namespaceKey(attribute.uri)}:${local}`;
    // The first spelling wins when case-folding makes two attributes collide.
    if (attrs[key] === undefined) attrs[key] = attribute.value;
  }
  return attrs;
}
