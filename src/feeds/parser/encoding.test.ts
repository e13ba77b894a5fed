import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createByteDecoder } from './encoding.js';
import { LenientUtf8Decoder } from './lenient-utf8.js';

interface Decoded {
  text: string;
  encoding: string | null;
  warnings: string[];
}

/** Decodes `bytes` cut into chunks of `size` bytes (0: one chunk). */
function decode(bytes: Uint8Array, size = 0): Decoded {
  const warnings: string[] = [];
  const decoder = createByteDecoder((message) => warnings.push(message));
  let text = '';
  const step = size === 0 ? bytes.length || 1 : size;
  for (let offset = 0; offset < bytes.length; offset += step) text += decoder.write(bytes.subarray(offset, offset + step));
  text += decoder.end();
  return { text, encoding: decoder.encoding, warnings };
}

/** Same result whole, byte by byte and in odd-sized chunks: decisions must not depend on chunking. */
function decodeEverywhere(bytes: Uint8Array): Decoded {
  const whole = decode(bytes);
  for (const size of [1, 2, 3, 7, 1000, 1023, 1024, 1025]) assert.deepEqual(decode(bytes, size), whole, `chunk size ${size}`);
  return whole;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...Buffer.from(part, 'latin1')] : part)));
const padding = (length: number): string => `<!--${'x'.repeat(length)}-->`;

describe('byte decoding', () => {
  it('reads UTF-8 without declaration', () => {
    const result = decodeEverywhere(utf8('<rss><title>Café — 東京 🎧</title></rss>'));
    assert.equal(result.text, '<rss><title>Café — 東京 🎧</title></rss>');
    assert.equal(result.encoding, 'utf-8');
    assert.deepEqual(result.warnings, []);
  });

  it('strips a UTF-8 byte order mark', () => {
    const result = decodeEverywhere(bytes([0xef, 0xbb, 0xbf], '<?xml version="1.0"?><rss/>'));
    assert.equal(result.text, '<?xml version="1.0"?><rss/>');
    assert.equal(result.encoding, 'utf-8');
  });

  it('reads UTF-16 with a byte order mark, little and big endian, whatever the declaration says', () => {
    const text = '<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>Café 東京 🎧</title></rss>';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le);
    be.swap16();
    be[0] = 0xfe;
    be[1] = 0xff;
    const little = decodeEverywhere(le);
    assert.equal(little.text, text);
    assert.equal(little.encoding, 'utf-16le');
    const big = decodeEverywhere(be);
    assert.equal(big.text, text);
    assert.equal(big.encoding, 'utf-16be');
  });

  it('recognizes UTF-16 without a byte order mark from the shape of "<?"', () => {
    const text = '<?xml version="1.0" encoding="UTF-16"?><rss><title>Ça</title></rss>';
    const result = decodeEverywhere(Buffer.from(text, 'utf16le'));
    assert.equal(result.text, text);
    assert.equal(result.encoding, 'utf-16le');
  });

  it('honours a correct legacy declaration (ISO-8859-1 is windows-1252 for WHATWG)', () => {
    const result = decodeEverywhere(bytes('<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>Caf', [0xe9], ' ', [0x93], 'quoted', [0x94], '</title></rss>'));
    assert.equal(result.text, '<?xml version="1.0" encoding="ISO-8859-1"?><rss><title>Café “quoted”</title></rss>');
    assert.equal(result.encoding, 'windows-1252');
    assert.deepEqual(result.warnings, []);
  });

  it('honours other declared encodings: windows-1251, Shift_JIS', () => {
    const cyrillic = decodeEverywhere(bytes("<?xml version='1.0' encoding='windows-1251'?><rss><title>", [0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2], '</title></rss>'));
    assert.equal(cyrillic.text, "<?xml version='1.0' encoding='windows-1251'?><rss><title>Привет</title></rss>");
    assert.equal(cyrillic.encoding, 'windows-1251');
    const japanese = decodeEverywhere(bytes('<?xml version="1.0" encoding="Shift_JIS"?><rss><title>', [0x93, 0x8c, 0x8b, 0x9e], '</title></rss>'));
    assert.equal(japanese.text, '<?xml version="1.0" encoding="Shift_JIS"?><rss><title>東京</title></rss>');
    assert.equal(japanese.encoding, 'shift_jis');
  });

  it('reads UTF-8 content declared as ISO-8859-1 as UTF-8, with a warning', () => {
    // The first non-ASCII bytes are far from the declaration: the decision must wait for them.
    const result = decodeEverywhere(utf8(`<?xml version="1.0" encoding="iso-8859-1"?><rss>${padding(3000)}<title>Café — Zoë</title></rss>`));
    assert.equal(result.text, `<?xml version="1.0" encoding="iso-8859-1"?><rss>${padding(3000)}<title>Café — Zoë</title></rss>`);
    assert.equal(result.encoding, 'utf-8');
    assert.match(result.warnings.join('\n'), /declared but the content is UTF-8/);
  });

  it('reads windows-1252 bytes inside a UTF-8 feed as windows-1252 instead of U+FFFD', () => {
    const result = decodeEverywhere(bytes('<?xml version="1.0" encoding="UTF-8"?><rss><title>Caf', [0xe9], ' it', [0x92], 's ', [0xc3, 0xa9], '</title></rss>'));
    assert.equal(result.text, '<?xml version="1.0" encoding="UTF-8"?><rss><title>Café it’s é</title></rss>');
    assert.equal(result.encoding, 'utf-8');
    assert.match(result.warnings.join('\n'), /2 byte\(s\) were not valid UTF-8/);
    assert.ok(!result.text.includes('\uFFFD'));
  });

  it('reads bytes that are neither UTF-8 nor valid in the declared encoding as windows-1252', () => {
    // 0x82 0x20 is not Shift_JIS (0x82 needs a trail byte of 0x40 or more), nor UTF-8.
    const result = decodeEverywhere(bytes('<?xml version="1.0" encoding="Shift_JIS"?><rss><title>', [0x82], ' caf', [0xe9], '</title></rss>'));
    assert.equal(result.text, '<?xml version="1.0" encoding="Shift_JIS"?><rss><title>‚ café</title></rss>');
    assert.equal(result.encoding, 'windows-1252');
    assert.match(result.warnings.join('\n'), /not valid "shift_jis"; reading as windows-1252/);
  });

  it('counts what a UTF-16 decoder had to replace', () => {
    const text = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<rss>', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('</rss>', 'utf16le')]);
    const result = decodeEverywhere(text);
    assert.equal(result.text, '<rss>\uFFFD</rss>');
    assert.match(result.warnings.join('\n'), /1 character\(s\) could not be decoded as utf-16le/);
  });

  it('falls back to UTF-8 for unknown, unsupported or impossible declarations', () => {
    for (const label of ['x-made-up', 'iso-2022-kr', 'UTF-16']) {
      const result = decodeEverywhere(utf8(`<?xml version="1.0" encoding="${label}"?><rss><title>Zoë</title></rss>`));
      assert.equal(result.encoding, 'utf-8', label);
      assert.match(result.text, /Zoë/, label);
      assert.equal(result.warnings.length, 1, label);
    }
  });

  it('decodes a document shorter than the sniffing window, and an empty one', () => {
    assert.deepEqual(decodeEverywhere(utf8('<a/>')), { text: '<a/>', encoding: 'utf-8', warnings: [] });
    assert.equal(decode(new Uint8Array(0)).text, '');
  });
});

describe('LenientUtf8Decoder', () => {
  it('keeps a sequence cut by a chunk boundary, and reads an unfinished one at the end as windows-1252', () => {
    const decoder = new LenientUtf8Decoder();
    assert.equal(decoder.write(Uint8Array.of(0x41, 0xe2, 0x82)), 'A');
    assert.equal(decoder.write(Uint8Array.of(0xac, 0x42, 0xe2)), '€B');
    assert.equal(decoder.end(), 'â');
    assert.equal(decoder.invalidBytes, 1);
  });

  it('rejects overlong forms and surrogates like TextDecoder does, byte by byte', () => {
    const decoder = new LenientUtf8Decoder();
    assert.equal(decoder.write(Uint8Array.of(0xc0, 0xaf, 0xed, 0xa0, 0x80)) + decoder.end(), 'À¯í\u00a0€');
    assert.equal(decoder.invalidBytes, 5);
  });

  it('decodes the chunks after an invalid one as if nothing had come before', () => {
    const decoder = new LenientUtf8Decoder();
    assert.equal(decoder.write(Uint8Array.of(0xe2, 0x82, 0x41, 0xf0, 0x9f)), 'â‚A');
    assert.equal(decoder.write(Uint8Array.of(0x98, 0x80, 0xc3, 0xa9)), '😀é');
    assert.equal(decoder.write(Uint8Array.of(0xff)) + decoder.write(Uint8Array.of(0xe2, 0x82, 0xac)) + decoder.end(), 'ÿ€');
    assert.equal(decoder.invalidBytes, 3);
  });
});
