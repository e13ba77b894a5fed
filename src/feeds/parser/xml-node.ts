/**
 * A small element tree, built only for one item (or one channel-level element) at a time, then
 * mapped and dropped: this is what keeps memory flat on feeds with thousands of items.
 */

import { CORE } from './namespaces.js';

export interface XmlNode {
  /** Namespace key (see namespaces.ts). */
  ns: string;
  /** Local name, lower-cased: feeds write `pubdate`, `PubDate`, `itunes:Duration`... */
  name: string;
  /** The name as written, for re-serializing embedded markup. */
  qname: string;
  /** Lower-cased attribute names; prefixed ones as "nskey:local" (e.g. "rdf:about", "xml:base"). */
  attrs: Record<string, string>;
  /** Text and child elements in document order. */
  content: Array<string | XmlNode>;
  /** The effective xml:base for URLs in this element (absolute), or null. */
  base: string | null;
}

export function createNode(ns: string, name: string, qname: string, attrs: Record<string, string>, base: string | null): XmlNode {
  return { ns, name: name.toLowerCase(), qname, attrs, content: [], base };
}

export function appendText(node: XmlNode, text: string): void {
  const last = node.content.length - 1;
  if (last >= 0 && typeof node.content[last] === 'string') node.content[last] += text;
  else node.content.push(text);
}

export function* elements(node: XmlNode): Generator<XmlNode> {
  for (const part of node.content) if (typeof part !== 'string') yield part;
}

/** First child element with this namespace key and (lower-case) local name. */
export function child(node: XmlNode, ns: string, name: string): XmlNode | undefined {
  for (const part of node.content) {
    if (typeof part !== 'string' && part.name === name && part.ns === ns) return part;
  }
  return undefined;
}

export function children(node: XmlNode, ns: string, name: string): XmlNode[] {
  const found: XmlNode[] = [];
  for (const part of node.content) {
    if (typeof part !== 'string' && part.name === name && part.ns === ns) found.push(part);
  }
  return found;
}

/** All text inside the element, markup removed: what a title or a name is made of. */
export function textContent(node: XmlNode): string {
  let text = '';
  for (const part of node.content) text += typeof part === 'string' ? part : textContent(part);
  return text;
}

/** Trimmed text with inner whitespace runs collapsed (titles, names); null when empty. */
export function lineText(node: XmlNode | undefined): string | null {
  if (node === undefined) return null;
  const text = textContent(node).replace(/\s+/g, ' ').trim();
  return text === '' ? null : text;
}

/**
 * The element's content as markup, for HTML fields. Text is the decoded XML text (for escaped or
 * CDATA HTML that is the HTML itself); unescaped child elements (raw XHTML in a description) are
 * serialized back.
 */
export function innerMarkup(node: XmlNode | undefined): string | null {
  if (node === undefined) return null;
  // With child elements the whole content is markup, so its text must stay escaped; without, the
  // text is the HTML source the publisher escaped or wrapped in CDATA.
  const isMarkup = node.content.some((part) => typeof part !== 'string');
  let markup = '';
  for (const part of node.content) {
    if (typeof part !== 'string') markup += outerXml(part);
    else markup += isMarkup ? escapeXml(part, false) : part;
  }
  markup = markup.trim();
  return markup === '' ? null : markup;
}

function outerXml(node: XmlNode): string {
  let attributes = '';
  for (const [name, value] of Object.entries(node.attrs)) attributes += ` ${name}="${escapeXml(value, true)}"`;
  if (node.content.length === 0) return `<${node.qname}${attributes}/>`;
  let inner = '';
  for (const part of node.content) inner += typeof part === 'string' ? escapeXml(part, false) : outerXml(part);
  return `<${node.qname}${attributes}>${inner}</${node.qname}>`;
}

function escapeXml(text: string, attribute: boolean): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? escaped.replace(/"/g, '&quot;') : escaped;
}

/** Trimmed attribute value; null when absent or blank. */
export function attr(node: XmlNode | undefined, name: string): string | null {
  const value = node?.attrs[name]?.trim();
  return value === undefined || value === '' ? null : value;
}

/** True for elements of the feed's core vocabulary (RSS without namespace, RSS 1.0, or Atom). */
export function isCore(node: XmlNode): boolean {
  return node.ns === CORE || node.ns === 'atom';
}
