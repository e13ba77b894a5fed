/**
 * A streaming text filter in front of the XML parser, for the breakage that an XML parser cannot
 * recover from by itself:
 *
 * - a stray `&` ("Q&A", "?a=1&b=2" in an attribute): the parser would read everything up to the
 *   next `;` as an entity name, swallowing tags and items. Every `&` that does not start a
 *   well-formed reference becomes `&amp;`; likewise a `<` that cannot start markup ("5 < 10").
 * - characters XML 1.0 forbids (NUL, most C0 controls, U+FFFE/U+FFFF): removed.
 * - numeric references to such characters: removed; references to 128-159 are read as
 *   windows-1252, as browsers do (`&#146;` is a right quote, not a C1 control).
 * - leading whitespace and garbage before the document (PHP notices before `<?xml`): skipped.
 *
 * CDATA sections and comments are copied untouched: an `&` there is legitimate text. Partial
 * constructs at a chunk boundary are held back (at most ~70 characters), so the output does not
 * depend on how the input is cut.
 */

import { FeedParseError } from './model.js';
import { WINDOWS_1252 } from './windows-1252.js';

export interface SanitizerRepairs {
  strayAmpersands: number;
  strayLessThans: number;
  invalidCharacters: number;
  invalidCharacterReferences: number;
  /** Non-whitespace characters dropped before the document started. */
  skippedPrologCharacters: number;
}

/** How many characters of the start of the body are examined to find where the XML begins. */
const PROLOG_WINDOW = 8192;
const GOOD_START = /^<(?:\?xml|!--|!doctype|rss|feed|rdf:rdf|rdf|channel)[\s>/]/i;
const XML_START = /<\?xml[\s?]|<(?:rss|feed|rdf:RDF|channel)[\s>/]/i;
const SPECIAL = /[&<]/g;
/** What may follow "<" in markup: a name start character, "/", "!" or "?". */
const TAG_START = /[A-Za-z_:/!?\u00C0-\uFFFF]/;
const REFERENCE = /&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,7}|[A-Za-z_][\w.-]{0,63});/y;
const PARTIAL_REFERENCE = /^&(?:#[0-9]{0,8}|#[xX][0-9a-fA-F]{0,7}|[A-Za-z_][\w.-]{0,63})?$/;
const INVALID_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

type Mode = 'prolog' | 'text' | 'cdata' | 'comment';

export class XmlSanitizer {
  readonly repairs: SanitizerRepairs = {
    strayAmpersands: 0,
    strayLessThans: 0,
    invalidCharacters: 0,
    invalidCharacterReferences: 0,
    skippedPrologCharacters: 0,
  };
  private mode: Mode = 'prolog';
  private pending = '';
  /** True once any non-whitespace character was seen. */
  sawContent = false;
  /** Line breaks removed before the document: the XML parser's line numbers are off by this much. */
  skippedLines = 0;

  write(text: string): string {
    return this.clean(this.scan(text, false));
  }

  end(): string {
    return this.clean(this.scan('', true));
  }

  private scan(input: string, final: boolean): string {
    let text = this.pending + input;
    this.pending = '';
    if (this.mode === 'prolog') {
      const start = this.prolog(text, final);
      if (start === null) return '';
      text = start;
    }
    let out = '';
    let index = 0;
    while (index < text.length) {
      if (this.mode === 'cdata' || this.mode === 'comment') {
        const terminator = this.mode === 'cdata' ? ']]>' : '-->';
        const end = text.indexOf(terminator, index);
        if (end === -1) {
          // Keep the last two characters: they may be the start of a terminator cut by the chunk.
          const keep = final ? 0 : Math.min(2, text.length - index);
          out += text.slice(index, text.length - keep);
          this.pending = text.slice(text.length - keep);
          return out;
        }
        out += text.slice(index, end + 3);
        index = end + 3;
        this.mode = 'text';
        continue;
      }
      SPECIAL.lastIndex = index;
      const special = SPECIAL.exec(text);
      if (special === null) {
        out += text.slice(index);
        break;
      }
      const at = special.index;
      out += text.slice(index, at);
      if (text[at] === '<') {
        if (text.startsWith('<![CDATA[', at)) {
          out += '<![CDATA[';
          index = at + 9;
          this.mode = 'cdata';
        } else if (text.startsWith('<!--', at)) {
          out += '<!--';
          index = at + 4;
          this.mode = 'comment';
        } else if (!final && text.length - at < 9 && ('<![CDATA['.startsWith(text.slice(at)) || '<!--'.startsWith(text.slice(at)))) {
          this.pending = text.slice(at);
          return out;
        } else if (at + 1 < text.length && !TAG_START.test(text[at + 1]!)) {
          // "5 < 10": the XML parser would drop both characters; keep them as text.
          out += '&lt;';
          this.repairs.strayLessThans++;
          index = at + 1;
        } else {
          out += '<';
          index = at + 1;
        }
        continue;
      }
      REFERENCE.lastIndex = at;
      const reference = REFERENCE.exec(text);
      if (reference !== null) {
        out += this.checkReference(reference[0]);
        index = at + reference[0].length;
      } else if (!final && PARTIAL_REFERENCE.test(text.slice(at, at + 80))) {
        this.pending = text.slice(at);
        return out;
      } else {
        out += '&amp;';
        this.repairs.strayAmpersands++;
        index = at + 1;
      }
    }
    return out;
  }

  /**
   * Finds where the document starts. Returns the text from there, or null while undecided.
   * Throws FeedParseError('not_a_feed') when the body clearly is not XML (JSON, plain text).
   */
  private prolog(text: string, final: boolean): string | null {
    if (!this.sawContent) {
      // Leading whitespace (and a BOM given as text) would make the XML declaration misplaced.
      const trimmed = text.replace(/^[\s\uFEFF]+/, '');
      this.skippedLines += countLines(text.slice(0, text.length - trimmed.length));
      if (trimmed === '') return null;
      this.sawContent = true;
      text = trimmed;
    }
    const decidedEarly = text.length >= 10 || final;
    if (decidedEarly && GOOD_START.test(text.slice(0, 10) + (final ? ' ' : ''))) {
      this.mode = 'text';
      return text;
    }
    if (text.length < PROLOG_WINDOW && !final) {
      this.pending = text;
      return null;
    }
    const match = XML_START.exec(text.slice(0, PROLOG_WINDOW));
    if (match !== null) {
      this.repairs.skippedPrologCharacters += text.slice(0, match.index).replace(/\s+/g, '').length;
      this.skippedLines += countLines(text.slice(0, match.index));
      this.mode = 'text';
      return text.slice(match.index);
    }
    if (text.startsWith('<')) {
      // Some other markup (an HTML page...): the XML parser will name the root element.
      this.mode = 'text';
      return text;
    }
    const preview = JSON.stringify(text.slice(0, 40));
    throw new FeedParseError('not_a_feed', `the body is not XML (it starts with ${preview})`);
  }

  private checkReference(reference: string): string {
    if (reference[1] !== '#') return reference;
    const hex = reference[2] === 'x' || reference[2] === 'X';
    const code = parseInt(reference.slice(hex ? 3 : 2, -1), hex ? 16 : 10);
    if (code >= 0x80 && code <= 0x9f) {
      this.repairs.invalidCharacterReferences++;
      return WINDOWS_1252[code]!;
    }
    const allowed =
      code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
    if (!allowed) {
      this.repairs.invalidCharacterReferences++;
      return '';
    }
    // The XML parser only accepts a lower-case "x" in hexadecimal references.
    return hex ? `&#x${reference.slice(3)}` : reference;
  }

  private clean(text: string): string {
    return text.replace(INVALID_CHARACTERS, () => {
      this.repairs.invalidCharacters++;
      return '';
    });
  }
}

function countLines(text: string): number {
  let lines = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lines++;
  return lines;
}
