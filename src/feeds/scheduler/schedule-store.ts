import type { Sql } from '../../store/sql.js';

/**
 * The `feed_schedule` table: when each feed is due, what its last fetch left (validators, body
 * hash, error), and who holds it. Operational state, written directly (not events): attempts
 * and leases are not worth replaying. Every write after a claim is conditioned on the lease, so
 * a process whose lease expired (it hung) cannot overwrite the work of the one that took over.
 */
export interface ScheduledFeed {
  feedUrl: string;
  etag: string | null;
  lastModified: string | null;
  contentHash: string | null;
  failures: number;
  intervalSeconds: number;
}

export interface FeedScheduleStatus extends ScheduledFeed {
  nextFetchAt: Date;
  lastFetchedAt: Date | null;
  lastSuccessAt: Date | null;
  lastStatus: string | null;
  lastError: { code: string; message: string; at: Date } | null;
  leasedUntil: Date | null;
}

interface Row {
  feed_url: string;
  etag: string | null;
  last_modified: string | null;
  content_hash: string | null;
  failures: number;
  interval_seconds: number;
  next_fetch_at: Date;
  last_fetched_at: Date | null;
  last_success_at: Date | null;
  last_status: string | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_at: Date | null;
  lease_expires_at: Date | null;
}

function toScheduled(row: Row): ScheduledFeed {
  return {
    feedUrl: row.feed_url,
    etag: row.etag,
    lastModified: row.last_modified,
    contentHash: row.content_hash,
    failures: Number(row.failures),
    intervalSeconds: Number(row.interval_seconds),
  };
}

/** Adds feeds to the schedule, due at `dueAt`; feeds already there keep their schedule. */
export async function ensureScheduled(sql: Sql, feeds: readonly { feedUrl: string; dueAt: Date }[], intervalSeconds: number): Promise<void> {
  if (feeds.length === 0) return;
  await sql.query(
    `INSERT INTO feed_schedule (feed_url, next_fetch_at, interval_seconds)
     SELECT feed_url, due_at, $3 FROM unnest($1::text[], $2::timestamptz[]) AS f(feed_url, due_at)
     ON CONFLICT (feed_url) DO NOTHING`,
    [feeds.map((feed) => feed.feedUrl), feeds.map((feed) => feed.dueAt.toISOString()), intervalSeconds],
  );
}

/**
 * Takes up to `limit` due feeds that someone subscribes to and nobody holds, oldest due first.
 * SKIP LOCKED: two processes claiming at once take different rows instead of waiting.
 */
export async function claimDue(sql: Sql, owner: string, limit: number, now: Date, leaseUntil: Date): Promise<ScheduledFeed[]> {
  const result = await sql.query<Row>(
    `WITH due AS (
       SELECT f.feed_url FROM feed_schedule f
       WHERE f.next_fetch_at <= $2 AND (f.lease_expires_at IS NULL OR f.lease_expires_at <= $2)
         AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_url = f.feed_url AND s.subscribed)
       ORDER BY f.next_fetch_at
       LIMIT $3
       FOR UPDATE OF f SKIP LOCKED
     )
     UPDATE feed_schedule f SET lease_owner = $1, lease_expires_at = $4
     FROM due WHERE f.feed_url = due.feed_url
     RETURNING f.*`,
    [owner, now.toISOString(), limit, leaseUntil.toISOString()],
    { name: 'balados_feed_schedule_claim' },
  );
  return result.rows.map(toScheduled);
}

/**
 * Takes one feed now, whether due or not (refresh on demand), adding it to the schedule if
 * needed. Undefined when another process holds it.
 */
export async function claimOne(sql: Sql, owner: string, feedUrl: string, now: Date, leaseUntil: Date, intervalSeconds: number): Promise<ScheduledFeed | undefined> {
  await ensureScheduled(sql, [{ feedUrl, dueAt: now }], intervalSeconds);
  const result = await sql.query<Row>(
    `UPDATE feed_schedule SET lease_owner = $2, lease_expires_at = $4
     WHERE feed_url = $1 AND (lease_expires_at IS NULL OR lease_expires_at <= $3)
     RETURNING *`,
    [feedUrl, owner, now.toISOString(), leaseUntil.toISOString()],
  );
  return result.rows[0] ? toScheduled(result.rows[0]) : undefined;
}

export interface SuccessRecord {
  status: string;
  etag: string | null;
  lastModified: string | null;
  contentHash: string | null;
  intervalSeconds: number;
  at: Date;
  nextFetchAt: Date;
}

/**
 * Fetches that worked, in one statement: errors cleared, validators kept, leases given back.
 * Only rows this owner still holds are written.
 */
export async function recordSuccesses(sql: Sql, owner: string, records: readonly (SuccessRecord & { feedUrl: string })[]): Promise<void> {
  if (records.length === 0) return;
  await sql.query(
    `UPDATE feed_schedule f SET next_fetch_at = r.next_fetch_at, interval_seconds = r.interval_seconds, failures = 0, last_error_code = NULL,
       last_error_message = NULL, last_error_at = NULL, last_fetched_at = r.at, last_success_at = r.at, last_status = r.status, etag = r.etag,
       last_modified = r.last_modified, content_hash = r.content_hash, lease_owner = NULL, lease_expires_at = NULL
     FROM unnest($2::text[], $3::timestamptz[], $4::integer[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[])
       AS r(feed_url, next_fetch_at, interval_seconds, at, status, etag, last_modified, content_hash)
     WHERE f.feed_url = r.feed_url AND f.lease_owner = $1`,
    [
      owner,
      records.map((record) => record.feedUrl),
      records.map((record) => record.nextFetchAt.toISOString()),
      records.map((record) => record.intervalSeconds),
      records.map((record) => record.at.toISOString()),
      records.map((record) => record.status),
      records.map((record) => record.etag),
      records.map((record) => record.lastModified),
      records.map((record) => record.contentHash),
    ],
    { name: 'balados_feed_schedule_successes' },
  );
}

export interface FailureRecord {
  code: string;
  message: string;
  failures: number;
  at: Date;
  nextFetchAt: Date;
}

export async function recordFailure(sql: Sql, owner: string, feedUrl: string, record: FailureRecord): Promise<void> {
  await sql.query(
    `UPDATE feed_schedule SET next_fetch_at = $3, failures = $4, last_error_code = $5, last_error_message = $6, last_error_at = $7,
       last_fetched_at = $7, last_status = 'error', lease_owner = NULL, lease_expires_at = NULL
     WHERE feed_url = $1 AND lease_owner = $2`,
    [feedUrl, owner, record.nextFetchAt.toISOString(), record.failures, record.code, record.message.slice(0, 1000), record.at.toISOString()],
  );
}

/** Gives a feed back untouched (the process is stopping). */
export async function releaseLease(sql: Sql, owner: string, feedUrl: string): Promise<void> {
  await sql.query('UPDATE feed_schedule SET lease_owner = NULL, lease_expires_at = NULL WHERE feed_url = $1 AND lease_owner = $2', [feedUrl, owner]);
}

/** Drops feeds nobody subscribes to any more (a new subscription schedules them again, as a first one). */
export async function dropUnsubscribed(sql: Sql, now: Date): Promise<number> {
  const result = await sql.query(
    `DELETE FROM feed_schedule f WHERE (f.lease_expires_at IS NULL OR f.lease_expires_at <= $1)
       AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.feed_url = f.feed_url AND s.subscribed)`,
    [now.toISOString()],
  );
  return result.rowCount;
}

export async function scheduleStatus(sql: Sql, feedUrl: string): Promise<FeedScheduleStatus | undefined> {
  const result = await sql.query<Row>('SELECT * FROM feed_schedule WHERE feed_url = $1', [feedUrl]);
  const row = result.rows[0];
  return row ? toStatus(row) : undefined;
}

export async function scheduleStatuses(sql: Sql, options: { failingOnly?: boolean; limit: number }): Promise<FeedScheduleStatus[]> {
  const result = await sql.query<Row>(
    `SELECT * FROM feed_schedule WHERE ($1::boolean IS FALSE OR failures > 0) ORDER BY failures DESC, next_fetch_at LIMIT $2`,
    [options.failingOnly ?? false, options.limit],
  );
  return result.rows.map(toStatus);
}

function toStatus(row: Row): FeedScheduleStatus {
  return {
    ...toScheduled(row),
    nextFetchAt: row.next_fetch_at,
    lastFetchedAt: row.last_fetched_at,
    lastSuccessAt: row.last_success_at,
    lastStatus: row.last_status,
    lastError: row.last_error_code ? { code: row.last_error_code, message: row.last_error_message ?? '', at: row.last_error_at! } : null,
    leasedUntil: row.lease_expires_at,
  };
}
