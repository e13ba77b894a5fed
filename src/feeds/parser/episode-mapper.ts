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
  gatherItemChildren,
  type ItemChildren,
  type Repeated,
  type Single,
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
function mapAll<T>(nodes: readonly XmlNode[] | undefined, parse: (node: XmlNode) => T | null): T[] {
  const mapped: T[] = [];
  if (nodes === undefined) return mapped;
  for (let index = 0; index < nodes.length; index++) {
    const parsed = parse(nodes[index]!);
    if (parsed !== null) mapped.push(parsed);
  }
  return mapped;
}

/** The first usable element of the list, mapped; null when there is none. */
function mapFirst<T>(nodes: readonly XmlNode[] | undefined, parse: (node: XmlNode) => T | null): T | null {
  if (nodes === undefined) return null;
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
  const title = lineText((found[TITLE] as Single) ?? (found[ATOM_TITLE] as Single)) ?? lineText(found[ITUNES_TITLE] as Single) ?? lineText(found[DC_TITLE] as Single);
  const identifier = readIdentifier(item, found);
  const label = identifier ?? title ?? 'untitled item';

  const { link, rawLink } = readLink(found, identifier);
  const enclosure = readEnclosure(found);
  const { publishedAt, rawDate } = readPublished(found, context, label);

  const durationNode = found[ITUNES_DURATION] as Single;
  const rawDuration = durationNode === undefined ? null : textContent(durationNode).trim();
  let durationSeconds = parseDuration(rawDuration);
  if (durationSeconds === null && rawDuration) warnItem(context, label, `unreadable itunes:duration "${rawDuration.slice(0, 40)}"`);
  durationSeconds ??= parseDuration(attr(mediaContent(found), 'duration'));

  const podcastSeason = found[PODCAST_SEASON] as Single;
  const podcastEpisode = found[PODCAST_EPISODE] as Single;
  const episodeType = lineText(found[ITUNES_EPISODE_TYPE] as Single)?.toLowerCase() as EpisodeType | undefined;
  const images = readImages(found[IMAGES] as Repeated);

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
    subtitle: lineText(found[ITUNES_SUBTITLE] as Single),
    description: readDescription(found),
    link,
    publishedAt,
    author:
      lineText(found[ITUNES_AUTHOR] as Single) ??
      lineText(found[AUTHOR] as Single) ??
      lineText(found[DC_CREATOR] as Single) ??
      lineText(atomAuthorName(found)),
    enclosure: enclosure === null ? null : enclosure.enclosure,
    durationSeconds,
    imageUrl: readImage(found) ?? largest(images),
    explicit: parseExplicit(lineText(found[ITUNES_EXPLICIT] as Single) ?? lineText(found[GOOGLEPLAY_EXPLICIT] as Single)),
    season: parseInteger(lineText(found[ITUNES_SEASON] as Single)) ?? parseInteger(lineText(podcastSeason)),
    seasonName: attr(podcastSeason, 'name'),
    episode: parseInteger(lineText(found[ITUNES_EPISODE] as Single)) ?? parseNumber(lineText(podcastEpisode)),
    episodeDisplay: attr(podcastEpisode, 'display'),
    episodeType: episodeType !== undefined && EPISODE_TYPES.has(episodeType) ? episodeType : null,
    block: isYes(lineText(found[ITUNES_BLOCK] as Single)),
    keywords: splitKeywords(lineText(found[ITUNES_KEYWORDS] as Single)),
    transcripts: mapAll(found[TRANSCRIPTS] as Repeated, parseTranscript),
    chapters: mapFirst(found[CHAPTERS] as Repeated, parseChapters),
    persons: mapAll(found[PERSONS] as Repeated, parsePerson),
    alternateEnclosures: mapAll(found[ALTERNATE_ENCLOSURES] as Repeated, parseAlternateEnclosure),
    value: mapAll(found[VALUES] as Repeated, parseValue),
    socialInteract: mapAll(found[SOCIAL_INTERACTS] as Repeated, parseSocialInteract),
    soundbites: mapAll(found[SOUNDBITES] as Repeated, parseSoundbite),
    location: mapFirst(found[LOCATIONS] as Repeated, parseLocation),
    license: mapFirst(found[LICENSES] as Repeated, parseLicense),
    images,
  };
}

/** Every podcast:images candidate, in document order. */
function readImages(nodes: readonly XmlNode[] | undefined): ImageCandidate[] {
  if (nodes === undefined) return [];
  const images: ImageCandidate[] = [];
  for (let index = 0; index < nodes.length; index++) images.push(...parseImages(nodes[index]!));
  return images;
}

export function mapLiveItem(item: XmlNode, context: MappingContext): LiveItem {
  const found = gatherItemChildren(item);
  const episode = episodeFrom(item, found, context);
  const status = attr(item, 'status')?.toLowerCase() as LiveStatus | undefined;
  const chat = found[PODCAST_CHAT] as Single;
  return {
    ...episode,
    status: status !== undefined && LIVE_STATUSES.has(status) ? status : null,
    startsAt: liveTime(item, 'start', episode.guid, context),
    endsAt: liveTime(item, 'end', episode.guid, context),
    contentLinks: mapAll(found[CONTENT_LINKS] as Repeated, parseContentLink),
    chat: chat === undefined ? null : parseChat(chat),
    liveValue: mapFirst(found[LIVE_VALUES] as Repeated, parseLiveValue),
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
  const node = (found[GUID] as Single) ?? (found[ATOM_ID] as Single);
  const text = node === undefined ? '' : textContent(node).trim();
  if (text !== '') return text;
  return attr(item, 'rdf:about');
}

const NO_LINKS: readonly XmlNode[] = [];

function readLink(found: ItemChildren, identifier: string | null): { link: string | null; rawLink: string | null } {
  let alternate: XmlNode | undefined;
  const links = (found[LINKS] as Repeated) ?? NO_LINKS;
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
  const guid = found[GUID] as Single;
  if (identifier !== null && guid !== undefined && attr(guid, 'ispermalink')?.toLowerCase() !== 'false' && /^https?:\/\//i.test(identifier)) {
    return { link: identifier, rawLink: identifier };
  }
  return { link: null, rawLink: null };
}

function readEnclosure(found: ItemChildren): { enclosure: Enclosure; rawUrl: string } | null {
  const enclosures = (found[ENCLOSURES] as Repeated) ?? NO_LINKS;
  for (let index = 0; index < enclosures.length; index++) {
    const node = enclosures[index]!;
    const result = enclosureFrom(node, attr(node, 'url'), attr(node, 'type'), attr(node, 'length'));
    if (result !== null) return result;
  }
  const links = (found[LINKS] as Repeated) ?? NO_LINKS;
  for (let index = 0; index < links.length; index++) {
    const node = links[index]!;
    if (node.ns !== 'atom' || attr(node, 'rel') !== 'enclosure') continue;
    const result = enclosureFrom(node, attr(node, 'href'), attr(node, 'type'), attr(node, 'length'));
    if (result !== null) return result;
  }
  const rdf = found[ENC_ENCLOSURE] as Single;
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
  const direct = firstPlayable((found[MEDIA_CONTENTS] as Repeated) ?? NO_LINKS);
  if (direct !== undefined) return direct;
  const group = found[MEDIA_GROUP] as Single;
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
    const raw = lineText(found[DATE_SLOTS[index]!] as Single);
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
  const author = found[ATOM_AUTHOR] as Single;
  return author === undefined ? (found[ATOM_NAME] as Single) : child(author, 'atom', 'name');
}

function readDescription(found: ItemChildren): string | null {
  return (
    innerMarkup(found[CONTENT_ENCODED] as Single) ??
    innerMarkup(found[DESCRIPTION] as Single) ??
    innerMarkup(atomText(found[ATOM_CONTENT] as Single)) ??
    innerMarkup(atomText(found[ATOM_SUMMARY] as Single)) ??
    innerMarkup(found[ITUNES_SUMMARY] as Single)
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
  const itunes = found[ITUNES_IMAGE] as Single;
  if (itunes !== undefined) {
    const url = resolveUrl(attr(itunes, 'href') ?? attr(itunes, 'url') ?? textContent(itunes), itunes.base);
    if (url !== null) return url;
  }
  const thumbnail = found[MEDIA_THUMBNAIL] as Single;
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
