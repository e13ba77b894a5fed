/**
 * Faster character loops for saxes, with the same results.
 *
 * saxes reads every character through `getCode()`, which writes the parser's position fields and
 * checks the character at each step, and leaves its text loop for each entity reference (through
 * its entity state and back). Most of a feed is runs of characters that need none of that, and
 * escaped HTML full of `&lt;`, `&gt;`, `&quot;`, `&amp;`. Here, in text, attribute values, CDATA,
 * comments and names: a run of ordinary characters is skipped by a tight loop over the string,
 * with the position fields updated once for the run (line feeds counted as saxes counts them);
 * the five predefined entities are replaced in place, by the parser's own entity table; the
 * character that ends a run goes through saxes's own code as before. So events, text, errors and
 * the line and column of every error stay those of saxes (saxes-fast-scan.test.ts compares both).
 *
 * Only for XML 1.0 (saxes's `getCode10`): an XML 1.1 document has more line-ending characters,
 * and takes saxes's own loops. Relies on private members of saxes 6 (methods, fields, state
 * numbers): a missing method leaves the subclass plain saxes, and the test comparing it with
 * saxes on tricky documents and the real feeds fails loudly on any other change.
 */

import { SaxesParser, type SaxesOptions } from 'saxes';

interface Internals {
  chunk: string;
  i: number;
  prevI: number;
  line: number;
  column: number;
  chunkPosition: number;
  positionAtNewLine: number;
  ENTITIES: Record<string, string>;
  state: number;
  text: string;
  name: string;
  q: number | null;
  entityReturnState: number;
  forbiddenState: number;
  xmlDeclPossible: boolean;
  textHandler: ((text: string) => void) | undefined;
  getCode(): number;
  getCode10(): number;
  fail(message: string): void;
  pushAttrib(name: string, value: string): void;
}

const EOC = -1;
const NL_LIKE = -2;
const TAB = 0x09;
const NL = 0x0a;
const AMP = 0x26;
const LESS = 0x3c;
const GREATER = 0x3e;
const CLOSE_BRACKET = 0x5d;
const SLASH = 0x2f;

// saxes's states and "]]>" tracking (saxes.js), which these loops set as saxes's own code does.
const S_TEXT = 13;
const S_ENTITY = 14;
const S_OPEN_WAKA = 15;
const S_OPEN_TAG = 34;
const S_ATTRIB_VALUE_QUOTED = 40;
const S_ATTRIB_VALUE_CLOSED = 41;
const S_CLOSE_TAG = 43;
const FORBIDDEN_START = 0;
const FORBIDDEN_BRACKET = 1;
const FORBIDDEN_BRACKET_BRACKET = 2;

/** What an ASCII character does to a run (stopTable): continues it, ends it, or is a line feed. */
const PLAIN = 0;
const STOP = 1;
const LINE_FEED = 2;

/** A table of the ASCII characters that end a run: the controls (but tab and line feed) and `extra`. */
function stopTable(extra: string): Uint8Array {
  const table = new Uint8Array(128);
  for (let code = 0; code < 0x20; code++) table[code] = STOP;
  table[TAB] = PLAIN;
  table[NL] = LINE_FEED;
  for (const char of extra) table[char.charCodeAt(0)] = STOP;
  return table;
}

const TEXT_STOPS = stopTable('&<>]');
const CONTROLS = stopTable('');
/** In attribute values, tab and line feed become spaces: saxes's code does that. */
const ATTRIBUTE_STOPS = stopTable('&<');
ATTRIBUTE_STOPS[TAB] = ATTRIBUTE_STOPS[NL] = STOP;

/**
 * Skips the run of ordinary characters at the parser's position, updating its position fields
 * as `getCode()` would have, one character at a time. The run ends before an ASCII character
 * `stops` marks, before `also` (an extra stop, -1 for none), or before a code unit from U+D800 on
 * (surrogates, U+E000-U+FFFF: rare, and left to saxes's checks). Returns whether it moved.
 */
function skipRun(parser: Internals, stops: Uint8Array, also: number): boolean {
  const chunk = parser.chunk;
  const length = chunk.length;
  const from = parser.i;
  let index = from;
  let lineStart = -1;
  let lines = 0;
  while (index < length) {
    const code = chunk.charCodeAt(index);
    if (code < 0x80) {
      const kind = stops[code];
      if (kind !== PLAIN) {
        if (kind === STOP) break;
        lines++;
        lineStart = index + 1;
      } else if (code === also) {
        break;
      }
    } else if (code >= 0xd800) {
      break;
    }
    index++;
  }
  if (index === from) return false;
  parser.i = index;
  if (lines === 0) {
    parser.column += index - from;
  } else {
    parser.line += lines;
    parser.column = index - lineStart;
    parser.positionAtNewLine = parser.chunkPosition + lineStart;
  }
  return true;
}

/** Length (";" included) of the entity reference predefinedEntity last matched. */
let matchedLength = 0;

/**
 * The value of the predefined entity referenced at `at` (just after a "&"), as the parser's
 * entity table defines it, or undefined (another reference, or one near the chunk's end: saxes
 * reads those). The five predefined ones are most of a feed's references (escaped HTML).
 */
function predefinedEntity(entities: Record<string, string>, chunk: string, at: number): string | undefined {
  // Every read below within the chunk: reading past its end made V8 call out for each character.
  if (at + 4 >= chunk.length) return undefined;
  const first = chunk.charCodeAt(at);
  if (first === 0x6c || first === 0x67) {
    // lt; gt;
    if (chunk.charCodeAt(at + 1) !== 0x74 || chunk.charCodeAt(at + 2) !== 0x3b) return undefined;
    matchedLength = 3;
    return first === 0x6c ? entities['lt'] : entities['gt'];
  }
  if (first === 0x61) {
    // amp; apos;
    const second = chunk.charCodeAt(at + 1);
    if (second === 0x6d && chunk.charCodeAt(at + 2) === 0x70 && chunk.charCodeAt(at + 3) === 0x3b) {
      matchedLength = 4;
      return entities['amp'];
    }
    if (second === 0x70 && chunk.charCodeAt(at + 2) === 0x6f && chunk.charCodeAt(at + 3) === 0x73 && chunk.charCodeAt(at + 4) === 0x3b) {
      matchedLength = 5;
      return entities['apos'];
    }
    return undefined;
  }
  if (first === 0x71) {
    // quot;
    if (chunk.charCodeAt(at + 1) !== 0x75 || chunk.charCodeAt(at + 2) !== 0x6f || chunk.charCodeAt(at + 3) !== 0x74 || chunk.charCodeAt(at + 4) !== 0x3b) return undefined;
    matchedLength = 5;
    return entities['quot'];
  }
  return undefined;
}

/** Moves past the reference predefinedEntity matched (ASCII, no line feed). */
function skipEntity(parser: Internals): void {
  parser.i += matchedLength;
  parser.column += matchedLength;
}

/** ASCII characters allowed in XML names (saxes's isNameChar and isNameStartChar below 0x80). */
const NAME_CHARS = asciiTable('-.0123456789:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz');
const NAME_START_CHARS = asciiTable(':ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz');

function asciiTable(chars: string): Uint8Array {
  const table = new Uint8Array(128);
  for (const char of chars) table[char.charCodeAt(0)] = 1;
  return table;
}

const proto = SaxesParser.prototype as unknown as Record<string, unknown>;
const original = {
  handleTextInRoot: proto['handleTextInRoot'] as (this: Internals) => void,
  captureToChar: proto['captureToChar'] as (this: Internals, char: number) => boolean,
  captureNameChars: proto['captureNameChars'] as (this: Internals) => number,
  sAttribValueQuoted: proto['sAttribValueQuoted'] as (this: Internals) => void,
};

/** Whether the private members relied on were found (a test fails loudly otherwise). */
export const fastScanHooks =
  Object.values(original).every((method) => typeof method === 'function') && typeof proto['getCode10'] === 'function';

/** saxes with the faster loops (plain saxes if its private members changed). */
export class ScanningSaxesParser<O extends SaxesOptions> extends SaxesParser<O> {}

/** saxes's handleTextInRoot, with runs skipped and predefined entities read in place. */
function handleTextInRoot(this: Internals): void {
  if (this.getCode !== this.getCode10) {
    original.handleTextInRoot.call(this);
    return;
  }
  let { i: start, forbiddenState } = this;
  const { chunk, textHandler: handler } = this;
  for (;;) {
    if (skipRun(this, TEXT_STOPS, -1)) forbiddenState = FORBIDDEN_START;
    const code = this.getCode();
    if (code === LESS) {
      this.state = S_OPEN_WAKA;
      if (handler !== undefined) {
        const { text } = this;
        const slice = chunk.slice(start, this.prevI);
        if (text.length !== 0) {
          handler(text + slice);
          this.text = '';
        } else if (slice.length !== 0) {
          handler(slice);
        }
      }
      forbiddenState = FORBIDDEN_START;
      openMarkup(this, chunk);
      break;
    } else if (code === AMP) {
      forbiddenState = FORBIDDEN_START;
      const value = predefinedEntity(this.ENTITIES, chunk, this.i);
      if (value !== undefined) {
        // What saxes's entity state would do, without leaving this loop.
        if (handler !== undefined) this.text += chunk.slice(start, this.prevI) + value;
        skipEntity(this);
        start = this.i;
        continue;
      }
      this.state = S_ENTITY;
      this.entityReturnState = S_TEXT;
      if (handler !== undefined) this.text += chunk.slice(start, this.prevI);
      break;
    } else if (code === CLOSE_BRACKET) {
      forbiddenState = forbiddenState === FORBIDDEN_START ? FORBIDDEN_BRACKET : FORBIDDEN_BRACKET_BRACKET;
    } else if (code === GREATER) {
      if (forbiddenState === FORBIDDEN_BRACKET_BRACKET) this.fail('the string "]]>" is disallowed in char data.');
      forbiddenState = FORBIDDEN_START;
    } else if (code === NL_LIKE) {
      if (handler !== undefined) this.text += `${chunk.slice(start, this.prevI)}\n`;
      start = this.i;
      forbiddenState = FORBIDDEN_START;
    } else if (code === EOC) {
      if (handler !== undefined) this.text += chunk.slice(start);
      break;
    } else {
      forbiddenState = FORBIDDEN_START;
    }
  }
  this.forbiddenState = forbiddenState;
}

/**
 * After a "<" in text: what saxes's next state (sOpenWaka) decides for the two common cases, a
 * start tag's ASCII name or a closing tag, without a turn of its state loop. Anything else, or a
 * "<" at the end of the chunk, is left to it.
 */
function openMarkup(parser: Internals, chunk: string): void {
  const index = parser.i;
  if (index >= chunk.length) return;
  const code = chunk.charCodeAt(index);
  if (code < 0x80 && NAME_START_CHARS[code] !== 0) {
    parser.state = S_OPEN_TAG;
    parser.xmlDeclPossible = false;
  } else if (code === SLASH) {
    parser.i = index + 1;
    parser.column++;
    parser.state = S_CLOSE_TAG;
    parser.xmlDeclPossible = false;
  }
}

/** saxes's captureToChar (CDATA, comments, processing instructions...), with runs skipped. */
function captureToChar(this: Internals, char: number): boolean {
  if (this.getCode !== this.getCode10) return original.captureToChar.call(this, char);
  let { i: start } = this;
  const { chunk } = this;
  for (;;) {
    skipRun(this, CONTROLS, char);
    let code = this.getCode();
    if (code === NL_LIKE) {
      this.text += `${chunk.slice(start, this.prevI)}\n`;
      start = this.i;
      code = NL;
    } else if (code === EOC) {
      this.text += chunk.slice(start);
      return false;
    }
    if (code === char) {
      this.text += chunk.slice(start, this.prevI);
      return true;
    }
  }
}

/**
 * saxes's captureNameChars, for names of ASCII characters (nearly all of them): the name's run is
 * skipped and the character after it read by saxes. A name with other characters is left to saxes.
 */
function captureNameChars(this: Internals): number {
  const { chunk, i: start } = this;
  let end = start;
  const length = chunk.length;
  while (end < length) {
    const code = chunk.charCodeAt(end);
    if (code >= 0x80) return original.captureNameChars.call(this);
    if (NAME_CHARS[code] === 0) break;
    end++;
  }
  if (this.getCode !== this.getCode10) return original.captureNameChars.call(this);
  this.i = end;
  this.column += end - start;
  const code = this.getCode();
  if (code === EOC) {
    this.name += chunk.slice(start);
    return EOC;
  }
  this.name += chunk.slice(start, this.prevI);
  return code === NL_LIKE ? NL : code;
}

/** saxes's sAttribValueQuoted, with runs skipped and predefined entities read in place. */
function sAttribValueQuoted(this: Internals): void {
  if (this.getCode !== this.getCode10) {
    original.sAttribValueQuoted.call(this);
    return;
  }
  const { q, chunk } = this;
  let { i: start } = this;
  for (;;) {
    skipRun(this, ATTRIBUTE_STOPS, q ?? -1);
    const code = this.getCode();
    if (code === q) {
      this.pushAttrib(this.name, this.text + chunk.slice(start, this.prevI));
      this.name = this.text = '';
      this.q = null;
      this.state = S_ATTRIB_VALUE_CLOSED;
      return;
    }
    switch (code) {
      case AMP: {
        const value = predefinedEntity(this.ENTITIES, chunk, this.i);
        if (value !== undefined) {
          this.text += chunk.slice(start, this.prevI) + value;
          skipEntity(this);
          start = this.i;
          break;
        }
        this.text += chunk.slice(start, this.prevI);
        this.state = S_ENTITY;
        this.entityReturnState = S_ATTRIB_VALUE_QUOTED;
        return;
      }
      case NL:
      case NL_LIKE:
      case TAB:
        this.text += `${chunk.slice(start, this.prevI)} `;
        start = this.i;
        break;
      case LESS:
        this.text += chunk.slice(start, this.prevI);
        this.fail('disallowed character.');
        return;
      case EOC:
        this.text += chunk.slice(start);
        return;
      default:
    }
  }
}

if (fastScanHooks) {
  for (const [name, value] of Object.entries({ handleTextInRoot, captureToChar, captureNameChars, sAttribValueQuoted })) {
    Object.defineProperty(ScanningSaxesParser.prototype, name, { configurable: true, writable: true, value });
  }
}
