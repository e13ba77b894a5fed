/**
 * Turns the XML parser's events into finished pieces of a feed, one at a time: each item (or
 * entry, or liveItem) and each channel-level element is built as a small tree, handed to the
 * sink when it closes, and forgotten. The feed's containers (rss, channel, feed, rdf:RDF) are
 * never materialized, so memory does not grow with the number of items.
 *
 * Limits bound what one element may hold (depth, node count, text), so a hostile document cannot
 * make a single item arbitrarily large either.
 */

import { FeedParseError, type FeedFormat } from './model.js';
import { itemSlot } from './item-children.js';
import { CORE, namespaceKey } from './namespaces.js';
import { absoluteBase } from './urls.js';
import { appendChild, appendText, attributeRecord, attrValue, createNode, type XmlNode } from './xml-node.js';
import { XMLNS_URI, type ResolvedName, type XmlNames } from './xml-names.js';

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

/** What an open element is to the builder. */
const CONTAINER = 0;
const ELEMENT = 1;
const SKIP = 2;
type FrameType = typeof CONTAINER | typeof ELEMENT | typeof SKIP;

/**
 * Shared by every element without attributes (most of them). Not frozen: a frozen array has an
 * elements kind of its own, and attribute lookups were slower for seeing one more kind.
 */
const NO_ATTRIBUTES: readonly string[] = [];
/**
 * Names an attribute cannot have in the object the attributes used to be read into (they were
 * found on its prototype, so such an attribute was dropped): still dropped, so nothing changes.
 */
const INHERITED_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

export class DocumentBuilder {
  format: FeedFormat | null = null;
  rootName: string | null = null;
  rootAttributes: Record<string, string> = {};
  rootClosed = false;
  /**
   * The open elements, as parallel stacks (one entry per level, `depth` of them in use): no
   * object per XML event. A container's base is kept in `bases`; an element's is its node's.
   */
  private depth = 0;
  private readonly types: FrameType[] = [];
  private readonly nodes: Array<XmlNode | null> = [];
  private readonly bases: Array<string | null> = [];
  /** The element being captured (only one at a time: captures are children of containers) and its level. */
  private capture: Capture | null = null;
  private captureLevel = -1;
  private ignoredAfterRoot = false;
  /**
   * The attributes of the tag being read, from saxes's attribute events, in document order: the
   * first `tagAttributeCount` entries of each list (names as written, values, resolved names).
   * The lists are reused (emptying them would free their storage, to be allocated again at the
   * next tag with attributes).
   */
  private readonly attributeNames: string[] = [];
  private readonly attributeValues: string[] = [];
  private readonly resolvedNames: ResolvedName[] = [];
  private tagAttributeCount = 0;

  constructor(
    private readonly sink: DocumentSink,
    private readonly documentBase: string | null,
    private readonly names: XmlNames,
    private readonly limits: BuilderLimits = DEFAULT_LIMITS,
  ) {}

  /** Elements still open: non-zero at the end of the input means the document was cut. */
  get openElements(): number {
    return this.depth;
  }

  /**
   * Each attribute of the tag being read, before its openTag (saxes's attribute event). Reading
   * them here rather than from the tag's attribute dictionary spares a slow enumeration per tag.
   */
  attribute(name: string, value: string): void {
    const index = this.tagAttributeCount++;
    this.attributeNames[index] = name;
    this.attributeValues[index] = value;
    this.names.attribute(name, value);
  }

  openTag(qname: string): void {
    const level = this.depth;
    const count = this.tagAttributeCount;
    const tag = this.names.open(qname, this.attributeNames, count, this.resolvedNames);
    if (level === 0 || this.types[level - 1] === SKIP) {
      if (level === 0) this.openRoot(tag, count);
      else this.push(SKIP, null, null);
      if (count !== 0) this.forgetAttributes();
      return;
    }
    let attrs = NO_ATTRIBUTES;
    if (count !== 0) {
      attrs = readAttributes(this.resolvedNames, this.attributeValues, count);
      this.forgetAttributes();
    }
    const parentType = this.types[level - 1]!;
    const { ns, name, slot } = (tag.derived ??= elementName(tag.uri, tag.local)) as ElementName;
    const parentBase = parentType === CONTAINER ? this.bases[level - 1]! : this.nodes[level - 1]!.base;
    const xmlBase = attrValue(attrs, 'xml:base');
    const base = xmlBase === undefined ? parentBase : absoluteBase(xmlBase, parentBase);

    if (parentType === CONTAINER) {
      if (name === 'channel' && ns === CORE && level === 1) {
        this.push(CONTAINER, null, base);
        return;
      }
      const root = createNode(ns, name, tag.name, attrs, base, slot);
      this.capture = { kind: captureKind(ns, name), root, nodes: 1, chars: 0, truncated: false };
      this.captureLevel = level;
      this.push(ELEMENT, root, null);
      return;
    }

    const capture = this.capture!;
    if (level - this.captureLevel > this.limits.maxDepth || capture.nodes >= this.limits.maxNodes) {
      this.truncate(capture);
      this.push(SKIP, null, null);
      return;
    }
    const node = createNode(ns, name, tag.name, attrs, base, slot);
    capture.nodes++;
    appendChild(this.nodes[level - 1]!, node);
    this.push(ELEMENT, node, null);
  }

  closeTag(): void {
    this.names.close();
    if (this.depth === 0) return;
    const level = --this.depth;
    const type = this.types[level];
    const node = this.nodes[level]!;
    // Forget the level's references: a finished item must not stay reachable from the stacks.
    this.nodes[level] = null;
    this.bases[level] = null;
    if (level === 0) {
      if (this.format !== null) this.rootClosed = true;
      return;
    }
    if (type === ELEMENT && level === this.captureLevel) {
      const capture = this.capture!;
      this.capture = null;
      this.captureLevel = -1;
      this.sink.element(capture.kind, node);
    }
  }

  text(text: string): void {
    const level = this.depth - 1;
    if (level < 0 || this.types[level] !== ELEMENT) return;
    const capture = this.capture!;
    const room = this.limits.maxChars - capture.chars;
    if (room <= 0) {
      if (text.trim() !== '') this.truncate(capture);
      return;
    }
    const kept = text.length > room ? text.slice(0, room) : text;
    if (kept.length < text.length) this.truncate(capture);
    capture.chars += kept.length;
    // Text directly in an item (the whitespace between its children) is read by no mapper: not
    // kept, an item is half as many parts to look through. Still counted above, for the limits.
    if (level === this.captureLevel && capture.kind !== 'channel') return;
    appendText(this.nodes[level]!, kept);
  }

  private forgetAttributes(): void {
    // A hostile tag with thousands of attributes should not keep its lists for the rest of the parse.
    if (this.tagAttributeCount > 64) this.attributeNames.length = this.attributeValues.length = this.resolvedNames.length = 0;
    this.tagAttributeCount = 0;
  }

  private push(type: FrameType, node: XmlNode | null, base: string | null): void {
    const level = this.depth++;
    this.types[level] = type;
    this.nodes[level] = node;
    this.bases[level] = base;
  }

  private openRoot(tag: ResolvedName, attributeCount: number): void {
    if (this.rootClosed || this.format !== null) {
      // A second root (two documents concatenated, trailing garbage): the first one is the feed.
      if (!this.ignoredAfterRoot) this.sink.warn('content after the end of the root element was ignored');
      this.ignoredAfterRoot = true;
      this.push(SKIP, null, null);
      return;
    }
    const name = lowerCase(tag.local);
    this.rootName = tag.name;
    this.rootAttributes = attributeRecord(readAttributes(this.resolvedNames, this.attributeValues, attributeCount));
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
    this.push(CONTAINER, null, base);
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

/**
 * Lower-cased names, cached: feeds use a few dozen names, and one (internalized) string per name
 * makes the comparisons and map lookups of the mappers cheap. Bounded against hostile input.
 */
const lowerCased = new Map<string, string>();

function lowerCase(name: string): string {
  let lower = lowerCased.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerCased.size < 2000) {
      // A property key is stored once per engine: the same string as the mappers' literal names.
      lower = Object.keys({ [lower]: true })[0]!;
      lowerCased.set(name, lower);
    }
  }
  return lower;
}

export interface ElementName {
  /** Namespace key (namespaces.ts). */
  readonly ns: string;
  /** Lower-cased local name. */
  readonly name: string;
  /** Its slot in an item, for the episode mapping (item-children.ts). */
  readonly slot: number;
}

/**
 * Element names by namespace URI (as saxes resolved it) and local name, cached: one lookup per
 * element instead of one for the namespace and one for the name. Consecutive elements mostly
 * share their URI, which is then found without a lookup. Bounded against hostile input. Each
 * resolved name also keeps its result (ResolvedName.derived): this runs once per name and scope.
 */
const elementNames = new Map<string, Map<string, ElementName>>();
let cachedNames = 0;
let lastUri: string | null = null;
let lastNames: Map<string, ElementName> | undefined;

function elementName(uri: string, local: string): ElementName {
  if (uri !== lastUri) {
    lastUri = uri;
    lastNames = elementNames.get(uri);
  }
  let found = lastNames?.get(local);
  if (found === undefined) {
    const ns = namespaceKey(uri);
    const name = lowerCase(local);
    found = { ns, name, slot: itemSlot(ns, name) };
    if (cachedNames < 4000) {
      cachedNames++;
      if (lastNames === undefined) elementNames.set(uri, (lastNames = new Map()));
      lastNames.set(local, found);
    }
  }
  return found;
}

/**
 * The attributes as saxes keeps them in the tag (one per qualified name: a repeated name keeps
 * its first place and its last value), keyed by lower-cased name, prefixed ones as "nskey:local".
 */
function readAttributes(names: readonly ResolvedName[], values: readonly string[], count: number): readonly string[] {
  // Sized for all of them up front (an array grown by push reserves room for seventeen values).
  const attrs: string[] = new Array<string>(count * 2);
  let used = 0;
  const repeated = count > 1 ? repeatedNames(names, count) : null;
  // Many attributes (hostile input): a set, so that checking for collisions stays linear.
  const keys = count > 16 ? new Set<string>() : null;
  for (let index = 0; index < count; index++) {
    let from = index;
    if (repeated !== null && repeated.has(names[index]!.name)) {
      const last = repeated.get(names[index]!.name)!;
      if (last === -1) continue;
      from = last;
      repeated.set(names[index]!.name, -1);
    }
    const attribute = names[from]!;
    const key = ((attribute.derived ??= attributeKey(attribute)) as AttributeKey).key;
    // The first spelling wins when case-folding makes two attributes collide.
    if (key === null || (keys === null ? attrValue(attrs, key, used) !== undefined : keys.has(key))) continue;
    keys?.add(key);
    attrs[used++] = key;
    attrs[used++] = values[from]!;
  }
  if (used === 0) return NO_ATTRIBUTES;
  if (used < attrs.length) attrs.length = used;
  return attrs;
}

export interface AttributeKey {
  /** The attribute's key in XmlNode.attrs, or null for an attribute that is not kept. */
  readonly key: string | null;
}

function attributeKey(attribute: ResolvedName): AttributeKey {
  if (attribute.uri === XMLNS_URI || attribute.name === 'xmlns') return { key: null };
  const local = lowerCase(attribute.local);
  const key = attribute.prefix === '' ? local : `${namespaceKey(attribute.uri)}:${local}`;
  return { key: INHERITED_NAMES.has(key) ? null : key };
}

/** Qualified names written more than once, each with the index of its last attribute (-1 once used); null when there are none. */
function repeatedNames(names: readonly ResolvedName[], count: number): Map<string, number> | null {
  let repeated: Map<string, number> | null = null;
  if (count <= 8) {
    for (let index = 1; index < count; index++) {
      const name = names[index]!.name;
      for (let before = 0; before < index; before++) {
        if (names[before]!.name === name) {
          (repeated ??= new Map()).set(name, index);
          break;
        }
      }
    }
    return repeated;
  }
  const last = new Map<string, number>();
  for (let index = 0; index < count; index++) {
    const name = names[index]!.name;
    if (last.has(name)) (repeated ??= new Map()).set(name, index);
    last.set(name, index);
  }
  return repeated;
}
