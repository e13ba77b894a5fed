/**
 * windows-1252, by table. Node 20's TextDecoder has a fast path for this label that decodes it
 * as ISO-8859-1 when not streaming (0x92 becomes U+0092 instead of a right quote), and
 * windows-1252 is exactly the encoding whose 0x80-0x9F range feeds rely on ("smart" quotes,
 * dashes, the euro sign). A 256-entry table is simpler than depending on the fixed version.
 */

/** 0x80-0x9F; the five bytes windows-1252 leaves undefined map to the C1 control, as in WHATWG. */
const HIGH_CONTROLS = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];

const CODE_UNITS = Uint16Array.from({ length: 256 }, (_, byte) => (byte >= 0x80 && byte <= 0x9f ? HIGH_CONTROLS[byte - 0x80]! : byte));

/** The character for each byte value. */
export const WINDOWS_1252: readonly string[] = Array.from(CODE_UNITS, (unit) => String.fromCharCode(unit));

export function decodeWindows1252(bytes: Uint8Array): string {
  let text = '';
  // String.fromCharCode takes its units as arguments, whose number is limited: go by blocks.
  for (let offset = 0; offset < bytes.length; offset += 8192) {
    const block = bytes.subarray(offset, offset + 8192);
    const units = new Uint16Array(block.length);
    for (let index = 0; index < block.length; index++) units[index] = CODE_UNITS[block[index]!]!;
    text += String.fromCharCode(...units);
  }
  return text;
}
