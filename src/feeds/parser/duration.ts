/**
 * itunes:duration parsing. Apple documents seconds or "HH:MM:SS" / "MM:SS", but feeds also carry
 * fractional seconds, ISO 8601 durations and "1h 30m": all are accepted; anything else is null
 * rather than a guess, because a wrong duration breaks progress sync for the episode.
 */

const CLOCK = /^(\d+)(?::(\d+))?:(\d+(?:\.\d+)?)$/;
const ISO_DURATION = /^p(?:(\d+(?:\.\d+)?)d)?(?:t(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?)?$/i;
const UNITS =
  /^(?:(\d+(?:\.\d+)?)\s*h(?:(?:ou)?rs?)?\.?)?\s*(?:(\d+(?:\.\d+)?)\s*m(?:in(?:ute)?s?)?\.?)?\s*(?:(\d+(?:\.\d+)?)\s*s(?:ec(?:ond)?s?)?\.?)?$/i;

/** Returns whole seconds (rounded), or null when the value is absent or not understood. */
export function parseDuration(raw: string | null | undefined): number | null {
  if (raw == null) return null;
  const value = raw.trim();
  if (value === '') return null;

  if (/^\d+(?:\.\d+)?$/.test(value)) return Math.round(Number(value));

  const clock = CLOCK.exec(value);
  if (clock) {
    const [, first, middle, last] = clock;
    const seconds = Number(last);
    if (seconds >= 60) return null;
    if (middle === undefined) return Math.round(Number(first) * 60 + seconds);
    const minutes = Number(middle);
    // "1:75:00" is not a clock reading; MM:SS with MM >= 60 ("75:30") is common and accepted above.
    if (minutes >= 60) return null;
    return Math.round(Number(first) * 3600 + minutes * 60 + seconds);
  }

  const iso = ISO_DURATION.exec(value);
  if (iso && value.length > 1 && !/t$/i.test(value)) {
    const [, days, hours, minutes, seconds] = iso;
    return Math.round(Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0));
  }

  const units = UNITS.exec(value);
  if (units && (units[1] ?? units[2] ?? units[3]) !== undefined) {
    const [, hours, minutes, seconds] = units;
    return Math.round(Number(hours ?? 0) * 3600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0));
  }
  return null;
}
