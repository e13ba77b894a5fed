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
 * depend on how the input is cut. A chunk that needs no repair is returned as it came: nothing of
 * a feed is copied unless something in it is repaired.
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
const INVALID = '\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF';
/** In CDATA and comments: the end, or a character XML 1.0 does not allow. */
const CDATA_END = new RegExp(`\\]\\]>|[${INVALID}]`, 'g');
const COMMENT_END = new RegExp(`-->|[${INVALID}]`, 'g');
/**
 * In text, where a repair may be needed: an "&" that does not start a named reference (numeric
 * references are checked, stray ones escaped), a "<" that does not start a tag ("<!" may open
 * CDATA or a comment; "<" may be cut from what follows), an invalid character. A "<" may start a
 * tag when followed by a name start character, "/", "!" or "?".
 */
const STRAY = '&(?![A-Za-z_][\\w.-]{0,63};)|<(?![A-Za-z_:/?\\u00C0-\\uFFFF])';
const ATTENTION = new RegExp(`${STRAY}|[${INVALID}]`, 'g');
/**
 * The same, for text known to hold no invalid character (ByteDecoder.knownValid): looking for
 * them was as much work for the regular expression engine as all the rest.
 */
const VALID_CDATA_END = /\]\]>/g;
const VALID_COMMENT_END = /-->/g;
const VALID_ATTENTION = new RegExp(STRAY, 'g');
const HAS_INVALID = new RegExp(`[${INVALID}]`);

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

  /** `knownValid`: the text is known to hold no character XML forbids (ByteDecoder.knownValid). */
  write(text: string, knownValid = false): string {
    return this.mode === 'prolog' ? this.start(text, false, knownValid) : this.scan(text, false, knownValid);
  }

  end(): string {
    return this.mode === 'prolog' ? this.start('', true, false) : this.scan('', true, false);
  }

  /**
   * Before the document: finds where it starts, then scans from there. Kept out of `scan`, which
   * V8 optimizes early in a parse and would otherwise throw away at the start of every later one
   * (the branch ran only before V8 collected type feedback for it).
   */
  private start(input: string, final: boolean, knownValid: boolean): string {
    const valid = this.pendingValid(knownValid);
    const text = this.pending === '' ? input : this.pending + input;
    this.pending = '';
    const document = this.prolog(text, final);
    return document === null ? '' : this.scan(document, final, valid);
  }

  /** Whether the held back text and the input known valid make valid text. */
  private pendingValid(knownValid: boolean): boolean {
    return knownValid && (this.pending === '' || !HAS_INVALID.test(this.pending));
  }

  /**
   * One pass, by regular expression: the scan stops only where a repair may be needed (not at the
   * tags and named references that make up most of a feed), and the text between repairs is not
   * copied. Checks read the raw text, invalid characters included, and those are dropped as they
   * are passed: a character that breaks a reference ("&am\u0001p;") still makes it a stray "&".
   */
  private scan(input: string, final: boolean, knownValid: boolean): string {
    const valid = this.pendingValid(knownValid);
    const attention = valid ? VALID_ATTENTION : ATTENTION;
    const text = this.pending === '' ? input : this.pending + input;
    this.pending = '';
    const length = text.length;
    let out = '';
    /** Start of the stretch of `text` not yet added to `out`. */
    let copied = 0;
    let index = 0;
    while (index < length) {
      if (this.mode !== 'text') {
        const cdata = this.mode === 'cdata';
        const end = cdata ? (valid ? VALID_CDATA_END : CDATA_END) : valid ? VALID_COMMENT_END : COMMENT_END;
        // Without a terminator, a "]" or "]]" ("-", "--") at the end is held back: it may start one
        // cut by the chunk. Nothing else is: a chunk passed on whole is not copied again.
        const open = final ? length : length - heldBack(text, index, cdata ? 0x5d : 0x2d);
        for (;;) {
          end.lastIndex = index;
          const after = end.test(text) ? end.lastIndex : -1;
          if (after !== -1 && text.charCodeAt(after - 1) === 0x3e) {
            index = after;
            this.mode = 'text';
            break;
          }
          if (after === -1 || after - 1 >= open) {
            this.pending = text.slice(open);
            return out + text.slice(copied, open);
          }
          // An invalid character.
          out += text.slice(copied, after - 1);
          copied = after;
          index = after;
          this.repairs.invalidCharacters++;
        }
        continue;
      }
      attention.lastIndex = index;
      if (!attention.test(text)) break;
      const at = attention.lastIndex - 1;
      const code = text.charCodeAt(at);
      if (code === 0x3c) {
        // Only "<!", "<" at the end, and "<" before a character that cannot start a tag get here.
        const next = at + 1 < length ? text.charCodeAt(at + 1) : -1;
        if (next === 0x21 && text.startsWith('<![CDATA[', at)) {
          index = at + 9;
          this.mode = 'cdata';
        } else if (next === 0x21 && text.startsWith('<!--', at)) {
          index = at + 4;
          this.mode = 'comment';
        } else if (!final && length - at < 9 && ('<![CDATA['.startsWith(text.slice(at)) || '<!--'.startsWith(text.slice(at)))) {
          this.pending = text.slice(at);
          return out + text.slice(copied, at);
        } else if (next !== -1 && next !== 0x21) {
          // "5 < 10": the XML parser would drop both characters; keep them as text.
          out += text.slice(copied, at) + '&lt;';
          copied = at + 1;
          this.repairs.strayLessThans++;
          index = at + 1;
        } else {
          index = at + 1;
        }
      } else if (code === 0x26) {
        // A numeric reference, a stray "&", or one cut by the end of the chunk.
        const end = referenceEnd(text, at);
        if (end > 0) {
          // (ATTENTION passes over well-formed named references: only numeric ones get here.)
          const reference = text.charCodeAt(at + 1) === 0x23 ? this.checkReference(text.slice(at, end)) : null;
          if (reference !== null) {
            out += text.slice(copied, at) + reference;
            copied = end;
          }
          index = end;
        } else if (!final && end === PARTIAL) {
          this.pending = text.slice(at);
          return out + text.slice(copied, at);
        } else {
          out += text.slice(copied, at) + '&amp;';
          copied = at + 1;
          this.repairs.strayAmpersands++;
          index = at + 1;
        }
      } else {
        out += text.slice(copied, at);
        copied = at + 1;
        this.repairs.invalidCharacters++;
        index = at + 1;
      }
    }
    return copied === 0 ? text : out + text.slice(copied);
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

  /** A numeric reference as the XML parser should read it, or null when it is fine as written. */
  private checkReference(reference: string): string | null {
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
    return reference[2] === 'X' ? `&#x${reference.slice(3)}` : null;
  }
}

/** How many of the last characters of `text` (from `start` on) are `code`, at most two. */
function heldBack(text: string, start: number, code: number): number {
  const length = text.length;
  if (length - 1 < start || text.charCodeAt(length - 1) !== code) return 0;
  return length - 2 >= start && text.charCodeAt(length - 2) === code ? 2 : 1;
}

const PARTIAL = -1;
const NOT_A_REFERENCE = 0;

/**
 * Where the well-formed reference starting at `start` (an "&") ends: `&#1-8 digits;`,
 * `&#x1-7 hex digits;` or `&name;` (a letter or "_", then up to 63 of [A-Za-z0-9_.-]).
 * PARTIAL when the text ends while it could still become one, NOT_A_REFERENCE otherwise.
 */
function referenceEnd(text: string, start: number): number {
  const length = text.length;
  let index = start + 1;
  if (index >= length) return PARTIAL;
  let code = text.charCodeAt(index);
  let kind: (code: number) => boolean;
  let max: number;
  if (code === 0x23) {
    index++;
    if (index >= length) return PARTIAL;
    code = text.charCodeAt(index);
    if (code === 0x78 || code === 0x58) {
      index++;
      kind = isHexDigit;
      max = 7;
    } else {
      kind = isDigit;
      max = 8;
    }
  } else if (isNameStart(code)) {
    index++;
    kind = isNameChar;
    max = 63;
  } else {
    return NOT_A_REFERENCE;
  }
  const first = index;
  while (index < length && index - first < max && kind(text.charCodeAt(index))) index++;
  if (index >= length) return PARTIAL;
  // A name or number needs at least one character after "&#" / "&#x"; names already have theirs.
  if (text.charCodeAt(index) !== 0x3b || (kind !== isNameChar && index === first)) return NOT_A_REFERENCE;
  return index + 1;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x66) || (code >= 0x41 && code <= 0x46);
}

function isNameStart(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code === 0x5f;
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || isDigit(code) || code === 0x2e || code === 0x2d;
}

function countLines(text: string): number {
  let lines = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) lines++;
  return lines;
}
