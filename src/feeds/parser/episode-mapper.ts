/**
 * Maps one item (RSS `<item>`, Atom `<entry>`, RDF `<item>`, `podcast:liveItem`) to an Episode.
 * The same code reads all three formats: RSS core elements have no namespace, Atom's are in the
 * Atom namespace, and the extension namespaces (itunes, podcast, content, dc, media) are shared.
 */

import { createHash } from 'node:crypto';
import { parseDate } from './dates.js';
import { parseDuration } from './duration.js';
import type { Enclosure, Episode, EpisodeType, LiveItem, LiveStatus } from './model.js';
import {
  all,
  parseAlternateEnclosure,
  parseChapters,
  parseChat,
  parseContentLink,
  parseImages,
  parseLicense,
  parseLiveValue,
  parseLocation,
  parsePerson,
  parseSocialInteract,
  parseSoundbite,
  parseTranscript,
  parseValue,
} from './podcast-namespace.js';
import { isYes, parseByteLength, parseExplicit, parseInteger, parseNumber, splitKeywords } from './scalars.js';
import { resolveUrl } from './urls.js';
import { attr, child, elements, innerMarkup, lineText, named, textContent, type XmlNode } from './xml-node.js';
import { CORE } from './namespaces.js';

export interface MappingContext {
  warn(message: string): void;
}

const EPISODE_TYPES = new Set<EpisodeType>(['full', 'trailer', 'bonus']);
const LIVE_STATUSES = new Set<LiveStatus>(['pending', 'live', 'ended']);

/** A core element: RSS (no namespace / RSS 1.0) or Atom. */
function core(item: XmlNode, name: string): XmlNode | undefined {
  return child(item, CORE, name) ?? child(item, 'atom', name);
}

/**
 * A module-level function rather than a closure per item: the tsx loader compiles with esbuild's
 * keepNames, which wraps every named closure in a defineProperty call, slow in a per-item path.
 */
function warnItem(context: MappingContext, label: string, message: string): void {
  context.warn(`item "${label}": ${message}`);
}

export function mapEpisode(item: XmlNode, context: MappingContext): Episode {
  const title = lineText(core(item, 'title')) ?? lineText(child(item, 'itunes', 'title')) ?? lineText(child(item, 'dc', 'title'));
  const identifier = readIdentifier(item);
  const label = identifier ?? title ?? 'untitled item';

  const { link, rawLink } = readLink(item, identifier);
  const enclosure = readEnclosure(item);
  const { publishedAt, rawDate } = readPublished(item, context, label);

  const durationNode = child(item, 'itunes', 'duration');
  const rawDuration = durationNode === undefined ? null : textContent(durationNode).trim();
  let durationSeconds = parseDuration(rawDuration);
  if (durationSeconds === null && rawDuration) warnItem(context, label, `unreadable itunes:duration "${rawDuration.slice(0, 40)}"`);
  durationSeconds ??= parseDuration(attr(mediaContent(item), 'duration'));

  const podcastSeason = child(item, 'podcast', 'season');
  const podcastEpisode = child(item, 'podcast', 'episode');
  const episodeType = lineText(child(item, 'itunes', 'episodetype'))?.toLowerCase() as EpisodeType | undefined;
  const images = all(item, 'images', (node) => parseImages(node)).flat();

  let guid = identifier;
  let guidIsFallback = false;
  if (guid === null) {
    guidIsFallback = true;
    // URLs as written, not resolved: the GUID must not change if the feed is fetched from another URL.
    guid = enclosure?.rawUrl ?? rawLink ?? fallbackHash(title, publishedAt ?? rawDate, item);
  }

  return {
    guid,
    guidIsFallback,
    title,
    subtitle: lineText(child(item, 'itunes', 'subtitle')),
    description: readDescription(item),
    link,
    publishedAt,
    author:
      lineText(child(item, 'itunes', 'author')) ??
      lineText(child(item, CORE, 'author')) ??
      lineText(child(item, 'dc', 'creator')) ??
      lineText(child(child(item, 'atom', 'author') ?? item, 'atom', 'name')),
    enclosure: enclosure === null ? null : enclosure.enclosure,
    durationSeconds,
    imageUrl: readImage(item) ?? largest(images),
    explicit: parseExplicit(lineText(child(item, 'itunes', 'explicit')) ?? lineText(child(item, 'googleplay', 'explicit'))),
    season: parseInteger(lineText(child(item, 'itunes', 'season'))) ?? parseInteger(lineText(podcastSeason)),
    seasonName: attr(podcastSeason, 'name'),
    episode: parseInteger(lineText(child(item, 'itunes', 'episode'))) ?? parseNumber(lineText(podcastEpisode)),
    episodeDisplay: attr(podcastEpisode, 'display'),
    episodeType: episodeType !== undefined && EPISODE_TYPES.has(episodeType) ? episodeType : null,
    block: isYes(lineText(child(item, 'itunes', 'block'))),
    keywords: splitKeywords(lineText(child(item, 'itunes', 'keywords'))),
    transcripts: all(item, 'transcript', parseTranscript),
    chapters: all(item, 'chapters', parseChapters)[0] ?? null,
    persons: all(item, 'person', parsePerson),
    alternateEnclosures: all(item, 'alternateenclosure', parseAlternateEnclosure),
    value: all(item, 'value', parseValue),
    socialInteract: all(item, 'socialinteract', parseSocialInteract),
    soundbites: all(item, 'soundbite', parseSoundbite),
    location: all(item, 'location', parseLocation)[0] ?? null,
    license: all(item, 'license', parseLicense)[0] ?? null,
    images,
  };
}

export function mapLiveItem(item: XmlNode, context: MappingContext): LiveItem {
  const episode = mapEpisode(item, context);
  const status = attr(item, 'status')?.toLowerCase() as LiveStatus | undefined;
  const chat = child(item, 'podcast', 'chat');
  return {
    ...episode,
    status: status !== undefined && LIVE_STATUSES.has(status) ? status : null,
    startsAt: liveTime(item, 'start', episode.guid, context),
    endsAt: liveTime(item, 'end', episode.guid, context),
    contentLinks: all(item, 'contentlink', parseContentLink),
    chat: chat === undefined ? null : parseChat(chat),
    liveValue: all(item, 'livevalue', parseLiveValue)[0] ?? null,
  };
}

function liveTime(item: XmlNode, name: 'start' | 'end', guid: string, context: MappingContext): string | null {
  const raw = attr(item, name);
  const parsed = parseDate(raw);
  if (raw !== null && parsed === null) context.warn(`liveItem "${guid}": unreadable ${name} "${raw.slice(0, 40)}"`);
  return parsed;
}

/** RSS guid, Atom id, or RDF rdf:about: the publisher's identifier, trimmed; null when absent. */
function readIdentifier(item: XmlNode): string | null {
  const node = child(item, CORE, 'guid') ?? child(item, 'atom', 'id');
  const text = node === undefined ? '' : textContent(node).trim();
  if (text !== '') return text;
  return attr(item, 'rdf:about');
}

function readLink(item: XmlNode, identifier: string | null): { link: string | null; rawLink: string | null } {
  let alternate: XmlNode | undefined;
  for (const node of named(item, 'link')) {
    if (node.ns !== CORE && node.ns !== 'atom') continue;
    if (attr(node, 'href') === null) {
      const raw = textContent(node).trim();
      if (raw !== '') return { link: resolveUrl(raw, node.base), rawLink: raw };
    } else if (alternate === undefined && (attr(node, 'rel') ?? 'alternate') === 'alternate') {
      alternate = node;
    }
  }
  const href = attr(alternate, 'href');
  if (alternate !== undefined && href !== null) return { link: resolveUrl(href, alternate.base), rawLink: href };
  // RSS: a guid is a permalink unless it says otherwise.
  const guid = child(item, CORE, 'guid');
  if (identifier !== null && guid !== undefined && attr(guid, 'ispermalink')?.toLowerCase() !== 'false' && /^https?:\/\//i.test(identifier)) {
    return { link: identifier, rawLink: identifier };
  }
  return { link: null, rawLink: null };
}

function readEnclosure(item: XmlNode): { enclosure: Enclosure; rawUrl: string } | null {
  for (const node of named(item, 'enclosure')) {
    if (node.ns !== CORE) continue;
    const found = enclosureFrom(node, attr(node, 'url'), attr(node, 'type'), attr(node, 'length'));
    if (found !== null) return found;
  }
  for (const node of named(item, 'link')) {
    if (node.ns !== 'atom' || attr(node, 'rel') !== 'enclosure') continue;
    const found = enclosureFrom(node, attr(node, 'href'), attr(node, 'type'), attr(node, 'length'));
    if (found !== null) return found;
  }
  const rdf = child(item, 'enc', 'enclosure');
  if (rdf !== undefined) {
    const found = enclosureFrom(rdf, attr(rdf, 'rdf:resource') ?? attr(rdf, 'url'), attr(rdf, 'enc:type') ?? attr(rdf, 'type'), attr(rdf, 'enc:length') ?? attr(rdf, 'length'));
    if (found !== null) return found;
  }
  const media = mediaContent(item);
  if (media !== undefined) return enclosureFrom(media, attr(media, 'url'), attr(media, 'type'), attr(media, 'filesize'));
  return null;
}

function enclosureFrom(node: XmlNode, url: string | null, type: string | null, length: string | null): { enclosure: Enclosure; rawUrl: string } | null {
  const resolved = resolveUrl(url, node.base);
  if (url === null || resolved === null) return null;
  return { enclosure: { url: resolved, type, length: parseByteLength(length) }, rawUrl: url };
}

/** The first audio or video media:content (directly or in a media:group). */
function mediaContent(item: XmlNode): XmlNode | undefined {
  // The item's own come first, then those of its media:group.
  const direct = firstPlayable(item);
  if (direct !== undefined) return direct;
  const group = child(item, 'media', 'group');
  return group === undefined ? undefined : firstPlayable(group);
}

function firstPlayable(parent: XmlNode): XmlNode | undefined {
  for (const node of named(parent, 'content')) {
    if (node.ns !== 'media') continue;
    const kind = attr(node, 'medium') ?? attr(node, 'type')?.split('/')[0] ?? '';
    if (attr(node, 'url') !== null && (kind === 'audio' || kind === 'video')) return node;
  }
  return undefined;
}

/** The dates an item may carry, in order of preference. */
const DATE_ELEMENTS: ReadonlyArray<readonly [string, string]> = [
  [CORE, 'pubdate'],
  ['dc', 'date'],
  ['atom', 'published'],
  ['atom', 'updated'],
  ['atom', 'issued'],
  ['atom', 'modified'],
];

function readPublished(item: XmlNode, context: MappingContext, label: string): { publishedAt: string | null; rawDate: string | null } {
  // The rule of firstDate() (dates.ts), without building its list: the first that parses, else the first written.
  let firstRaw: string | null = null;
  for (const [ns, name] of DATE_ELEMENTS) {
    const raw = lineText(child(item, ns, name));
    if (raw === null) continue;
    firstRaw ??= raw;
    const parsed = parseDate(raw);
    if (parsed !== null) return { publishedAt: parsed, rawDate: raw };
  }
  if (firstRaw !== null) warnItem(context, label, `unreadable date "${firstRaw.slice(0, 60)}"`);
  return { publishedAt: null, rawDate: firstRaw };
}

function readDescription(item: XmlNode): string | null {
  return (
    innerMarkup(child(item, 'content', 'encoded')) ??
    innerMarkup(child(item, CORE, 'description')) ??
    innerMarkup(atomText(child(item, 'atom', 'content'))) ??
    innerMarkup(atomText(child(item, 'atom', 'summary'))) ??
    innerMarkup(child(item, 'itunes', 'summary'))
  );
}

/** Atom text constructs: type="xhtml" content is wrapped in one xhtml div that is not part of it; src= content is elsewhere. */
export function atomText(node: XmlNode | undefined): XmlNode | undefined {
  if (node === undefined || attr(node, 'src') !== null) return undefined;
  if (attr(node, 'type') !== 'xhtml') return node;
  const divs = elements(node);
  return divs.length === 1 && divs[0]!.name === 'div' ? divs[0] : node;
}

function readImage(item: XmlNode): string | null {
  const itunes = child(item, 'itunes', 'image');
  if (itunes !== undefined) {
    const url = resolveUrl(attr(itunes, 'href') ?? attr(itunes, 'url') ?? textContent(itunes), itunes.base);
    if (url !== null) return url;
  }
  const thumbnail = child(item, 'media', 'thumbnail');
  return resolveUrl(attr(thumbnail, 'url'), thumbnail?.base ?? null);
}

export function largest(images: Array<{ url: string; width: number | null }>): string | null {
  let best: { url: string; width: number | null } | null = null;
  for (const image of images) if (best === null || (image.width ?? 0) > (best.width ?? 0)) best = image;
  return best?.url ?? null;
}

/** Deterministic identifier for an item without guid, enclosure or link. */
function fallbackHash(title: string | null, date: string | null, item: XmlNode): string {
  // Without title and date, the description is all that tells two such items apart.
  const material = title === null && date === null ? (readDescription(item) ?? '') : `${title ?? ''}\n${date ?? ''}`;
  return `sha256:${createHash('sha256').update(material).digest('hex')}`;
}
