/** Reading the small values feeds write as text: booleans, numbers, sizes, lists. */

/** "yes" / "true" (the two spellings namespaces use), case-insensitive. */
export function isYes(value: string | null): boolean {
  if (value === null) return false;
  const lower = value.trim().toLowerCase();
  return lower === 'yes' || lower === 'true';
}

/** itunes:explicit: Apple asks for true/false, older feeds say yes/no/explicit/clean. Anything else is unknown. */
export function parseExplicit(value: string | null): boolean | null {
  if (value === null) return null;
  const lower = value.trim().toLowerCase();
  if (lower === 'yes' || lower === 'true' || lower === 'explicit') return true;
  if (lower === 'no' || lower === 'false' || lower === 'clean') return false;
  return null;
}

/** A finite decimal number ("3", "1.5", " 2 "); null for anything else. */
export function parseNumber(value: string | null): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(trimmed)) return null;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : null;
}

/** A non-negative integer (season, episode number); null for fractions, negatives and garbage. */
export function parseInteger(value: string | null): number | null {
  const number = parseNumber(value);
  return number !== null && Number.isSafeInteger(number) && number >= 0 ? number : null;
}

/** A size in bytes: also accepts "1,234,567" and "1234.0", which feed generators produce. */
export function parseByteLength(value: string | null): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  const cleaned = trimmed.includes(',') ? trimmed.replace(/,(?=\d{3}(?:\D|$))/g, '') : trimmed;
  const number = parseNumber(cleaned);
  if (number === null || number < 0) return null;
  const bytes = Math.floor(number);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

/** Whitespace other than single spaces: what collapsing whitespace runs would change. */
const UNCOLLAPSED = /[^\S ]| {2}/;

/** Whitespace runs as single spaces (the text itself when there is nothing to collapse, as in most titles). */
export function collapseWhitespace(text: string): string {
  return UNCOLLAPSED.test(text) ? text.replace(/\s+/g, ' ') : text;
}

/** Comma-separated keywords, trimmed, without empties or duplicates. */
export function splitKeywords(value: string | null): string[] {
  if (value === null) return [];
  // Whitespace runs never span a comma: collapsing the whole list collapses each keyword.
  const list = collapseWhitespace(value);
  const keywords: string[] = [];
  // A set only for long lists (hostile input): a few keywords are checked faster in the array.
  let seen: Set<string> | null = null;
  for (let start = 0; ; ) {
    const comma = list.indexOf(',', start);
    const keyword = (comma === -1 ? list.slice(start) : list.slice(start, comma)).trim();
    if (keyword !== '' && !(seen === null ? keywords.includes(keyword) : seen.has(keyword))) {
      keywords.push(keyword);
      if (seen !== null) seen.add(keyword);
      else if (keywords.length === 16) seen = new Set(keywords);
    }
    if (comma === -1) return keywords;
    start = comma + 1;
  }
}

/** Trimmed text; null when empty. */
export function nonEmpty(value: string | null | undefined): string | null {
  if (value == null) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
