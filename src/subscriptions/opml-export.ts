/**
 * Writes a subscription list as OPML 2.0 (http://opml.org/spec2.opml), the format every podcast
 * app imports. Feeds with categories are written inside nested folder outlines (the categories
 * are the folder path, outermost first: what parseOpml reads back); one folder per path, placed
 * where its first feed is, so feeds keep their order within a folder.
 *
 * Text is written as given, escaped: XML 1.0 cannot hold most control characters (even as
 * references) nor unpaired surrogates, so those are removed; tabs and line breaks in attributes
 * are written as references, or an XML parser would turn them into spaces.
 */

import { collapseWhitespace, type OpmlExportFeed, type OpmlExportInput } from './opml-model.js';

export const OPML_DOCS_URL = 'http://opml.org/spec2.opml';

interface Folder {
  name: string;
  items: Array<Folder | OpmlExportFeed>;
  folders: Map<string, Folder>;
}

export function exportOpml(input: OpmlExportInput): string {
  if (!(input.createdAt instanceof Date) || Number.isNaN(input.createdAt.getTime())) throw new RangeError('createdAt must be a valid Date');
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<opml version="2.0">', '  <head>'];
  lines.push(`    <title>${escapeText(input.title)}</title>`);
  // toUTCString is the RFC 822 form (with a four-digit year, as RFC 1123 amends it).
  lines.push(`    <dateCreated>${input.createdAt.toUTCString()}</dateCreated>`);
  if (input.ownerName !== undefined && collapseWhitespace(removeForbidden(input.ownerName)) !== '') {
    lines.push(`    <ownerName>${escapeText(input.ownerName)}</ownerName>`);
  }
  lines.push(`    <docs>${OPML_DOCS_URL}</docs>`, '  </head>', '  <body>');
  writeItems(lines, groupByFolder(input.feeds).items, 2);
  lines.push('  </body>', '</opml>', '');
  return lines.join('\n');
}

function groupByFolder(feeds: readonly OpmlExportFeed[]): Folder {
  const root: Folder = { name: '', items: [], folders: new Map() };
  for (const feed of feeds) {
    let folder = root;
    for (const name of folderPath(feed.categories ?? [])) {
      let child = folder.folders.get(name);
      if (child === undefined) {
        child = { name, items: [], folders: new Map() };
        folder.folders.set(name, child);
        folder.items.push(child);
      }
      folder = child;
    }
    folder.items.push(feed);
  }
  return root;
}

/** Categories as parseOpml returns them: single-line, non-empty, each once. */
function folderPath(categories: readonly string[]): string[] {
  const names = categories.map((category) => collapseWhitespace(removeForbidden(category))).filter((name) => name !== '');
  return [...new Set(names)];
}

function writeItems(lines: string[], items: ReadonlyArray<Folder | OpmlExportFeed>, level: number): void {
  const indent = '  '.repeat(level);
  for (const item of items) {
    if ('folders' in item) {
      lines.push(`${indent}<outline text="${escapeAttribute(item.name)}">`);
      writeItems(lines, item.items, level + 1);
      lines.push(`${indent}</outline>`);
      continue;
    }
    const title = item.title !== undefined && collapseWhitespace(removeForbidden(item.title)) !== '' ? item.title : undefined;
    let attributes = `type="rss" text="${escapeAttribute(title ?? item.url)}"`;
    if (title !== undefined) attributes += ` title="${escapeAttribute(title)}"`;
    attributes += ` xmlUrl="${escapeAttribute(item.url)}"`;
    if (item.htmlUrl !== undefined && item.htmlUrl.trim() !== '') attributes += ` htmlUrl="${escapeAttribute(item.htmlUrl)}"`;
    lines.push(`${indent}<outline ${attributes}/>`);
  }
}

/** Characters XML 1.0 does not allow anywhere: C0 controls but tab and line breaks, U+FFFE/U+FFFF, lone surrogates. */
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function removeForbidden(text: string): string {
  return text.replace(FORBIDDEN, '');
}

const ATTRIBUTE_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;', '\r': '&#13;' };

function escapeAttribute(text: string): string {
  return removeForbidden(text).replace(/[&<>"\t\n\r]/g, (character) => ATTRIBUTE_ESCAPES[character]!);
}

function escapeText(text: string): string {
  // \r would be read back as \n (line-end normalization): keep it as a reference.
  return removeForbidden(text).replace(/[&<>\r]/g, (character) => ATTRIBUTE_ESCAPES[character]!);
}
