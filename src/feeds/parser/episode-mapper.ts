/**
 * Maps one item (RSS `<item>`, Atom `<entry>`, RDF `<item>`, `podcast:liveItem`) to an Episode.
 * The same code reads all three formats: RSS core elements have no namespace, Atom's are in the
 * Atom namespace, and the extension namespaces (itunes, podcast, content, dc, media) are shared.
 */

import { createHash } from 'node:crypto';
import { parseDate } from './dates.js';
import { parseDuration } from './duration.js';
import {
  ALTERNATE_ENCLOSURES,
  ATOM_AUTHOR,
  ATOM_CONTENT,
  ATOM_ID,
  ATOM_ISSUED,
  ATOM_MODIFIED,
  ATOM_NAME,
  ATOM_PUBLISHED,
  ATOM_SUMMARY,
  ATOM_TITLE,
  ATOM_UPDATED,
  AUTHOR,
  CHAPTERS,
  CONTENT_ENCODED,
  CONTENT_LINKS,
  DC_CREATOR,
  DC_DATE,
  DC_TITLE,
  DESCRIPTION,
  ENC_ENCLOSURE,
  ENCLOSURES,
  GOOGLEPLAY_EXPLICIT,
  GUID,
  IMAGES,
  ITUNES_AUTHOR,
  ITUNES_BLOCK,
  ITUNES_DURATION,
  ITUNES_EPISODE,
  ITUNES_EPISODE_TYPE,
  ITUNES_EXPLICIT,
  ITUNES_IMAGE,
  ITUNES_KEYWORDS,
  ITUNES_SEASON,
  ITUNES_SUBTITLE,
  ITUNES_SUMMARY,
  ITUNES_TITLE,
  LICENSES,
  LINKS,
  LIVE_VALUES,
  LOCATIONS,
  MEDIA_CONTENTS,
  MEDIA_GROUP,
  MEDIA_THUMBNAIL,
  PERSONS,
  PODCAST_CHAT,
  PODCAST_EPISODE,
  PODCAST_SEASON,
  PUB_DATE,
  SOCIAL_INTERACTS,
  SOUNDBITES,
  TITLE,
  TRANSCRIPTS,
  VALUES,
  every,
  gatherItemChildren,
  one,
  type ItemChildren,
} from './item-children.js';
import type { Enclosure, Episode, EpisodeType, ImageCandidate, LiveItem, LiveStatus } from './model.js';
import {
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
import { attr, child, children, elements, innerMarkup, lineText, textContent, type XmlNode } from './xml-node.js';

export interface MappingContext {
  warn(message: string): void;
}

const EPISODE_TYPES = new Set<EpisodeType>(['full', 'trailer', 'bonus']);
const LIVE_STATUSES = new Set<LiveStatus>(['pending', 'live', 'ended']);

/**
 * A module-level function rather than a closure per item: the tsx loader compiles with esbuild's
 * keepNames, which wraps every named closure in a defineProperty call, slow in a per-item path.
 */
function warnItem(context: MappingContext, label: string, message: string): void {
  context.warn(`item "${label}": ${message}`);
}

/** Each element of the list mapped, the unusable ones (null) dropped. */
function mapAll<T>(nodes: readonly XmlNode[] | null, parse: (node: XmlNode) => T | null): T[] {
  const mapped: T[] = [];
  if (nodes === null) return mapped;
  for (let index = 0; index < nodes.length; index++) {
    const parsed = parse(nodes[index]!);
    if (parsed !== null) mapped.push(parsed);
  }
  return mapped;
}

/** The first usable element of the list, mapped; null when there is none. */
function mapFirst<T>(nodes: readonly XmlNode[] | null, parse: (node: XmlNode) => T | null): T | null {
  if (nodes === null) return null;
  for (let index = 0; index < nodes.length; index++) {
    const parsed = parse(nodes[index]!);
    if (parsed !== null) return parsed;
  }
  return null;
}

export function mapEpisode(item: XmlNode, context: MappingContext): Episode {
  return episodeFrom(item, gatherItemChildren(item), context);
}

function episodeFrom(item: XmlNode, found: ItemChildren, context: MappingContext): Episode {
  const title = lineText(one(found, TITLE) ?? one(found, ATOM_TITLE)) ?? lineText(one(found, ITUNES_TITLE)) ?? lineText(one(found, DC_TITLE));
  const identifier = readIdentifier(item, found);
  const label = identifier ?? title ?? 'untitled item';

  const { link, rawLink } = readLink(found, identifier);
  const enclosure = readEnclosure(found);
  const { publishedAt, rawDate } = readPublished(found, context, label);

  const durationNode = one(found, ITUNES_DURATION);
  const rawDuration = durationNode === undefined ? null : textContent(durationNode).trim();
  let durationSeconds = parseDuration(rawDuration);
  if (durationSeconds === null && rawDuration) warnItem(context, label, `unreadable itunes:duration "${rawDuration.slice(0, 40)}"`);
  durationSeconds ??= parseDuration(attr(mediaContent(found), 'duration'));

  const podcastSeason = one(found, PODCAST_SEASON);
  const podcastEpisode = one(found, PODCAST_EPISODE);
  const episodeType = lineText(one(found, ITUNES_EPISODE_TYPE))?.toLowerCase() as EpisodeType | undefined;
  const images = readImages(every(found, IMAGES));

  let guid = identifier;
  let guidIsFallback = false;
  if (guid === null) {
    guidIsFallback = true;
    // URLs as written, not resolved: the GUID must not change if the feed is fetched from another URL.
    guid = enclosure?.rawUrl ?? rawLink ?? fallbackHash(title, publishedAt ?? rawDate, found);
  }

  return {
    guid,
    guidIsFallback,
    title,
    subtitle: lineText(one(found, ITUNES_SUBTITLE)),
    description: readDescription(found),
    link,
    publishedAt,
    author:
      lineText(one(found, ITUNES_AUTHOR)) ??
      lineText(one(found, AUTHOR)) ??
      lineText(one(found, DC_CREATOR)) ??
      lineText(atomAuthorName(found)),
    enclosure: enclosure === null ? null : enclosure.enclosure,
    durationSeconds,
    imageUrl: readImage(found) ?? largest(images),
    explicit: parseExplicit(lineText(one(found, ITUNES_EXPLICIT)) ?? lineText(one(found, GOOGLEPLAY_EXPLICIT))),
    season: parseInteger(lineText(one(found, ITUNES_SEASON))) ?? parseInteger(lineText(podcastSeason)),
    seasonName: attr(podcastSeason, 'name'),
    episode: parseInteger(lineText(one(found, ITUNES_EPISODE))) ?? parseNumber(lineText(podcastEpisode)),
    episodeDisplay: attr(podcastEpisode, 'display'),
    episodeType: episodeType !== undefined && EPISODE_TYPES.has(episodeType) ? episodeType : null,
    block: isYes(lineText(one(found, ITUNES_BLOCK))),
    keywords: splitKeywords(lineText(one(found, ITUNES_KEYWORDS))),
    transcripts: mapAll(every(found, TRANSCRIPTS), parseTranscript),
    chapters: mapFirst(every(found, CHAPTERS), parseChapters),
    persons: mapAll(every(found, PERSONS), parsePerson),
    alternateEnclosures: mapAll(every(found, ALTERNATE_ENCLOSURES), parseAlternateEnclosure),
    value: mapAll(every(found, VALUES), parseValue),
    socialInteract: mapAll(every(found, SOCIAL_INTERACTS), parseSocialInteract),
    soundbites: mapAll(every(found, SOUNDBITES), parseSoundbite),
    location: mapFirst(every(found, LOCATIONS), parseLocation),
    license: mapFirst(every(found, LICENSES), parseLicense),
    images,
  };
}

/** Every podcast:images candidate, in document order. */
function readImages(nodes: readonly XmlNode[] | null): ImageCandidate[] {
  if (nodes === null) return [];
  const images: ImageCandidate[] = [];
  for (let index = 0; index < nodes.length; index++) images.push(...parseImages(nodes[index]!));
  return images;
}

export function mapLiveItem(item: XmlNode, context: MappingContext): LiveItem {
  const found = gatherItemChildren(item);
  const episode = episodeFrom(item, found, context);
  const status = attr(item, 'status')?.toLowerCase() as LiveStatus | undefined;
  const chat = one(found, PODCAST_CHAT);
  return {
    ...episode,
    status: status !== undefined && LIVE_STATUSES.has(status) ? status : null,
    startsAt: liveTime(item, 'start', episode.guid, context),
    endsAt: liveTime(item, 'end', episode.guid, context),
    contentLinks: mapAll(every(found, CONTENT_LINKS), parseContentLink),
    chat: chat === undefined ? null : parseChat(chat),
    liveValue: mapFirst(every(found, LIVE_VALUES), parseLiveValue),
  };
}

function liveTime(item: XmlNode, name: 'start' | 'end', guid: string, context: MappingContext): string | null {
  const raw = attr(item, name);
  const parsed = parseDate(raw);
  if (raw !== null && parsed === null) context.warn(`liveItem "${guid}": unreadable ${name} "${raw.slice(0, 40)}"`);
  return parsed;
}

/** RSS guid, Atom id, or RDF rdf:about: the publisher's identifier, trimmed; null when absent. */
function readIdentifier(item: XmlNode, found: ItemChildren): string | null {
  const node = one(found, GUID) ?? one(found, ATOM_ID);
  const text = node === undefined ? '' : textContent(node).trim();
  if (text !== '') return text;
  return attr(item, 'rdf:about');
}

const NO_LINKS: readonly XmlNode[] = [];

function readLink(found: ItemChildren, identifier: string | null): { link: string | null; rawLink: string | null } {
  let alternate: XmlNode | undefined;
  const links = every(found, LINKS) ?? NO_LINKS;
  for (let index = 0; index < links.length; index++) {
    const node = links[index]!;
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
  const guid = one(found, GUID);
  if (identifier !== null && guid !== undefined && attr(guid, 'ispermalink')?.toLowerCase() !== 'false' && /^https?:\/\//i.test(identifier)) {
    return { link: identifier, rawLink: identifier };
  }
  return { link: null, rawLink: null };
}

function readEnclosure(found: ItemChildren): { enclosure: Enclosure; rawUrl: string } | null {
  const enclosures = every(found, ENCLOSURES) ?? NO_LINKS;
  for (let index = 0; index < enclosures.length; index++) {
    const node = enclosures[index]!;
    const result = enclosureFrom(node, attr(node, 'url'), attr(node, 'type'), attr(node, 'length'));
    if (result !== null) return result;
  }
  const links = every(found, LINKS) ?? NO_LINKS;
  for (let index = 0; index < links.length; index++) {
    const node = links[index]!;
    if (node.ns !== 'atom' || attr(node, 'rel') !== 'enclosure') continue;
    const result = enclosureFrom(node, attr(node, 'href'), attr(node, 'type'), attr(node, 'length'));
    if (result !== null) return result;
  }
  const rdf = one(found, ENC_ENCLOSURE);
  if (rdf !== undefined) {
    const result = enclosureFrom(rdf, attr(rdf, 'rdf:resource') ?? attr(rdf, 'url'), attr(rdf, 'enc:type') ?? attr(rdf, 'type'), attr(rdf, 'enc:length') ?? attr(rdf, 'length'));
    if (result !== null) return result;
  }
  const media = mediaContent(found);
  if (media !== undefined) return enclosureFrom(media, attr(media, 'url'), attr(media, 'type'), attr(media, 'filesize'));
  return null;
}

function enclosureFrom(node: XmlNode, url: string | null, type: string | null, length: string | null): { enclosure: Enclosure; rawUrl: string } | null {
  const resolved = resolveUrl(url, node.base);
  if (url === null || resolved === null) return null;
  return { enclosure: { url: resolved, type, length: parseByteLength(length) }, rawUrl: url };
}

/** The first audio or video media:content (directly or in a media:group). */
function mediaContent(found: ItemChildren): XmlNode | undefined {
  // The item's own come first, then those of its media:group.
  const direct = firstPlayable(every(found, MEDIA_CONTENTS) ?? NO_LINKS);
  if (direct !== undefined) return direct;
  const group = one(found, MEDIA_GROUP);
  return group === undefined ? undefined : firstPlayable(children(group, 'media', 'content'));
}

function firstPlayable(contents: readonly XmlNode[]): XmlNode | undefined {
  for (let index = 0; index < contents.length; index++) {
    const node = contents[index]!;
    const kind = attr(node, 'medium') ?? attr(node, 'type')?.split('/')[0] ?? '';
    if (attr(node, 'url') !== null && (kind === 'audio' || kind === 'video')) return node;
  }
  return undefined;
}

function readPublished(found: ItemChildren, context: MappingContext, label: string): { publishedAt: string | null; rawDate: string | null } {
  // The rule of firstDate() (dates.ts), without building its list: the first that parses, else
  // the first written; in order of preference pubDate, dc:date, then Atom's.
  let firstRaw: string | null = null;
  for (let index = 0; index < DATE_SLOTS.length; index++) {
    const raw = lineText(one(found, DATE_SLOTS[index]!));
    if (raw === null) continue;
    firstRaw ??= raw;
    const parsed = parseDate(raw);
    if (parsed !== null) return { publishedAt: parsed, rawDate: raw };
  }
  if (firstRaw !== null) warnItem(context, label, `unreadable date "${firstRaw.slice(0, 60)}"`);
  return { publishedAt: null, rawDate: firstRaw };
}

/** The dates an item may carry, in order of preference. */
const DATE_SLOTS: readonly number[] = [PUB_DATE, DC_DATE, ATOM_PUBLISHED, ATOM_UPDATED, ATOM_ISSUED, ATOM_MODIFIED];

/** Atom's author name: in atom:author, or (when there is no atom:author) directly in the item. */
function atomAuthorName(found: ItemChildren): XmlNode | undefined {
  const author = one(found, ATOM_AUTHOR);
  return author === undefined ? one(found, ATOM_NAME) : child(author, 'atom', 'name');
}

function readDescription(found: ItemChildren): string | null {
  return (
    innerMarkup(one(found, CONTENT_ENCODED)) ??
    innerMarkup(one(found, DESCRIPTION)) ??
    innerMarkup(atomText(one(found, ATOM_CONTENT))) ??
    innerMarkup(atomText(one(found, ATOM_SUMMARY))) ??
    innerMarkup(one(found, ITUNES_SUMMARY))
  );
}

/** Atom text constructs: type="xhtml" content is wrapped in one xhtml div that is not part of it; src= content is elsewhere. */
export function atomText(node: XmlNode | undefined): XmlNode | undefined {
  if (node === undefined || attr(node, 'src') !== null) return undefined;
  if (attr(node, 'type') !== 'xhtml') return node;
  const divs = elements(node);
  return divs.length === 1 && divs[0]!.name === 'div' ? divs[0] : node;
}

function readImage(found: ItemChildren): string | null {
  const itunes = one(found, ITUNES_IMAGE);
  if (itunes !== undefined) {
    const url = resolveUrl(attr(itunes, 'href') ?? attr(itunes, 'url') ?? textContent(itunes), itunes.base);
    if (url !== null) return url;
  }
  const thumbnail = one(found, MEDIA_THUMBNAIL);
  return resolveUrl(attr(thumbnail, 'url'), thumbnail?.base ?? null);
}

export function largest(images: Array<{ url: string; width: number | null }>): string | null {
  let best: { url: string; width: number | null } | null = null;
  for (const image of images) if (best === null || (image.width ?? 0) > (best.width ?? 0)) best = image;
  return best?.url ?? null;
}

/** Deterministic identifier for an item without guid, enclosure or link. */
function fallbackHash(title: string | null, date: string | null, found: ItemChildren): string {
  // Without title and date, the description is all that tells two such items apart.
  const material = title === null && date === null ? (readDescription(found) ?? '') : `${title ?? ''}\n${date ?? ''}`;
  return `sha256:${createHash('sha256').update(material).digest('hex')}`;
}
