/**
 * The children of one item that the episode mapping reads, gathered in one pass over the item:
 * the first element of each (namespace, name) pair it uses, and the repeatable ones in document
 * order. Looking each of them up by name instead (~50 lookups per item, through an index built
 * per item) was a good part of the mapping's cost.
 *
 * Each element name gets its slot number once, when the document builder first meets the name
 * (`itemSlot`, cached with the name): the pass over an item is then an array store per child. A
 * `switch` over the names compiled so slowly (V8 optimizes in the background while the code runs
 * unoptimized) that a fresh process parsed most of a 20 MB feed before it was optimized.
 *
 * "First" matters: the mappers read the first `<title>` even when it is empty and a later one is
 * not, exactly as `child()` (xml-node.ts) does for the channel.
 */

import { CORE } from './namespaces.js';
import type { XmlNode } from './xml-node.js';

/** Slot numbers: 0 for elements the mapping does not read, then single ones, then repeatable ones. */
export const NO_SLOT = 0;
// Core RSS (no namespace, RSS 1.0) and Atom.
export const TITLE = 1;
export const ATOM_TITLE = 2;
export const GUID = 3;
export const ATOM_ID = 4;
export const DESCRIPTION = 5;
export const AUTHOR = 6;
export const PUB_DATE = 7;
export const ATOM_PUBLISHED = 8;
export const ATOM_UPDATED = 9;
export const ATOM_ISSUED = 10;
export const ATOM_MODIFIED = 11;
export const ATOM_CONTENT = 12;
export const ATOM_SUMMARY = 13;
export const ATOM_AUTHOR = 14;
export const ATOM_NAME = 15;
// iTunes.
export const ITUNES_TITLE = 16;
export const ITUNES_SUBTITLE = 17;
export const ITUNES_SUMMARY = 18;
export const ITUNES_AUTHOR = 19;
export const ITUNES_DURATION = 20;
export const ITUNES_IMAGE = 21;
export const ITUNES_EXPLICIT = 22;
export const ITUNES_SEASON = 23;
export const ITUNES_EPISODE = 24;
export const ITUNES_EPISODE_TYPE = 25;
export const ITUNES_BLOCK = 26;
export const ITUNES_KEYWORDS = 27;
// Other namespaces.
export const DC_TITLE = 28;
export const DC_CREATOR = 29;
export const DC_DATE = 30;
export const CONTENT_ENCODED = 31;
export const GOOGLEPLAY_EXPLICIT = 32;
export const ENC_ENCLOSURE = 33;
export const MEDIA_GROUP = 34;
export const MEDIA_THUMBNAIL = 35;
export const PODCAST_SEASON = 36;
export const PODCAST_EPISODE = 37;
export const PODCAST_CHAT = 38;
const SINGLE_SLOTS = 39;
// Repeatable: every one is kept, in document order.
/** `link` in the core or the Atom namespace (one list: the order between them matters). */
export const LINKS = 39;
/** Core `enclosure`. */
export const ENCLOSURES = 40;
/** `media:content` directly in the item. */
export const MEDIA_CONTENTS = 41;
export const IMAGES = 42;
export const TRANSCRIPTS = 43;
export const CHAPTERS = 44;
export const PERSONS = 45;
export const ALTERNATE_ENCLOSURES = 46;
export const VALUES = 47;
export const SOCIAL_INTERACTS = 48;
export const SOUNDBITES = 49;
export const LOCATIONS = 50;
export const LICENSES = 51;
export const CONTENT_LINKS = 52;
export const LIVE_VALUES = 53;
const SLOTS = 54;

const SLOT_NAMES: Record<string, number> = {
  [`${CORE} title`]: TITLE,
  'atom title': ATOM_TITLE,
  [`${CORE} guid`]: GUID,
  'atom id': ATOM_ID,
  [`${CORE} description`]: DESCRIPTION,
  [`${CORE} author`]: AUTHOR,
  [`${CORE} pubdate`]: PUB_DATE,
  'atom published': ATOM_PUBLISHED,
  'atom updated': ATOM_UPDATED,
  'atom issued': ATOM_ISSUED,
  'atom modified': ATOM_MODIFIED,
  'atom content': ATOM_CONTENT,
  'atom summary': ATOM_SUMMARY,
  'atom author': ATOM_AUTHOR,
  'atom name': ATOM_NAME,
  'itunes title': ITUNES_TITLE,
  'itunes subtitle': ITUNES_SUBTITLE,
  'itunes summary': ITUNES_SUMMARY,
  'itunes author': ITUNES_AUTHOR,
  'itunes duration': ITUNES_DURATION,
  'itunes image': ITUNES_IMAGE,
  'itunes explicit': ITUNES_EXPLICIT,
  'itunes season': ITUNES_SEASON,
  'itunes episode': ITUNES_EPISODE,
  'itunes episodetype': ITUNES_EPISODE_TYPE,
  'itunes block': ITUNES_BLOCK,
  'itunes keywords': ITUNES_KEYWORDS,
  'dc title': DC_TITLE,
  'dc creator': DC_CREATOR,
  'dc date': DC_DATE,
  'content encoded': CONTENT_ENCODED,
  'googleplay explicit': GOOGLEPLAY_EXPLICIT,
  'enc enclosure': ENC_ENCLOSURE,
  'media group': MEDIA_GROUP,
  'media thumbnail': MEDIA_THUMBNAIL,
  'podcast season': PODCAST_SEASON,
  'podcast episode': PODCAST_EPISODE,
  'podcast chat': PODCAST_CHAT,
  [`${CORE} link`]: LINKS,
  'atom link': LINKS,
  [`${CORE} enclosure`]: ENCLOSURES,
  'media content': MEDIA_CONTENTS,
  'podcast images': IMAGES,
  'podcast transcript': TRANSCRIPTS,
  'podcast chapters': CHAPTERS,
  'podcast person': PERSONS,
  'podcast alternateenclosure': ALTERNATE_ENCLOSURES,
  'podcast value': VALUES,
  'podcast socialinteract': SOCIAL_INTERACTS,
  'podcast soundbite': SOUNDBITES,
  'podcast location': LOCATIONS,
  'podcast license': LICENSES,
  'podcast contentlink': CONTENT_LINKS,
  'podcast livevalue': LIVE_VALUES,
};

/** The slot of an element with this namespace key and lower-cased local name (NO_SLOT when unread). */
export function itemSlot(ns: string, name: string): number {
  return Object.hasOwn(SLOT_NAMES, `${ns} ${name}`) ? SLOT_NAMES[`${ns} ${name}`]! : NO_SLOT;
}

/**
 * What one item holds, by slot: `[slot]` is the first such element (single slots) or all of them
 * in document order (repeatable slots); undefined when the item has none.
 */
export type ItemChildren = Array<XmlNode | XmlNode[] | undefined>;

export function gatherItemChildren(item: XmlNode): ItemChildren {
  const found: ItemChildren = new Array<XmlNode | XmlNode[] | undefined>(SLOTS).fill(undefined);
  const content = item.content;
  for (let index = 0; index < content.length; index++) {
    const node = content[index]!;
    if (typeof node === 'string' || node.slot === NO_SLOT) continue;
    const slot = node.slot;
    const present = found[slot];
    if (slot < SINGLE_SLOTS) {
      if (present === undefined) found[slot] = node;
    } else if (present === undefined) {
      found[slot] = [node];
    } else {
      (present as XmlNode[]).push(node);
    }
  }
  return found;
}

/**
 * What a single slot holds (`found[TITLE] as Single`), and a repeatable one. Read by indexing,
 * not through accessor functions: the mapping runs unoptimized for the first thousand items or
 * so of a process, where each call costs (~45 per item).
 */
export type Single = XmlNode | undefined;
export type Repeated = XmlNode[] | undefined;
