/**
 * Date parsing for feeds: RFC 822 / RFC 2822 as written by real publishers, and ISO 8601.
 *
 * `Date.parse` is deliberately not used: V8 accepts almost anything ("1" is the year 2001, a
 * localized month name silently becomes NaN or another date), which would turn garbage into
 * plausible but wrong publication dates. Here an unrecognized token makes the whole value null,
 * so the caller can report it.
 */

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5,
  jun: 6, june: 6, jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9,
  oct: 10, october: 10, nov: 11, november: 11, dec: 12, december: 12,
};

const WEEKDAYS = new Set([
  'mon', 'monday', 'tue', 'tues', 'tuesday', 'wed', 'wednesday', 'thu', 'thur', 'thurs', 'thursday',
  'fri', 'friday', 'sat', 'saturday', 'sun', 'sunday',
]);

/** Offsets in minutes. Only unambiguous abbreviations: IST (India, Ireland, Israel) is left out on purpose. */
const NAMED_ZONES: Record<string, number> = {
  z: 0, ut: 0, utc: 0, gmt: 0, wet: 0,
  est: -300, edt: -240, cst: -360, cdt: -300, mst: -420, mdt: -360, pst: -480, pdt: -420,
  akst: -540, akdt: -480, hst: -600, ast: -240, adt: -180, nst: -210, ndt: -150,
  bst: 60, cet: 60, cest: 120, met: 60, mest: 120, west: 60, eet: 120, eest: 180, msk: 180,
  jst: 540, kst: 540, hkt: 480, sgt: 480, awst: 480, acst: 570, acdt: 630, aest: 600, aedt: 660,
  nzst: 720, nzdt: 780,
};

const ISO_PATTERN =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:(?:t|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(z|utc|gmt|[+-]\d{2}(?::?\d{2})?)?$/i;
const TIME_PATTERN = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?$/;
const NUMERIC_OFFSET = /^(?:gmt|utc|ut)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

/** Parses a feed date into an ISO 8601 UTC string, or null when it cannot be read with confidence. */
export function parseDate(raw: string | null | undefined): string | null {
  if (raw == null) return null;
  const value = raw.trim();
  if (value === '') return null;
  // The common layout first: it never reads as ISO 8601 (that starts with four digits and a dash).
  let ms = parseCanonicalRfc822(value);
  if (ms === undefined) {
    ms = parseIso(value);
    if (ms === null) ms = parseRfc822(value);
  }
  return ms === null ? null : isoString(ms);
}

/**
 * The layout nearly every feed uses ("Wed, 02 Oct 2002 13:00:00 GMT", the zone also "+0100"),
 * read character by character: parseRfc822 would read it the same way in a dozen steps, and a
 * regular expression with ten groups cost more than the rest of the date's reading. Undefined for
 * anything else (and for zones or offsets it does not take), which then goes the general way.
 */
function parseCanonicalRfc822(value: string): number | null | undefined {
  const length = value.length;
  let at = 0;
  if (length > 5 && value.charCodeAt(3) === 0x2c) {
    if (value.charCodeAt(4) !== 0x20 || weekdayAt(value) === -1) return undefined;
    at = 5;
  }
  // Day (1-2 digits), month name, year (4 digits), each followed by a space.
  const dayDigits = digitCount(value, at, 2);
  if (dayDigits === 0 || value.charCodeAt(at + dayDigits) !== 0x20) return undefined;
  const day = fixedDigits(value, at, dayDigits);
  at += dayDigits + 1;
  const month = monthAt(value, at);
  if (month === -1 || value.charCodeAt(at + 3) !== 0x20) return undefined;
  at += 4;
  const year = fixedDigits(value, at, 4);
  if (year < 0 || value.charCodeAt(at + 4) !== 0x20) return undefined;
  at += 5;
  // Time: H or HH, then :MM:SS, then a space.
  const hourDigits = digitCount(value, at, 2);
  if (hourDigits === 0 || value.charCodeAt(at + hourDigits) !== 0x3a) return undefined;
  const hour = fixedDigits(value, at, hourDigits);
  at += hourDigits + 1;
  const minute = fixedDigits(value, at, 2);
  if (minute < 0 || value.charCodeAt(at + 2) !== 0x3a) return undefined;
  const second = fixedDigits(value, at + 3, 2);
  if (second < 0 || value.charCodeAt(at + 5) !== 0x20) return undefined;
  at += 6;
  const offset = zoneAt(value, at, length - at);
  if (offset === undefined) return undefined;
  return build(year, month, day, hour, minute, second, 0, offset);
}

const WEEKDAY_NAMES = 'MonTueWedThuFriSatSun';
const CANONICAL_MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

/** The index of the three-letter English weekday at the start (case as written by RFC 822), or -1. */
function weekdayAt(value: string): number {
  return threeLetterIndex(WEEKDAY_NAMES, value, 0);
}

/** The month (1-12) whose three-letter English name is at `at` (as RFC 822 writes it), or -1. */
function monthAt(value: string, at: number): number {
  const index = threeLetterIndex(CANONICAL_MONTHS, value, at);
  return index === -1 ? -1 : index + 1;
}

function threeLetterIndex(names: string, value: string, at: number): number {
  const a = value.charCodeAt(at);
  const b = value.charCodeAt(at + 1);
  const c = value.charCodeAt(at + 2);
  for (let index = 0; index < names.length; index += 3) {
    if (names.charCodeAt(index) === a && names.charCodeAt(index + 1) === b && names.charCodeAt(index + 2) === c) return index / 3;
  }
  return -1;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** How many digits (at most `max`) follow one another from `at`. */
function digitCount(value: string, at: number, max: number): number {
  let count = 0;
  while (count < max && isDigit(value.charCodeAt(at + count))) count++;
  return count;
}

/** The number written with exactly `count` digits at `at`, or -1. */
function fixedDigits(value: string, at: number, count: number): number {
  let number = 0;
  for (let index = at; index < at + count; index++) {
    const code = value.charCodeAt(index);
    if (!isDigit(code)) return -1;
    number = number * 10 + (code - 0x30);
  }
  return number;
}

/**
 * The zone that ends the canonical layout, `count` characters at `at`: "+HHMM"/"-HHMM" (at most
 * 14 hours, 59 minutes) or a known name of 2 to 4 capital letters; undefined for anything else.
 */
function zoneAt(value: string, at: number, count: number): number | undefined {
  const sign = value.charCodeAt(at);
  if (sign === 0x2b || sign === 0x2d) {
    if (count !== 5) return undefined;
    const hours = fixedDigits(value, at + 1, 2);
    const minutes = fixedDigits(value, at + 3, 2);
    if (hours < 0 || minutes < 0 || hours > 14 || minutes > 59) return undefined;
    return (sign === 0x2d ? -1 : 1) * (hours * 60 + minutes);
  }
  if (count < 2 || count > 4) return undefined;
  for (let index = at; index < at + count; index++) {
    const code = value.charCodeAt(index);
    if (code < 0x41 || code > 0x5a) return undefined;
  }
  return NAMED_ZONES[value.slice(at).toLowerCase()];
}

function parseIso(value: string): number | null {
  const match = ISO_PATTERN.exec(value);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const offset = zone === undefined ? 0 : parseZone(zone);
  if (offset === null) return null;
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  return build(Number(year), Number(month), Number(day), Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0), millis, offset);
}

function parseRfc822(value: string): number | null {
  const tokens = value
    // "09-Oct-2020" and "Oct.": separators that some generators use instead of spaces.
    .replace(/(\d)-(?=[a-z])/gi, '$1 ')
    .replace(/([a-z])[-.](?=\d)/gi, '$1 ')
    // "(CET)" after an offset, as in JavaScript's Date#toString output: redundant with the offset.
    .replace(/\([^)]*\)/g, ' ')
    .replace(/,/g, ' ')
    .split(/\s+/)
    .filter((token) => token !== '');

  let month: number | null = null;
  let time: RegExpExecArray | null = null;
  let offset: number | null = null;
  let meridiem: 'am' | 'pm' | null = null;
  const numbers: string[] = [];

  // A leading word followed by a comma is a weekday, even a localized one ("Fre, 18 Mar 2022"): it is
  // ignored anyway, so it must not make an otherwise readable date unreadable.
  const leadingWeekday = /^\p{L}{2,}\.?,/u.test(value);
  for (const [index, token] of tokens.entries()) {
    const lower = token.toLowerCase().replace(/\.$/, '');
    if (index === 0 && (WEEKDAYS.has(lower) || (leadingWeekday && MONTHS[lower] === undefined))) continue;
    if (month === null && MONTHS[lower] !== undefined) {
      month = MONTHS[lower];
      continue;
    }
    if (/^\d{1,4}$/.test(lower) && numbers.length < 2 && (time === null || numbers.length === 1)) {
      numbers.push(lower);
      continue;
    }
    const timeMatch: RegExpExecArray | null = time === null ? TIME_PATTERN.exec(lower) : null;
    if (timeMatch) {
      time = timeMatch;
      continue;
    }
    if ((lower === 'am' || lower === 'pm') && time !== null && meridiem === null) {
      meridiem = lower;
      continue;
    }
    if (offset === null && time !== null) {
      const zone = parseZone(lower);
      if (zone !== null) {
        offset = zone;
        continue;
      }
    }
    // Anything else (a localized month, a word, a second time...) means we do not understand the value.
    return null;
  }
  if (month === null || numbers.length !== 2) return null;

  const [first, second] = numbers as [string, string];
  // Day comes before year in every layout seen in feeds ("12 Jan 2020", "Jan 12 2020"), except
  // when the year is the one written with four digits first ("2020 Jan 12").
  const [dayText, yearText] = first.length === 4 && second.length <= 2 ? [second, first] : [first, second];
  if (dayText.length > 2) return null;
  const year = expandYear(yearText);

  let hour = time ? Number(time[1]) : 0;
  if (meridiem !== null) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  }
  const minute = time ? Number(time[2]) : 0;
  const secondValue = time?.[3] === undefined ? 0 : Number(time[3]);
  return build(year, month, Number(dayText), hour, minute, secondValue, 0, offset ?? 0);
}

/** RFC 2822 section 4.3: two-digit years 00-49 are 20xx, 50-99 are 19xx; three-digit years add 1900. */
function expandYear(text: string): number {
  const year = Number(text);
  if (text.length === 2) return year < 50 ? 2000 + year : 1900 + year;
  if (text.length === 3) return 1900 + year;
  return year;
}

function parseZone(zone: string): number | null {
  const lower = zone.toLowerCase();
  const named = NAMED_ZONES[lower];
  if (named !== undefined) return named;
  // RFC 2822 says single-letter military zones are unreliable and must be read as -0000.
  if (/^[a-ik-y]$/.test(lower)) return 0;
  const numeric = NUMERIC_OFFSET.exec(lower);
  if (!numeric) return null;
  const [, sign, hours, minutes] = numeric;
  const h = Number(hours);
  const m = Number(minutes ?? 0);
  if (h > 14 || m > 59) return null;
  return (sign === '-' ? -1 : 1) * (h * 60 + m);
}

function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
  offsetMinutes: number,
): number | null {
  if (year < 1000 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (minute > 59 || second > 60) return null;
  // "24:00:00" is ISO 8601's end of day (seen in real liveItem start times); 24:30 is not a time.
  if (hour > 24 || (hour === 24 && (minute !== 0 || second !== 0 || millis !== 0))) return null;
  // "31 Feb" is a typo, not a date we can trust (Date.UTC would roll it over into March).
  if (day > 28 && day > daysInMonth(year, month)) return null;
  const midnight = Date.UTC(year, month - 1, day);
  // A leap second is folded into the previous one: JavaScript dates cannot represent it.
  const seconds = Math.min(second, 59);
  return midnight + ((hour * 60 + minute - offsetMinutes) * 60 + seconds) * 1000 + millis;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return MONTH_DAYS[month - 1]!;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

const DAY_MS = 86_400_000;
/** 1000-01-01 and 10000-01-01: between them toISOString writes a plain four-digit year. */
const FOUR_DIGIT_YEARS_FROM = -30_610_224_000_000;
const FOUR_DIGIT_YEARS_UNTIL = 253_402_300_800_000;
const TWO_DIGITS = Array.from({ length: 100 }, (_, value) => String(value).padStart(2, '0'));

/**
 * What `new Date(ms).toISOString()` returns, computed here for four-digit years: the built-in
 * cost more than reading the date (a call into the runtime per date). Civil date from a day
 * count as in Howard Hinnant's `civil_from_days`.
 */
function isoString(ms: number): string {
  if (ms < FOUR_DIGIT_YEARS_FROM || ms >= FOUR_DIGIT_YEARS_UNTIL) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  let time = ms - days * DAY_MS;
  const shifted = days + 719_468;
  const era = Math.floor(shifted / 146_097);
  const dayOfEra = shifted - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const millis = time % 1000;
  time = (time - millis) / 1000;
  const seconds = time % 60;
  time = (time - seconds) / 60;
  const minutes = time % 60;
  const hours = (time - minutes) / 60;
  return (
    `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}` +
    `T${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${millis < 100 ? '0' : ''}${millis < 10 ? '0' : ''}${millis}Z`
  );
}

/**
 * Of several candidate date texts (feeds spread dates over pubDate, dc:date, atom:published…),
 * the first that parses, with its text; and the first text seen at all, to name in a warning.
 */
export function firstDate(raws: readonly (string | null)[]): { parsed: string | null; raw: string | null; firstRaw: string | null } {
  let firstRaw: string | null = null;
  for (const raw of raws) {
    if (raw === null) continue;
    firstRaw ??= raw;
    const parsed = parseDate(raw);
    if (parsed !== null) return { parsed, raw, firstRaw };
  }
  return { parsed: null, raw: null, firstRaw };
}
