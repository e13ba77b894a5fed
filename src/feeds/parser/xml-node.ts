/**
 * A small element tree, built only for one item (or one channel-level element) at a time, then
 * mapped and dropped: this is what keeps memory flat on feeds with thousands of items.
 */

import { CORE } from './namespaces.js';
import { collapseWhitespace } from './scalars.js';

export interface XmlNode {
  /** Namespace key (see namespaces.ts). */
  ns: string;
  /** Local name, lower-cased: feeds write `pubdate`, `PubDate`, `itunes:Duration`... */
  name: string;
  /** The name as written, for re-serializing embedded markup. */
  qname: string;
  /**
   * Attributes as name, value, name, value...: lower-cased names, prefixed ones as "nskey:local"
   * (e.g. "rdf:about", "xml:base"). A flat list rather than an object: elements have a handful of
   * attributes with varied names, and an object per element made every lookup a megamorphic one.
   */
  attrs: readonly string[];
  /** Text and child elements in document order. */
  content: Array<string | XmlNode>;
  /** The effective xml:base for URLs in this element (absolute), or null. */
  base: string | null;
  /** Where the episode mapping keeps this element when it is a child of an item (item-children.ts). */
  slot: number;
}

/**
 * The content of every element until something is added to it (appendText, appendChild replace
 * it): most elements hold one text or nothing, and an array grown by a first push reserves room
 * for seventeen. Frozen, so that a stray push fails loudly instead of filling every element.
 */
const NO_CONTENT = Object.freeze([]) as unknown as Array<string | XmlNode>;

/** `name` must already be lower-cased. */
export function createNode(ns: string, name: string, qname: string, attrs: readonly string[], base: string | null, slot: number): XmlNode {
  return { ns, name, qname, attrs, content: NO_CONTENT, base, slot };
}

export function appendText(node: XmlNode, text: string): void {
  const content = node.content;
  const last = content.length - 1;
  if (last < 0) node.content = [text];
  else if (typeof content[last] === 'string') content[last] += text;
  else content.push(text);
}

export function appendChild(node: XmlNode, child: XmlNode): void {
  if (node.content.length === 0) node.content = [child];
  else node.content.push(child);
}

/** The child elements, in document order. */
export function elements(node: XmlNode): XmlNode[] {
  const found: XmlNode[] = [];
  const content = node.content;
  for (let index = 0; index < content.length; index++) {
    const part = content[index]!;
    if (typeof part !== 'string') found.push(part);
  }
  return found;
}

/**
 * Lookups scan the content, by index: `for...of` costs an iterator per loop where the mapping
 * still runs unoptimized (its first thousand items or so in a process). Items are read through
 * their slots (item-children.ts); what is left is the channel (a few dozen elements, looked up
 * once per feed) and small elements. An index by name for large elements used to be built here:
 * the channel, mapped at the end of each parse, was the only element large enough, and reaching
 * that code there made V8 throw away these functions' optimized code (used by every item) at the
 * end of every parse.
 */
const NONE: readonly XmlNode[] = [];

/** Child elements with this (lower-case) local name, whatever their namespace, in document order. */
export function named(node: XmlNode, name: string): readonly XmlNode[] {
  let found: XmlNode[] | null = null;
  const content = node.content;
  for (let index = 0; index < content.length; index++) {
    const part = content[index]!;
    if (typeof part !== 'string' && part.name === name) (found ??= []).push(part);
  }
  return found ?? NONE;
}

/** First child element with this namespace key and (lower-case) local name. */
export function child(node: XmlNode, ns: string, name: string): XmlNode | undefined {
  const content = node.content;
  for (let index = 0; index < content.length; index++) {
    const part = content[index]!;
    if (typeof part !== 'string' && part.name === name && part.ns === ns) return part;
  }
  return undefined;
}

export function children(node: XmlNode, ns: string, name: string): XmlNode[] {
  const found: XmlNode[] = [];
  const content = node.content;
  for (let index = 0; index < content.length; index++) {
    const part = content[index]!;
    if (typeof part !== 'string' && part.name === name && part.ns === ns) found.push(part);
  }
  return found;
}

/** All text inside the element, markup removed: what a title or a name is made of. */
export function textContent(node: XmlNode): string {
  const content = node.content;
  if (content.length === 1 && typeof content[0] === 'string') return content[0];
  let text = '';
  for (let index = 0; index < content.length; index++) {
    const part = content[index]!;
    text += typeof part === 'string' ? part : textContent(part);
  }
  return text;
}

/** Trimmed text with inner whitespace runs collapsed (titles, names); null when empty. */
export function lineText(node: XmlNode | undefined): string | null {
  if (node === undefined) return null;
  const text = collapseWhitespace(textContent(node)).trim();
  return text === '' ? null : text;
}

/**
 * The element's content as markup, for HTML fields. Text is the decoded XML text (for escaped or
 * CDATA HTML that is the HTML itself); unescaped child elements (raw XHTML in a description) are
 * serialized back.
 */
export function innerMarkup(node: XmlNode | undefined): string | null {
  if (node === undefined) return null;
  const content = node.content;
  // One text (nearly every description): the text itself.
  const markup = content.length === 1 && typeof content[0] === 'string' ? content[0].trim() : mixedMarkup(content);
  return markup === '' ? null : markup;
}

function mixedMarkup(content: ReadonlyArray<string | XmlNode>): string {
  // With child elements the whole content is markup, so its text must stay escaped; without, the
  // text is the HTML source the publisher escaped or wrapped in CDATA.
  let isMarkup = false;
  for (const part of content) if (typeof part !== 'string') isMarkup = true;
  let markup = '';
  for (const part of content) {
    if (typeof part !== 'string') markup += outerXml(part);
    else markup += isMarkup ? escapeXml(part, false) : part;
  }
  return markup.trim();
}

function outerXml(node: XmlNode): string {
  let attributes = '';
  for (const [name, value] of Object.entries(attributeRecord(node.attrs))) attributes += ` ${name}="${escapeXml(value, true)}"`;
  if (node.content.length === 0) return `<${node.qname}${attributes}/>`;
  let inner = '';
  for (const part of node.content) inner += typeof part === 'string' ? escapeXml(part, false) : outerXml(part);
  return `<${node.qname}${attributes}>${inner}</${node.qname}>`;
}

function escapeXml(text: string, attribute: boolean): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? escaped.replace(/"/g, '&quot;') : escaped;
}

/** The value of the attribute with this name (see XmlNode.attrs), as written; `length`: of the list, if not all of it. */
export function attrValue(attrs: readonly string[], name: string, length: number = attrs.length): string | undefined {
  for (let index = 0; index < length; index += 2) if (attrs[index] === name) return attrs[index + 1];
  return undefined;
}

/** The attributes as an object, in the order an object gives its keys back (serializing, the root's attributes). */
export function attributeRecord(attrs: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let index = 0; index < attrs.length; index += 2) record[attrs[index]!] = attrs[index + 1]!;
  return record;
}

/** Trimmed attribute value; null when absent or blank. */
export function attr(node: XmlNode | undefined, name: string): string | null {
  if (node === undefined) return null;
  const value = attrValue(node.attrs, name)?.trim();
  return value === undefined || value === '' ? null : value;
}

/** True for elements of the feed's core vocabulary (RSS without namespace, RSS 1.0, or Atom). */
export function isCore(node: XmlNode): boolean {
  return node.ns === CORE || node.ns === 'atom';
}
