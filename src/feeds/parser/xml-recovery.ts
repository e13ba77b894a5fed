/**
 * One recovery the XML parser does not offer: a closing tag that matches no open element.
 *
 * saxes 6 answers `</b>` without an open `<b>` by popping *every* open element up to the root,
 * reporting each as closed. One stray `</p>` in an unescaped description would then close the item,
 * the channel and the document, and every later item would be lost. Browsers (and this patch)
 * ignore such a tag instead. Tags that do match an open element still close the ones opened after
 * it, which is the right recovery for unclosed `<br>` or `<p>` inside a description.
 *
 * This relies on a private method of saxes, hence the runtime checks: if a future version changes
 * it, the patch is skipped (the parse still works, with the old behaviour), and the tests that
 * cover stray closing tags fail loudly.
 */

import type { SaxesParser } from 'saxes';

interface SaxesInternals {
  name: string;
  tags: Array<{ name: string }>;
  text: string;
  closeTag(): void;
}

export function ignoreUnmatchedClosingTags(parser: SaxesParser<{ xmlns: true }>): boolean {
  const internals = parser as unknown as SaxesInternals;
  const original = internals.closeTag;
  if (typeof original !== 'function' || !Array.isArray(internals.tags) || typeof internals.text !== 'string') return false;
  internals.closeTag = function closeTagIgnoringUnmatched(this: SaxesInternals): void {
    const { name, tags } = this;
    if (name === '' || tags.some((tag) => tag.name === name)) {
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
  };
  return true;
}
