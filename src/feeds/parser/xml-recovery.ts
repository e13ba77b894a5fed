/**
 * Two recoveries the XML parser does not offer.
 *
 * A closing tag that matches no open element: saxes 6 answers `</b>` without an open `<b>` by
 * popping *every* open element up to the root, reporting each as closed. One stray `</p>` in an
 * unescaped description would then close the item, the channel and the document, and every later
 * item would be lost. Browsers (and this patch) ignore such a tag instead. Tags that do match an
 * open element still close the ones opened after it, which is the right recovery for unclosed
 * `<br>` or `<p>` inside a description.
 *
 * HTML's named references (`&nbsp;`, `&eacute;`: entities.ts), which feeds and OPML files use as
 * if XML knew them: read after the parser's own entities (the predefined ones and a DOCTYPE's),
 * which keep precedence. They are not copied into the parser's entity table: hundreds of names
 * would turn that object into a dictionary, and make every lookup in it slower, the five
 * predefined entities' included (saxes-fast-scan.ts reads those at every reference).
 *
 * This relies on private methods of saxes, hence the runtime checks: if a future version changes
 * them, the patches are skipped (the parse still works, with the old behaviour), and the tests
 * that cover stray closing tags and HTML entities fail loudly.
 */

import { SaxesParser, type SaxesOptions } from 'saxes';
import { HTML_ENTITIES } from './entities.js';
import { ScanningSaxesParser } from './saxes-fast-scan.js';

interface SaxesInternals {
  name: string;
  tags: Array<{ name: string }>;
  text: string;
  ENTITIES: Record<string, string>;
  closeTag(): void;
  parseEntity(entity: string): string;
}

/**
 * The patch lives on a subclass's prototype, not on each parser object: an own property added
 * to a parser object pushed it into V8's slow (dictionary) mode, which made every field access
 * in saxes's character loop a hash lookup (measured: 2.3 times slower parsing).
 */
export class RecoveringSaxesParser<O extends SaxesOptions> extends ScanningSaxesParser<O> {}

const original = (SaxesParser.prototype as unknown as SaxesInternals).closeTag;
const originalParseEntity = (SaxesParser.prototype as unknown as SaxesInternals).parseEntity;

/** Whether the private method this relies on was found (a test fails loudly otherwise). */
export const ignoresUnmatchedClosingTags = typeof original === 'function';
/** Whether HTML's named references are read (a test fails loudly otherwise). */
export const readsHtmlEntities = typeof originalParseEntity === 'function';

const htmlEntities = new Map(Object.entries(HTML_ENTITIES));

/** Whether an element with this name is open; from the innermost, where a well-formed closing tag finds it at once. */
function isOpen(tags: ReadonlyArray<{ name: string }>, name: string): boolean {
  for (let index = tags.length - 1; index >= 0; index--) if (tags[index]!.name === name) return true;
  return false;
}

if (ignoresUnmatchedClosingTags) {
  Object.defineProperty(RecoveringSaxesParser.prototype, 'closeTag', {
    configurable: true,
    writable: true,
    value: function closeTagIgnoringUnmatched(this: SaxesInternals): void {
      const { name, tags } = this;
      if (name === '' || isOpen(tags, name)) {
        original.call(this);
        return;
      }
      // With no open element the original reports "unmatched closing tag" without popping anything;
      // the text it would add ("</b>") is dropped, as a browser would.
      const text = this.text;
      this.tags = [];
      try {
        original.call(this);
      } finally {
        this.tags = tags;
        this.text = text;
      }
    },
  });
}

if (readsHtmlEntities) {
  Object.defineProperty(RecoveringSaxesParser.prototype, 'parseEntity', {
    configurable: true,
    writable: true,
    value: function parseEntityOrHtml(this: SaxesInternals, entity: string): string {
      if (entity.charCodeAt(0) !== 0x23 /* # */ && this.ENTITIES[entity] === undefined) {
        const html = htmlEntities.get(entity);
        if (html !== undefined) return html;
      }
      return originalParseEntity.call(this, entity);
    },
  });
}
