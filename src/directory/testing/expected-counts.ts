import { effectivePrivacyLevel } from '../../privacy/privacy-service.js';
import type { Sql } from '../../store/sql.js';

/**
 * For tests: the subscriber counts the per-user read models imply, through the privacy
 * context's own rule (`effectivePrivacyLevel`), for the feeds under `prefix`; most subscribed
 * first, as the toplist orders them. The directory projection must agree once caught up.
 */
export async function countsFromReadModels(db: Sql, prefix: string): Promise<[string, number][]> {
  const rows = await db.query<{ user_id: string; feed_url: string }>('SELECT user_id, feed_url FROM subscriptions WHERE subscribed AND starts_with(feed_url, $1)', [prefix]);
  const counted = new Map<string, number>();
  for (const row of rows.rows) {
    if ((await effectivePrivacyLevel(db, row.user_id, row.feed_url)) !== 'private') counted.set(row.feed_url, (counted.get(row.feed_url) ?? 0) + 1);
  }
  return [...counted].sort(([a, m], [b, n]) => n - m || (a < b ? -1 : 1));
}

/** The directory's counts for the feeds under `prefix`, in the same order. */
export async function directoryCounts(db: Sql, prefix: string): Promise<[string, number][]> {
  const rows = await db.query<{ feed_url: string; subscribers: number }>(
    'SELECT feed_url, subscribers FROM directory_podcasts WHERE starts_with(feed_url, $1) ORDER BY subscribers DESC, feed_url COLLATE "C"',
    [prefix],
  );
  return rows.rows.map((row) => [row.feed_url, Number(row.subscribers)]);
}
