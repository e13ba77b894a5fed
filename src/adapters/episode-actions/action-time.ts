/**
 * Episode action timestamps as gpodder clients send and read them (protocol notes 1.5).
 *
 * Received: mygpo reads them with dateutil (ISO 8601 in many spellings), gpoddersync only as
 * `Y-m-d\TH:i:s` in UTC. Accepted here: a date (`2026-03-02` or `20260302`), optionally a time
 * after `T` or a space (`08:15:05`, `08:15`, `081505`, with a fraction), optionally a zone
 * (`Z`, `UTC`, `+01:00`, `+0100`, `+01`); no zone means UTC, as every client sends it. A JSON
 * number, or a string of digits, is epoch seconds (lenient: mygpo fails on it with a 500).
 *
 * Sent: exactly `YYYY-MM-DDTHH:MM:SS` in UTC, the one form all four clients read.
 */
const ISO = /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Epoch ms of an action timestamp; undefined when absent (null or missing); NaN when unreadable. */
export function parseActionTime(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : Number.NaN;
  if (typeof value !== 'string') return Number.NaN;
  const text = value.trim();
  if (/^\d{9,11}(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const match = ISO.exec(text);
  if (!match) return Number.NaN;
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  const fields = [Number(year), Number(month), Number(day), Number(hour), Number(minute), Number(second)] as const;
  if (fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 || fields[4] > 59 || fields[5] > 59) return Number.NaN;
  const utc = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5], Number(fraction.padEnd(3, '0').slice(0, 3)));
  // 31 February would roll over into March: refuse it rather than move the date.
  if (new Date(utc).getUTCDate() !== fields[2]) return Number.NaN;
  return utc - zoneOffsetMs(zone);
}

function zoneOffsetMs(zone: string): number {
  if (/^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60_000;
}

/** `2026-03-02T08:15:05` (UTC, no fraction, no zone) of an ISO time or epoch ms. */
export function formatActionTime(at: string | number): string {
  return new Date(at).toISOString().slice(0, 19);
}
