/**
 * A fast test of UTF-8 bytes for characters XML 1.0 forbids, so that the repair pass
 * (xml-sanitizer.ts) can leave them out of its scan when a chunk has none (feeds practically never
 * do). Looking for them in the decoded text with a regular expression cost as much as all the
 * repair pass's other work; here 16 bytes are tested at a time, by a small WebAssembly function
 * (SIMD), ~4 ms per 20 MB copying included.
 *
 * The test is conservative: it flags every control character below U+0020 but TAB, LF and CR, and
 * every 0xEF byte, which starts U+FFFE and U+FFFF but also other characters from U+F000 on. An
 * unflagged chunk decodes to text without forbidden characters, also where the lenient decoder
 * reads invalid bytes as windows-1252 (that maps 0x80-0xFF to characters from U+0080 on). Where
 * WebAssembly is unavailable every chunk is flagged: the repair pass then scans for them itself.
 *
 * The module's source is forbidden-bytes.wat, next to this file. MODULE is its binary, rebuilt with
 * wabt 1.0.39 from the npm registry (the bytes are identical):
 *
 *   npx -y wabt@1.0.39 wat2wasm src/feeds/parser/forbidden-bytes.wat -o /tmp/forbidden-bytes.wasm
 *   base64 -w0 /tmp/forbidden-bytes.wasm
 */

const MODULE = 'AGFzbQEAAAABBgFgAX8BfwMCAQAFAwEAAgcUAgZtZW1vcnkCAAdmbGFnZ2VkAAAKygMBxwMCAX8CewJAA0AgASAATw0BIAH9AAQAIQIgA/0MAQEBAQEBAQEBAAABAQABASAC/Q4gAv0MEBAQEBAQEBAQEBAQEBAQEP1x/QwQEBAQEBAQEBAQEBAQEBAQ/Sb9UCAC/Qzv7+/v7+/v7+/v7+/v7+/v/SP9UP1QIQMgAf0ABBAhAiAD/QwBAQEBAQEBAQEAAAEBAAEBIAL9DiAC/QwQEBAQEBAQEBAQEBAQEBAQ/XH9DBAQEBAQEBAQEBAQEBAQEBD9Jv1QIAL9DO/v7+/v7+/v7+/v7+/v7+/9I/1Q/VAhAyAB/QAEICECIAP9DAEBAQEBAQEBAQAAAQEAAQEgAv0OIAL9DBAQEBAQEBAQEBAQEBAQEBD9cf0MEBAQEBAQEBAQEBAQEBAQEP0m/VAgAv0M7+/v7+/v7+/v7+/v7+/v7/0j/VD9UCEDIAH9AAQwIQIgA/0MAQEBAQEBAQEBAAABAQABASAC/Q4gAv0MEBAQEBAQEBAQEBAQEBAQEP1x/QwQEBAQEBAQEBAQEBAQEBAQ/Sb9UCAC/Qzv7+/v7+/v7+/v7+/v7+/v/SP9UP1QIQMgA/1TDQEgAUHAAGohAQwACwsgA/1TCw==';

/** Bytes tested per call: the memory (two 64 KB pages) holds them and the padding to a multiple of 64. */
const WINDOW = 65_536;

interface Scanner {
  memory: Uint8Array;
  flagged: (length: number) => number;
}

const scanner = compile();

/** Whether the WebAssembly test is in use (else every chunk is flagged). */
export const testsWithWebAssembly = scanner !== null;

function compile(): Scanner | null {
  try {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(MODULE, 'base64')));
    const exports = instance.exports as { memory: WebAssembly.Memory; flagged: (length: number) => number };
    return { memory: new Uint8Array(exports.memory.buffer), flagged: exports.flagged };
  } catch {
    return null;
  }
}

/** False when the UTF-8 bytes certainly hold no character XML 1.0 forbids; true when they may. */
export function mayHoldForbiddenCharacters(bytes: Uint8Array): boolean {
  if (scanner === null) return true;
  const { memory, flagged } = scanner;
  for (let start = 0; start < bytes.length; start += WINDOW) {
    const end = Math.min(start + WINDOW, bytes.length);
    const length = end - start;
    memory.set(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), 0);
    // Spaces up to the next multiple of 64: the function reads 64 bytes at a time.
    const padded = (length + 63) & ~63;
    memory.fill(0x20, length, padded);
    if (flagged(padded) !== 0) return true;
  }
  return false;
}
