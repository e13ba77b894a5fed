/**
 * Turns the feed's bytes into text, chunk by chunk, without trusting the declared encoding blindly.
 *
 * Order of evidence: a byte order mark; then the UTF-16 shape of "<?" without BOM; then the XML
 * declaration's `encoding`; then UTF-8. A declared encoding is checked against the bytes: many feeds
 * say ISO-8859-1 while serving UTF-8 (or the reverse), so for ASCII-compatible legacy encodings the
 * decision waits for the first non-ASCII bytes and picks UTF-8 when those are valid UTF-8, or
 * windows-1252 when they are not valid in the declared encoding either. An unknown label means UTF-8.
 * UTF-8 itself is decoded leniently (lenient-utf8.ts): stray invalid bytes read as windows-1252.
 *
 * Every decision is taken on a fixed window of the document (the first 1,024 bytes; the 1,024 bytes
 * from the first non-ASCII one), so the text is the same however the body is cut into chunks.
 */

import { LenientUtf8Decoder, concat, utf8SequenceLength } from './lenient-utf8.js';
import { decodeWindows1252 } from './windows-1252.js';

const SNIFF_BYTES = 1024;
const DETECT_BYTES = 1024;

export interface ByteDecoder {
  write(chunk: Uint8Array): string;
  end(): string;
  /** The encoding in use (WHATWG name), or null until it is decided. */
  readonly encoding: string | null;
  /**
   * Whether the text the last write() returned is known to hold no character XML 1.0 forbids
   * (checked on the bytes, for UTF-8 only), which spares the repair pass looking for them.
   */
  readonly knownValid: boolean;
}

/** The part of TextDecoder used here, so that windows-1252 can use its own table. */
interface StreamDecoder {
  decode(bytes?: Uint8Array, options?: { stream: boolean }): string;
}

type Stage =
  | { kind: 'sniff'; head: Uint8Array }
  | { kind: 'lenient'; decoder: LenientUtf8Decoder }
  | { kind: 'native'; decoder: StreamDecoder & { replaced: number } }
  | { kind: 'ascii-until-proven'; declared: string; pending: Uint8Array | null };

export function createByteDecoder(warn: (message: string) => void): ByteDecoder {
  return new SniffingDecoder(warn);
}

class SniffingDecoder implements ByteDecoder {
  private stage: Stage = { kind: 'sniff', head: new Uint8Array(0) };
  encoding: string | null = null;
  knownValid = false;
  private ended = false;

  constructor(private readonly warn: (message: string) => void) {}

  write(chunk: Uint8Array): string {
    const stage = this.stage;
    this.knownValid = false;
    switch (stage.kind) {
      case 'sniff': {
        const head = concat(stage.head, chunk);
        if (head.length < SNIFF_BYTES) {
          this.stage = { kind: 'sniff', head };
          return '';
        }
        return this.decide(head);
      }
      case 'lenient': {
        const text = stage.decoder.write(chunk);
        this.knownValid = stage.decoder.knownValid;
        return text;
      }
      case 'native':
        return stage.decoder.decode(chunk, { stream: true });
      case 'ascii-until-proven':
        return this.detect(stage, chunk);
    }
  }

  end(): string {
    this.ended = true;
    let text = '';
    if (this.stage.kind === 'sniff') text = this.decide(this.stage.head);
    if (this.stage.kind === 'ascii-until-proven') text += this.detect(this.stage, new Uint8Array(0));
    const stage = this.stage;
    if (stage.kind === 'lenient') {
      text += stage.decoder.end();
      if (stage.decoder.invalidBytes > 0) {
        this.warn(`${stage.decoder.invalidBytes} byte(s) were not valid UTF-8 and were read as windows-1252`);
      }
    } else if (stage.kind === 'native') {
      text += stage.decoder.decode();
      if (stage.decoder.replaced > 0) this.warn(`${stage.decoder.replaced} character(s) could not be decoded as ${this.encoding} and were replaced by U+FFFD`);
    }
    return text;
  }

  private decide(head: Uint8Array): string {
    let body = head;
    let choice: string | null = null;
    if (startsWith(head, [0xef, 0xbb, 0xbf])) {
      choice = 'utf-8';
      body = head.subarray(3);
    } else if (startsWith(head, [0xff, 0xfe])) {
      choice = 'utf-16le';
      body = head.subarray(2);
    } else if (startsWith(head, [0xfe, 0xff])) {
      choice = 'utf-16be';
      body = head.subarray(2);
    } else if (startsWith(head, [0x3c, 0x00, 0x3f, 0x00])) {
      choice = 'utf-16le';
    } else if (startsWith(head, [0x00, 0x3c, 0x00, 0x3f])) {
      choice = 'utf-16be';
    }
    if (choice === null) choice = this.fromDeclaration(head);
    return this.start(choice, body);
  }

  /** The XML declaration's encoding, checked; 'utf-8' when absent, unknown or impossible. */
  private fromDeclaration(head: Uint8Array): string {
    const ascii = String.fromCharCode(...head.subarray(0, 200));
    const declared = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']\s*([^"'\s]+)\s*["']/i.exec(ascii)?.[1];
    if (declared === undefined) return 'utf-8';
    let canonical: string;
    try {
      canonical = new TextDecoder(declared).encoding;
    } catch {
      this.warn(`unknown encoding "${declared}" declared; reading as UTF-8`);
      return 'utf-8';
    }
    // WHATWG maps a few dangerous labels (iso-2022-kr, hz-gb-2312...) to "replacement", which
    // decodes a whole document to a single U+FFFD: UTF-8 is a better bet.
    if (canonical === 'replacement') {
      this.warn(`unsupported encoding "${declared}" declared; reading as UTF-8`);
      return 'utf-8';
    }
    if (canonical === 'utf-16le' || canonical === 'utf-16be') {
      // We only get here when the bytes are not UTF-16 shaped ("<" is a single byte).
      this.warn(`encoding "${declared}" declared but the content is not UTF-16; reading as UTF-8`);
      return 'utf-8';
    }
    return canonical;
  }

  private start(encoding: string, body: Uint8Array): string {
    if (encoding === 'utf-8') {
      this.encoding = 'utf-8';
      this.stage = { kind: 'lenient', decoder: new LenientUtf8Decoder() };
    } else if (encoding === 'utf-16le' || encoding === 'utf-16be' || encoding === 'iso-2022-jp') {
      // Not ASCII-compatible: the bytes cannot be checked against UTF-8.
      this.encoding = encoding;
      this.stage = this.native(encoding);
    } else {
      this.stage = { kind: 'ascii-until-proven', declared: encoding, pending: null };
    }
    return this.write(body);
  }

  /**
   * Passes ASCII through until the first non-ASCII byte, then looks at the next 1,024 bytes: if they
   * are valid UTF-8 with at least one multi-byte sequence, the declaration is wrong and UTF-8 wins.
   */
  private detect(stage: Extract<Stage, { kind: 'ascii-until-proven' }>, chunk: Uint8Array): string {
    let ascii = '';
    let window = stage.pending;
    if (window === null) {
      const firstHigh = chunk.findIndex((byte) => byte >= 0x80);
      if (firstHigh === -1) {
        if (this.ended) this.encoding = stage.declared;
        return asciiString(chunk);
      }
      ascii = asciiString(chunk.subarray(0, firstHigh));
      window = chunk.slice(firstHigh);
    } else {
      window = concat(window, chunk);
    }
    if (window.length < DETECT_BYTES && !this.ended) {
      this.stage = { ...stage, pending: window };
      return ascii;
    }
    if (looksLikeUtf8(window.subarray(0, DETECT_BYTES), !this.ended || window.length > DETECT_BYTES)) {
      this.warn(`encoding "${stage.declared}" declared but the content is UTF-8; reading as UTF-8`);
      this.encoding = 'utf-8';
      const decoder = new LenientUtf8Decoder();
      this.stage = { kind: 'lenient', decoder };
      return ascii + decoder.write(window);
    }
    let encoding = stage.declared;
    // Not UTF-8 and not valid in the declared encoding either: windows-1252 can read every byte,
    // and is what such text (mislabelled Western European) most often is.
    if (encoding !== 'windows-1252' && !decodesCleanly(encoding, window.subarray(0, DETECT_BYTES))) {
      this.warn(`the content is not valid "${stage.declared}"; reading as windows-1252`);
      encoding = 'windows-1252';
    }
    this.encoding = encoding;
    const decoder = nativeDecoder(encoding);
    this.stage = { kind: 'native', decoder };
    return ascii + decoder.decode(window, { stream: true });
  }

  private native(encoding: string): Stage {
    return { kind: 'native', decoder: nativeDecoder(encoding) };
  }
}

function decodesCleanly(encoding: string, bytes: Uint8Array): boolean {
  try {
    // stream: a multi-byte character cut by the end of the window is not an error.
    new TextDecoder(encoding, { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

function nativeDecoder(encoding: string): StreamDecoder & { replaced: number } {
  // Single-byte, every byte defined: no state to carry between chunks, nothing to replace.
  if (encoding === 'windows-1252') return { replaced: 0, decode: (bytes) => (bytes === undefined ? '' : decodeWindows1252(bytes)) };
  const decoder = new TextDecoder(encoding, { ignoreBOM: true });
  const counting = {
    replaced: 0,
    decode(bytes?: Uint8Array, options?: { stream: boolean }): string {
      const text = decoder.decode(bytes, options);
      for (let index = text.indexOf('\uFFFD'); index !== -1; index = text.indexOf('\uFFFD', index + 1)) counting.replaced++;
      return text;
    },
  };
  return counting;
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, index) => bytes[index] === byte);
}

function asciiString(bytes: Uint8Array): string {
  let text = '';
  // Spread arguments are limited in number; chunks can be megabytes long.
  for (let offset = 0; offset < bytes.length; offset += 8192) {
    text += String.fromCharCode(...bytes.subarray(offset, offset + 8192));
  }
  return text;
}

/** Valid UTF-8 with at least one multi-byte sequence; a sequence cut by the window's end is allowed when more follows. */
function looksLikeUtf8(bytes: Uint8Array, truncated: boolean): boolean {
  let multiByte = false;
  for (let index = 0; index < bytes.length; ) {
    const length = utf8SequenceLength(bytes, index, bytes.length);
    if (length === -1) return truncated && multiByte;
    if (length === 0) return false;
    if (length > 1) multiByte = true;
    index += length;
  }
  return multiByte;
}
