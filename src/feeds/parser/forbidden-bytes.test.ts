import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayHoldForbiddenCharacters, testsWithWebAssembly } from './forbidden-bytes.js';
import { createFeedParser } from './feed-parser.js';
import type { ParsedFeed } from './model.js';

/** What the WebAssembly function must find, byte by byte. */
function flaggedByte(byte: number): boolean {
  return (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) || byte === 0xef;
}

/** The result, but for the encoding (null for text input). */
function parseChunks(chunks: Array<Uint8Array | string>): Omit<ParsedFeed, 'encoding'> {
  const parser = createFeedParser();
  for (const chunk of chunks) parser.write(chunk);
  const { encoding: _encoding, ...result } = parser.end();
  return result;
}

describe('mayHoldForbiddenCharacters', () => {
  it('runs the WebAssembly test (without it, every chunk would be scanned again)', () => {
    assert.equal(testsWithWebAssembly, true);
  });

  it('flags exactly the forbidden control characters and 0xEF, at every position of a 64-byte block', () => {
    for (let byte = 0; byte < 256; byte++) {
      for (const position of [0, 15, 16, 33, 63, 64, 70]) {
        const bytes = new Uint8Array(71).fill(0x61);
        bytes[position] = byte;
        assert.equal(mayHoldForbiddenCharacters(bytes), flaggedByte(byte), `byte ${byte} at ${position}`);
      }
    }
    assert.equal(mayHoldForbiddenCharacters(new Uint8Array(0)), false);
  });

  it('tests chunks longer than its memory, up to the last byte, and not the padding', () => {
    const length = 3 * 65_536 + 5;
    assert.equal(mayHoldForbiddenCharacters(new Uint8Array(length).fill(0x20)), false);
    for (const position of [0, 65_535, 65_536, 65_537, 2 * 65_536, length - 1]) {
      const bytes = new Uint8Array(length).fill(0x20);
      bytes[position] = 0x01;
      assert.equal(mayHoldForbiddenCharacters(bytes), true, `at ${position}`);
      // A flagged byte right after the chunk (in a larger buffer) is not part of it.
      const larger = new Uint8Array(length + 1).fill(0x20);
      larger[length] = 0x01;
      assert.equal(mayHoldForbiddenCharacters(larger.subarray(0, length)), false);
    }
  });
});

describe('the repair pass with chunks known to be valid', () => {
  const feed = '<rss version="2.0"><channel><title>T</title><item><guid>a</guid><title>A</title></item></channel></rss>';
  const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

  it('still removes a forbidden character held back from an earlier chunk', () => {
    // The encoding is decided on the first chunk (whitespace), but where the document starts only
    // with the second: the repair pass holds the first one's "<rss>\u0001" back until then.
    const text = `${' '.repeat(1100)}<rss>\u0001<channel><title>T</title></channel></rss>`;
    const split = parseChunks([bytes(text.slice(0, 1106)), bytes(text.slice(1106))]);
    assert.deepEqual(split, parseChunks([text]));
    assert.ok(split.warnings.includes('1 character(s) not allowed in XML were removed'), split.warnings.join('; '));
  });

  it('reads bytes and text alike, with and without forbidden characters', () => {
    for (const text of [feed, feed.replace('<title>A', '<title>\u0002A\uFFFF'), feed.replace('A</title>', '<![CDATA[x\u0003]]>A</title>')]) {
      const encoded = bytes(text);
      const inPieces = [encoded.subarray(0, 30), encoded.subarray(30, 61), encoded.subarray(61)];
      assert.deepEqual(parseChunks(inPieces), parseChunks([text]));
    }
  });
});
