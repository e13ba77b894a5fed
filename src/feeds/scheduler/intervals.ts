/**
 * When to fetch a feed next: pure functions of what the feed showed, so they can be tested
 * without clocks or servers.
 */
export interface IntervalBounds {
  minSeconds: number;
  maxSeconds: number;
}

export interface BackoffBounds {
  /** Delay after the first failure; doubles with each further one. */
  firstSeconds: number;
  maxSeconds: number;
}

/** Episodes looked at to judge the rhythm: recent habits matter, a show's first years do not. */
const RHYTHM_SAMPLE = 10;

/**
 * The refresh interval for a feed whose episodes were published at `published` (ISO strings,
 * any order; undated ones ignored): a quarter of the median gap between its recent episodes, so
 * a daily show is checked every six hours and a weekly one about every two days, within the
 * bounds. A feed silent for much longer than its usual gap is checked less often (up to the
 * maximum); a feed with fewer than two dated episodes gets the geometric middle of the bounds.
 */
export function refreshInterval(published: readonly (string | null)[], nowMs: number, bounds: IntervalBounds): number {
  const times = published
    .map((value) => (value === null ? NaN : Date.parse(value)))
    .filter((time) => Number.isFinite(time) && time <= nowMs)
    .sort((a, b) => b - a)
    .slice(0, RHYTHM_SAMPLE + 1);
  if (times.length < 2) return clamp(Math.round(Math.sqrt(bounds.minSeconds * bounds.maxSeconds)), bounds);
  const gaps: number[] = [];
  for (let index = 1; index < times.length; index++) gaps.push((times[index - 1]! - times[index]!) / 1000);
  gaps.sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)]!;
  let interval = median / 4;
  const silence = (nowMs - times[0]!) / 1000;
  // Dormant: silent for four of its usual gaps. Checked at the pace of its silence instead.
  if (median > 0 && silence > 4 * median) interval = Math.max(interval, silence / 4);
  return clamp(Math.round(interval), bounds);
}

/**
 * The delay before retrying a feed that failed `failures` times in a row (1 for the first):
 * doubling from `firstSeconds`, at most `maxSeconds`; a server's Retry-After is honoured when it
 * asks for longer (within the maximum).
 */
export function backoffDelay(failures: number, bounds: BackoffBounds, retryAfterSeconds?: number): number {
  const exponent = Math.min(Math.max(failures, 1) - 1, 30);
  const delay = Math.min(bounds.firstSeconds * 2 ** exponent, bounds.maxSeconds);
  return retryAfterSeconds !== undefined && retryAfterSeconds > delay ? Math.min(Math.ceil(retryAfterSeconds), bounds.maxSeconds) : delay;
}

function clamp(seconds: number, bounds: IntervalBounds): number {
  return Math.min(Math.max(seconds, bounds.minSeconds), bounds.maxSeconds);
}
