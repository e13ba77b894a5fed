/**
 * Client time: when a device says a change happened. Conflicts between devices are settled by
 * it (the latest change wins), so it must be comparable and must not be able to win by lying:
 * a time in the future is clamped to the server's time of receipt.
 *
 * Times travel in events as ISO 8601 UTC strings with milliseconds (`toISOString()` form), which
 * compare correctly as strings and read well in exports.
 */
export type IsoTime = string;

/** Earliest client time accepted (anything before is a device with a broken clock). */
export const EARLIEST_CLIENT_TIME = Date.UTC(2000, 0, 1);

/**
 * The time a change counts as made at: the client's time, clamped to `receivedAt` (server time,
 * ms) when in the future; `receivedAt` when the client gave none or one before 2000.
 */
export function effectiveTime(clientTime: number | undefined, receivedAt: number): IsoTime {
  const at = clientTime === undefined || !Number.isFinite(clientTime) || clientTime < EARLIEST_CLIENT_TIME ? receivedAt : Math.min(clientTime, receivedAt);
  return new Date(at).toISOString();
}

/** Whether a change made at `candidate` supersedes one made at `current` (ties: the later arrival wins). */
export function supersedes(candidate: IsoTime, current: IsoTime | undefined): boolean {
  return current === undefined || candidate >= current;
}
