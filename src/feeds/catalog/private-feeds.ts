import { lockProjector } from '../../projections/checkpoints.js';
import { deleteStreams } from '../../store/delete-streams.js';
import type { Sql } from '../../store/sql.js';
import { isPersonalFeedUrl } from '../personal-feed-url.js';
import { feedStream } from './feed-decider.js';

/**
 * What an erased account leaves of its private feeds (a URL with a secret: credentials, a
 * `token=`...) that no other account follows: the feed's stream and events, its catalog rows and
 * its refresh schedule, all of which hold the secret URL. Public feeds stay: they reveal nothing
 * about who followed them. Run in the erasure's transaction while the account's subscription
 * rows still exist (`beforeForgetUser`). The catalog's lock is taken first, so a catalog batch
 * in flight ends before the rows go, and one starting after finds no events to write them from.
 */
export async function forgetPrivateFeeds(tx: Sql, userId: string, catalogProjector: string): Promise<string[]> {
  const followed = await tx.query<{ feed_url: string }>(
    `SELECT DISTINCT u.feed_url FROM (
       SELECT feed_url FROM subscriptions WHERE user_id = $1
       UNION SELECT moved_to FROM subscriptions WHERE user_id = $1 AND moved_to IS NOT NULL
     ) u
     WHERE NOT EXISTS (SELECT 1 FROM subscriptions o WHERE o.feed_url = u.feed_url AND o.user_id <> $1)`,
    [userId],
  );
  const feeds = followed.rows.map((row) => row.feed_url).filter(isPersonalFeedUrl);
  if (feeds.length === 0) return [];
  await lockProjector(tx, catalogProjector);
  await deleteStreams(tx, feeds.map(feedStream));
  await tx.query('DELETE FROM catalog_episodes WHERE feed_url = ANY($1::text[])', [feeds]);
  await tx.query('DELETE FROM catalog_podcasts WHERE feed_url = ANY($1::text[])', [feeds]);
  await tx.query('DELETE FROM feed_schedule WHERE feed_url = ANY($1::text[])', [feeds]);
  return feeds;
}
