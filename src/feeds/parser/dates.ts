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
  let ms = parseIso(value);
  if (ms === null) {
    const canonical = parseCanonicalRfc822(value);
    ms = canonical === undefined ? parseRfc822(value) : canonical;
  }
  return ms === null ? null : new Date(ms).toISOString();
}

/**
 * The layout nearly every feed uses ("Wed, 02 Oct 2002 13:00:00 GMT"), read with one regular
 * expression; parseRfc822 would read it the same way, in a dozen steps. Undefined for anything
 * else (and for offsets it would reject), which then goes through parseRfc822.
 */
const CANONICAL_RFC822 =
  /^(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (?:([+-])(\d{2})(\d{2})|([A-Z]{2,4}))$/;
const CANONICAL_MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';

function parseCanonicalRfc822(value: string): number | null | undefined {
  const match = CANONICAL_RFC822.exec(value);
  if (match === null) return undefined;
  const [, day, monthName, year, hour, minute, second, sign, offsetHours, offsetMinutes, zoneName] = match;
  let offset: number;
  if (zoneName !== undefined) {
    const named = NAMED_ZONES[zoneName.toLowerCase()];
    if (named === undefined) return undefined;
    offset = named;
  } else {
    const h = Number(offsetHours);
    const m = Number(offsetMinutes);
    if (h > 14 || m > 59) return undefined;
    offset = (sign === '-' ? -1 : 1) * (h * 60 + m);
  }
  const month = CANONICAL_MONTHS.indexOf(monthName!) / 3 + 1;
  return build(Number(year), month, Number(day), Number(hour), Number(minute), Number(second), 0, offset);
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
  const midnight = Date.UTC(year, month - 1, day);
  const check = new Date(midnight);
  // Date.UTC rolls "31 Feb" over into March; such a date is a typo, not a date we can trust.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  // A leap second is folded into the previous one: JavaScript dates cannot represent it.
  const seconds = Math.min(second, 59);
  return midnight + ((hour * 60 + minute - offsetMinutes) * 60 + seconds) * 1000 + millis;
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
