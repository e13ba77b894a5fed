/**
 * Podcasting 2.0 namespace elements (https://podcastindex.org/namespace/1.0), element by element.
 * Each function reads one element and returns null when a required part is missing (a funding
 * link without URL, a transcript without URL...): half an object is worse than none for clients.
 */

import { parseDate } from './dates.js';
import type {
  AlternateEnclosure,
  Chapters,
  Chat,
  ContentLink,
  Funding,
  ImageCandidate,
  License,
  LiveValue,
  Location,
  Locked,
  Person,
  RemoteItem,
  SocialInteract,
  Soundbite,
  Trailer,
  Transcript,
  Txt,
  ValueBlock,
  ValueRecipient,
  ValueTimeSplit,
} from './model.js';
import { isYes, nonEmpty, parseByteLength, parseInteger, parseNumber } from './scalars.js';
import { resolveUrl } from './urls.js';
import { attr, child, children, lineText, named, type XmlNode } from './xml-node.js';

const PODCAST = 'podcast';

/** An attribute holding a URL, resolved against the element's base. */
function urlAttr(node: XmlNode, name: string): string | null {
  return resolveUrl(attr(node, name), node.base);
}

export function parseLocked(node: XmlNode): Locked {
  // Early adopters wrote the owner's address in an `email` attribute, before the spec settled on `owner`.
  return { value: isYes(lineText(node)), owner: attr(node, 'owner') ?? attr(node, 'email') };
}

export function parseFunding(node: XmlNode): Funding | null {
  const url = urlAttr(node, 'url');
  return url === null ? null : { url, message: lineText(node) };
}

export function parsePerson(node: XmlNode): Person | null {
  const name = lineText(node);
  if (name === null) return null;
  return {
    name,
    role: attr(node, 'role')?.toLowerCase() ?? 'host',
    group: attr(node, 'group')?.toLowerCase() ?? 'cast',
    imageUrl: urlAttr(node, 'img'),
    href: urlAttr(node, 'href'),
  };
}

export function parseValue(node: XmlNode): ValueBlock {
  return {
    type: attr(node, 'type'),
    method: attr(node, 'method'),
    suggested: attr(node, 'suggested'),
    recipients: recipients(node),
    timeSplits: children(node, PODCAST, 'valuetimesplit').map(parseTimeSplit),
  };
}

/** The podcast:valueRecipient children, in one pass over the content (no list of them first, no closure). */
function recipients(node: XmlNode): ValueRecipient[] {
  const found: ValueRecipient[] = [];
  const content = node.content;
  for (let index = 0; index < content.length; index++) {
    const part = content[index]!;
    if (typeof part !== 'string' && part.name === 'valuerecipient' && part.ns === PODCAST) found.push(parseRecipient(part));
  }
  return found;
}

function parseRecipient(recipient: XmlNode): ValueRecipient {
  return {
    name: attr(recipient, 'name'),
    type: attr(recipient, 'type'),
    address: attr(recipient, 'address'),
    split: parseNumber(attr(recipient, 'split')),
    customKey: attr(recipient, 'customkey'),
    customValue: attr(recipient, 'customvalue'),
    fee: isYes(attr(recipient, 'fee')),
  };
}

function parseTimeSplit(node: XmlNode): ValueTimeSplit {
  const remote = child(node, PODCAST, 'remoteitem');
  return {
    startTime: parseNumber(attr(node, 'starttime')),
    duration: parseNumber(attr(node, 'duration')),
    remoteStartTime: parseNumber(attr(node, 'remotestarttime')),
    remotePercentage: parseNumber(attr(node, 'remotepercentage')),
    remoteItem: remote === undefined ? null : parseRemoteItem(remote),
    recipients: recipients(node),
  };
}

export function parseRemoteItem(node: XmlNode): RemoteItem {
  return {
    feedGuid: attr(node, 'feedguid'),
    feedUrl: urlAttr(node, 'feedurl'),
    itemGuid: attr(node, 'itemguid'),
    medium: attr(node, 'medium')?.toLowerCase() ?? null,
    title: attr(node, 'title') ?? lineText(node),
  };
}

export function parseRemoteItems(node: XmlNode): RemoteItem[] {
  return children(node, PODCAST, 'remoteitem').map(parseRemoteItem);
}

export function parseTranscript(node: XmlNode): Transcript | null {
  const url = urlAttr(node, 'url');
  if (url === null) return null;
  return { url, type: attr(node, 'type'), language: attr(node, 'language'), rel: attr(node, 'rel') };
}

export function parseChapters(node: XmlNode): Chapters | null {
  const url = urlAttr(node, 'url');
  return url === null ? null : { url, type: attr(node, 'type') };
}

export function parseAlternateEnclosure(node: XmlNode): AlternateEnclosure | null {
  const sources: AlternateEnclosure['sources'] = [];
  for (const source of named(node, 'source')) {
    if (source.ns !== PODCAST) continue;
    const uri = urlAttr(source, 'uri');
    if (uri !== null) sources.push({ uri, contentType: attr(source, 'contenttype') });
  }
  if (sources.length === 0) return null;
  const integrity = child(node, PODCAST, 'integrity');
  const integrityType = attr(integrity, 'type');
  const integrityValue = attr(integrity, 'value');
  return {
    type: attr(node, 'type'),
    length: parseByteLength(attr(node, 'length')),
    bitrate: parseNumber(attr(node, 'bitrate')),
    height: parseInteger(attr(node, 'height')),
    // The spec says `lang`; PeerTube-generated feeds write `language`.
    language: attr(node, 'lang') ?? attr(node, 'language'),
    title: attr(node, 'title'),
    rel: attr(node, 'rel'),
    codecs: attr(node, 'codecs'),
    default: isYes(attr(node, 'default')),
    sources,
    integrity: integrityType !== null && integrityValue !== null ? { type: integrityType, value: integrityValue } : null,
  };
}

export function parseSocialInteract(node: XmlNode): SocialInteract | null {
  const uri = urlAttr(node, 'uri');
  const protocol = attr(node, 'protocol');
  // protocol="disabled" is how a publisher says comments are off: worth keeping, even without uri.
  if (uri === null && protocol === null) return null;
  return {
    uri,
    protocol,
    accountId: attr(node, 'accountid'),
    accountUrl: urlAttr(node, 'accounturl'),
    priority: parseInteger(attr(node, 'priority')),
  };
}

export function parseSoundbite(node: XmlNode): Soundbite | null {
  const startTime = parseNumber(attr(node, 'starttime'));
  const duration = parseNumber(attr(node, 'duration'));
  if (startTime === null || duration === null) return null;
  return { startTime, duration, title: lineText(node) };
}

export function parseLocation(node: XmlNode): Location | null {
  const location = { name: lineText(node), geo: attr(node, 'geo'), osm: attr(node, 'osm') };
  return location.name === null && location.geo === null && location.osm === null ? null : location;
}

export function parseLicense(node: XmlNode): License | null {
  const license = { name: lineText(node), url: urlAttr(node, 'url') };
  return license.name === null && license.url === null ? null : license;
}

export function parseTrailer(node: XmlNode): Trailer | null {
  const url = urlAttr(node, 'url');
  if (url === null) return null;
  return {
    url,
    title: lineText(node),
    publishedAt: parseDate(attr(node, 'pubdate')),
    length: parseByteLength(attr(node, 'length')),
    type: attr(node, 'type'),
    season: parseInteger(attr(node, 'season')),
  };
}

/** podcast:images srcset="url 1500w, url 600w" (or a single bare URL). */
export function parseImages(node: XmlNode): ImageCandidate[] {
  const srcset = attr(node, 'srcset');
  if (srcset === null) return [];
  const images: ImageCandidate[] = [];
  for (const candidate of srcset.split(/,\s+|,(?=\s*https?:)/)) {
    const [rawUrl, descriptor] = candidate.trim().split(/\s+/);
    const url = resolveUrl(rawUrl, node.base);
    if (url === null) continue;
    const width = descriptor !== undefined && /^\d+w$/i.test(descriptor) ? Number.parseInt(descriptor, 10) : null;
    images.push({ url, width });
  }
  return images;
}

export function parseTxt(node: XmlNode): Txt | null {
  const value = nonEmpty(lineText(node));
  return value === null ? null : { purpose: attr(node, 'purpose'), value };
}

export function parseContentLink(node: XmlNode): ContentLink | null {
  const href = urlAttr(node, 'href');
  return href === null ? null : { href, text: lineText(node) };
}

export function parseChat(node: XmlNode): Chat {
  return {
    server: attr(node, 'server'),
    protocol: attr(node, 'protocol'),
    accountId: attr(node, 'accountid'),
    space: attr(node, 'space'),
    embedUrl: urlAttr(node, 'embedurl'),
  };
}

export function parseLiveValue(node: XmlNode): LiveValue | null {
  const uri = urlAttr(node, 'uri');
  return uri === null ? null : { uri, protocol: attr(node, 'protocol') };
}

/** Maps every child element of `parent` with this podcast: name, dropping the unusable ones. */
export function all<T>(parent: XmlNode, name: string, parse: (node: XmlNode) => T | null): T[] {
  const found: T[] = [];
  for (const node of named(parent, name)) {
    if (node.ns !== PODCAST) continue;
    const parsed = parse(node);
    if (parsed !== null) found.push(parsed);
  }
  return found;
}
