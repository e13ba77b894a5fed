/**
 * A streaming UTF-8 decoder that reads every byte that is not part of a valid UTF-8 sequence as
 * windows-1252 instead of U+FFFD. Feeds that mix encodings (a UTF-8 feed with one Latin-1 title
 * pasted from another system, or a "UTF-8" feed that is really Latin-1) are common; this keeps
 * their text readable while valid UTF-8 is decoded exactly as TextDecoder would.
 *
 * The result does not depend on how the input is cut into chunks: an incomplete sequence at the
 * end of a chunk is carried over only while it can still become valid.
 */

import { mayHoldForbiddenCharacters } from './forbidden-bytes.js';
import { WINDOWS_1252 } from './windows-1252.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function newStreamingDecoder(): TextDecoder {
  return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
}

/**
 * Length of the valid UTF-8 sequence starting at `start`: a positive length when it is complete
 * and valid, 0 when it is invalid, or -1 when it is a valid but incomplete prefix cut by `end`.
 */
export function utf8SequenceLength(bytes: Uint8Array, start: number, end: number): number {
  const lead = bytes[start]!;
  if (lead < 0x80) return 1;
  let length: number;
  let min = 0x80;
  let max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    // Overlong forms (E0 80..9F) and UTF-16 surrogates (ED A0..BF) are not valid UTF-8.
    if (lead === 0xe0) min = 0xa0;
    if (lead === 0xed) max = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) min = 0x90;
    if (lead === 0xf4) max = 0x8f;
  } else return 0;
  for (let offset = 1; offset < length; offset++) {
    const index = start + offset;
    if (index >= end) return -1;
    const byte = bytes[index]!;
    if (offset === 1 ? byte < min || byte > max : byte < 0x80 || byte > 0xbf) return 0;
  }
  return length;
}

export class LenientUtf8Decoder {
  private carry: Uint8Array = new Uint8Array(0);
  /**
   * Decodes the chunks: in Node 20 a decoder used with `stream: true` converts through ICU, which
   * for the 64 KB chunks of a feed takes ~0.6 of the time of the one-call path (simdutf validation,
   * then V8's own UTF-8 decoding into a two-byte string). It is only given whole sequences, so it
   * holds nothing back between calls; after an error it is replaced (its state is then unknown).
   */
  private streaming = newStreamingDecoder();
  /** How many bytes were read as windows-1252 because they were not valid UTF-8. */
  invalidBytes = 0;
  /** Whether the text the last write() returned is known to hold no character XML 1.0 forbids. */
  knownValid = false;

  write(chunk: Uint8Array): string {
    const bytes = this.carry.length === 0 ? chunk : concat(this.carry, chunk);
    const complete = completeLength(bytes);
    this.carry = bytes.slice(complete);
    // The bytes decoded (the carried ones included: a carried 0xEF may start U+FFFF).
    this.knownValid = !mayHoldForbiddenCharacters(complete === bytes.length ? bytes : bytes.subarray(0, complete));
    return this.decode(bytes, complete, true);
  }

  end(): string {
    const bytes = this.carry;
    this.carry = new Uint8Array(0);
    this.knownValid = false;
    // Not streamed: an unfinished sequence must fail here (and be read as windows-1252), not wait.
    return this.decode(bytes, bytes.length, false);
  }

  private decode(bytes: Uint8Array, end: number, stream: boolean): string {
    if (end === 0) return '';
    const view = end === bytes.length ? bytes : bytes.subarray(0, end);
    try {
      return stream ? this.streaming.decode(view, { stream: true }) : strictUtf8.decode(view);
    } catch {
      if (stream) this.streaming = newStreamingDecoder();
      return this.decodeMixed(view);
    }
  }

  private decodeMixed(bytes: Uint8Array): string {
    let out = '';
    let runStart = 0;
    let index = 0;
    while (index < bytes.length) {
      if (bytes[index]! < 0x80) {
        index++;
        continue;
      }
      const length = utf8SequenceLength(bytes, index, bytes.length);
      if (length > 0) {
        index += length;
        continue;
      }
      out += strictUtf8.decode(bytes.subarray(runStart, index)) + WINDOWS_1252[bytes[index]!]!;
      this.invalidBytes++;
      index++;
      runStart = index;
    }
    return out + strictUtf8.decode(bytes.subarray(runStart));
  }
}

/** Bytes that can be decoded now: all but a trailing sequence that the next chunk may complete. */
function completeLength(bytes: Uint8Array): number {
  // A UTF-8 sequence is at most 4 bytes, so only the last 3 can start an incomplete one.
  for (let start = Math.max(0, bytes.length - 3); start < bytes.length; start++) {
    if (bytes[start]! >= 0xc0 && utf8SequenceLength(bytes, start, bytes.length) === -1) return start;
  }
  return bytes.length;
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}
