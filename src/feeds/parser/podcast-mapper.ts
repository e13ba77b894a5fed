/**
 * Maps the channel-level elements (RSS `<channel>` children, Atom `<feed>` children, RDF channel
 * and image) to the Podcast model. They are gathered under one synthetic node while items stream
 * by, and mapped once at the end: metadata placed after the items (some generators do that) is
 * still seen.
 */

import { firstDate } from './dates.js';
import { atomText, largest, type MappingContext } from './episode-mapper.js';
import type { Podcast, PodcastType } from './model.js';
import { CORE } from './namespaces.js';
import {
  all,
  parseFunding,
  parseImages,
  parseLicense,
  parseLocation,
  parseLocked,
  parsePerson,
  parseRemoteItem,
  parseRemoteItems,
  parseTrailer,
  parseTxt,
  parseValue,
} from './podcast-namespace.js';
import { isYes, parseExplicit, splitKeywords } from './scalars.js';
import { resolveUrl } from './urls.js';
import { attr, child, children, innerMarkup, lineText, named, textContent, type XmlNode } from './xml-node.js';

export function mapPodcast(channel: XmlNode, rootAttributes: Record<string, string>, context: MappingContext): Podcast {
  const core = (name: string): XmlNode | undefined => child(channel, CORE, name) ?? child(channel, 'atom', name);
  const itunes = (name: string): XmlNode | undefined => child(channel, 'itunes', name);
  const owner = itunes('owner');
  const images = all(channel, 'images', (node) => parseImages(node)).flat();
  const podcastBlock = children(channel, 'podcast', 'block').find((node) => attr(node, 'id') === null);
  const type = lineText(itunes('type'))?.toLowerCase();
  const podroll = child(channel, 'podcast', 'podroll');
  const publisher = child(channel, 'podcast', 'publisher');

  return {
    title: lineText(core('title')) ?? lineText(itunes('title')) ?? lineText(child(channel, 'dc', 'title')),
    subtitle: lineText(itunes('subtitle')) ?? lineText(child(channel, 'atom', 'subtitle')),
    description:
      innerMarkup(child(channel, CORE, 'description')) ??
      innerMarkup(itunes('summary')) ??
      innerMarkup(atomText(child(channel, 'atom', 'subtitle'))) ??
      innerMarkup(child(channel, 'googleplay', 'description')) ??
      innerMarkup(child(channel, 'dc', 'description')),
    link: readLink(channel),
    language: lineText(child(channel, CORE, 'language')) ?? lineText(child(channel, 'dc', 'language')) ?? rootAttributes['xml:lang']?.trim() ?? null,
    author:
      lineText(itunes('author')) ??
      lineText(child(channel, CORE, 'managingeditor')) ??
      lineText(child(channel, 'dc', 'creator')) ??
      lineText(child(child(channel, 'atom', 'author') ?? channel, 'atom', 'name')) ??
      lineText(child(channel, 'googleplay', 'author')),
    ownerName: lineText(child(owner ?? channel, 'itunes', 'name')),
    ownerEmail: lineText(child(owner ?? channel, 'itunes', 'email')) ?? lineText(child(channel, 'googleplay', 'owner')),
    imageUrl: readImage(channel) ?? largest(images),
    categories: readCategories(channel),
    keywords: splitKeywords(lineText(itunes('keywords'))),
    explicit: parseExplicit(lineText(itunes('explicit')) ?? lineText(child(channel, 'googleplay', 'explicit'))),
    type: type === 'episodic' || type === 'serial' ? (type as PodcastType) : null,
    complete: isYes(lineText(itunes('complete'))) || isYes(lineText(child(channel, 'podcast', 'complete'))),
    block: isYes(lineText(itunes('block'))) || isYes(lineText(podcastBlock)) || isYes(lineText(child(channel, 'googleplay', 'block'))),
    copyright: lineText(child(channel, CORE, 'copyright')) ?? lineText(child(channel, 'dc', 'rights')) ?? lineText(child(channel, 'atom', 'rights')),
    generator: lineText(core('generator')),
    publishedAt: date([child(channel, CORE, 'pubdate'), child(channel, 'dc', 'date')], context),
    lastBuildAt: date([child(channel, CORE, 'lastbuilddate'), child(channel, 'atom', 'updated')], context),
    newFeedUrl: urlText(itunes('new-feed-url')),
    selfUrl: atomLink(channel, 'self'),
    podcastGuid: lineText(child(channel, 'podcast', 'guid')),
    locked: all(channel, 'locked', parseLocked)[0] ?? null,
    funding: all(channel, 'funding', parseFunding),
    persons: all(channel, 'person', parsePerson),
    medium: lineText(child(channel, 'podcast', 'medium'))?.toLowerCase() ?? null,
    value: all(channel, 'value', parseValue),
    location: all(channel, 'location', parseLocation)[0] ?? null,
    license: all(channel, 'license', parseLicense)[0] ?? null,
    trailers: all(channel, 'trailer', parseTrailer),
    images,
    remoteItems: [...parseRemoteItems(channel), ...(publisher === undefined ? [] : parseRemoteItems(publisher))],
    podroll: podroll === undefined ? [] : children(podroll, 'podcast', 'remoteitem').map(parseRemoteItem),
    txt: all(channel, 'txt', parseTxt),
  };
}

function readLink(channel: XmlNode): string | null {
  for (const node of children(channel, CORE, 'link')) {
    const url = urlText(node);
    if (url !== null) return url;
  }
  return atomLink(channel, 'alternate');
}

/** An atom:link with this rel (a missing rel means "alternate"), in RSS or Atom feeds. */
function atomLink(channel: XmlNode, rel: string): string | null {
  for (const node of children(channel, 'atom', 'link')) {
    if ((attr(node, 'rel') ?? 'alternate') !== rel) continue;
    const url = resolveUrl(attr(node, 'href'), node.base);
    if (url !== null) return url;
  }
  return null;
}

function readImage(channel: XmlNode): string | null {
  const itunes = child(channel, 'itunes', 'image');
  if (itunes !== undefined) {
    // Apple wants href=; some feeds (including the namespace's own examples) put the URL in the text.
    const url = resolveUrl(attr(itunes, 'href') ?? attr(itunes, 'url') ?? textContent(itunes), itunes.base);
    if (url !== null) return url;
  }
  const image = child(channel, CORE, 'image');
  if (image !== undefined) {
    // <url> is the RSS spec; rdf:resource is RSS 1.0's reference; url= is a common misreading of the spec.
    const url = urlText(child(image, CORE, 'url')) ?? resolveUrl(attr(image, 'rdf:resource') ?? attr(image, 'url'), image.base);
    if (url !== null) return url;
  }
  return (
    urlText(child(channel, 'atom', 'logo')) ??
    urlText(child(channel, 'atom', 'icon')) ??
    resolveUrl(attr(child(channel, 'googleplay', 'image'), 'href'), channel.base) ??
    resolveUrl(attr(child(channel, 'media', 'thumbnail'), 'url'), channel.base)
  );
}

/** itunes:category texts, parents before subcategories; plain categories only when there are none. */
function readCategories(channel: XmlNode): string[] {
  const found = new Set<string>();
  const visit = (node: XmlNode): void => {
    for (const category of children(node, 'itunes', 'category')) {
      const text = attr(category, 'text');
      if (text !== null) found.add(text);
      visit(category);
    }
  };
  visit(channel);
  if (found.size > 0) return [...found];
  for (const node of named(channel, 'category')) {
    if (node.ns !== CORE && node.ns !== 'atom') continue;
    const text = attr(node, 'term') ?? lineText(node);
    if (text !== null) found.add(text);
  }
  return [...found];
}

function urlText(node: XmlNode | undefined): string | null {
  return node === undefined ? null : resolveUrl(textContent(node), node.base);
}

function date(candidates: Array<XmlNode | undefined>, context: MappingContext): string | null {
  const found = firstDate(candidates.map(lineText));
  if (found.parsed === null && found.firstRaw !== null) context.warn(`channel: unreadable date "${found.firstRaw.slice(0, 60)}"`);
  return found.parsed;
}
