import type { Sql } from '../../store/sql.js';

/**
 * The `since`/`timestamp` values of the gpodder.net API: integer epoch seconds (Kasts shows them
 * as a date), mapped onto the account's event numbers so that no change is ever missed.
 *
 * Giving out second S records "mark(S) = the account's head when S was given" (the lowest such
 * head when S is given several times). `since=T` then returns the rows whose seq is above the
 * mark of the greatest second at or below T (none: everything). The same mark is also recorded
 * for S + 1, because Kasts resumes at `timestamp + 1`: without it, a second S + 1 given later
 * (with a higher head) would hide the changes made between the two. At most one second of changes
 * comes back twice, which every client treats as a no-op.
 */
export async function giveTimestamp(sql: Sql, userId: string, head: number, nowMs: number): Promise<number> {
  const second = Math.floor(nowMs / 1000);
  // Heads only ever go down (LEAST): a second already given here with a head at or below this
  // one needs no write. Uploads in a busy second then cost no commit of their own.
  let given = recentlyGiven.get(sql);
  if (!given) recentlyGiven.set(sql, (given = new Map()));
  const last = given.get(userId);
  if (last && last.second === second && last.head <= head) return second;
  await sql.query(
    `INSERT INTO gpodder_marks (user_id, second, head) VALUES ($1, $2, $4), ($1, $3, $4)
     ON CONFLICT (user_id, second) DO UPDATE SET head = LEAST(gpodder_marks.head, EXCLUDED.head)`,
    [userId, second, second + 1, head],
    { name: 'balados_gpodder_give_timestamp' },
  );
  if (given.size >= RECENTLY_GIVEN_KEPT) given.clear();
  given.set(userId, { second, head: last && last.second === second ? Math.min(last.head, head) : head });
  return second;
}

/** Per database, per account: the last second given and the head it was recorded with. */
const recentlyGiven = new WeakMap<Sql, Map<string, { second: number; head: number }>>();
const RECENTLY_GIVEN_KEPT = 10_000;

/** The event number a client resuming at `since` has seen everything up to (0: nothing). */
export async function markOf(sql: Sql, userId: string, since: number): Promise<number> {
  if (since <= 0) return 0;
  const result = await sql.query<{ head: number }>(
    'SELECT head FROM gpodder_marks WHERE user_id = $1 AND second <= $2 ORDER BY second DESC LIMIT 1',
    [userId, since],
    { name: 'balados_gpodder_mark_of' },
  );
  return Number(result.rows[0]?.head ?? 0);
}

/**
 * `episodes` marks are kept per caller rather than per device: an episode download names no
 * device (the path has none), so the upload that follows finds its download by the credentials
 * both carried (callerKey in episode-sync.ts), or by the device an app password was made for.
 */
export type MarkKind = 'subscriptions' | 'episodes';

/** Remembers the second a download gave a device (see uploadTimestamp). */
export async function rememberDownload(sql: Sql, userId: string, deviceId: string, kind: MarkKind, second: number): Promise<void> {
  await sql.query(
    `INSERT INTO gpodder_device_marks (user_id, device_id, kind, second) VALUES ($1, $2, $3, $4)
     ON CONFLICT (user_id, device_id, kind) DO UPDATE SET second = EXCLUDED.second`,
    [userId, deviceId, kind, second],
  );
}

/**
 * The `timestamp` an upload answers. AntennaPod and gPodder replace their `since` by it, Kasts
 * by it + 1. Answering a fresh second would step the device over another device's change that
 * landed between its download and this upload; so the answer is the second its last download
 * was given (the protocol notes' recommendation, 1.6 rule 5): the device gets its own upload back
 * once, which is harmless. A device that never downloaded gets a second mapped to the head
 * before the upload (`headBefore`): nothing it has not seen can be below that.
 */
export async function uploadTimestamp(sql: Sql, userId: string, deviceId: string, kind: MarkKind, headBefore: number, nowMs: number): Promise<number> {
  const { remembered } = await beforeUpload(sql, userId, deviceId, kind);
  return answerUpload(sql, userId, { remembered, head: headBefore }, nowMs);
}

/** What an upload's answer needs, read before it writes, in one round trip: the remembered second and the head. */
export async function beforeUpload(sql: Sql, userId: string, deviceId: string, kind: MarkKind): Promise<{ remembered: number | undefined; head: number }> {
  const result = await sql.query<{ second: number | null; head: number | null }>(
    `SELECT (SELECT second FROM gpodder_device_marks WHERE user_id = $1 AND device_id = $2 AND kind = $3) AS second,
            (SELECT seq FROM user_sequences WHERE user_id = $1) AS head`,
    [userId, deviceId, kind],
    { name: 'balados_gpodder_before_upload' },
  );
  const row = result.rows[0];
  return { remembered: row?.second == null ? undefined : Number(row.second), head: Number(row?.head ?? 0) };
}

/** The upload's `timestamp`: the remembered download second, else a second mapped to the head before the upload. */
export async function answerUpload(sql: Sql, userId: string, before: { remembered: number | undefined; head: number }, nowMs: number): Promise<number> {
  return before.remembered ?? giveTimestamp(sql, userId, before.head, nowMs);
}
