import { DomainError } from '../../domain/decider.js';
import type { Projector } from '../../projections/projector.js';
import { ConcurrencyError } from '../../store/events.js';
import type { Sql } from '../../store/sql.js';
import type { SubscriptionEvent } from '../../subscriptions/subscription-decider.js';
import { ownerOf } from '../../subscriptions/subscriptions-projector.js';
import { feedStream, type FeedEvent } from './feed-decider.js';

export type MoveFeed = (userId: string, from: string, to: string, options: { tx: Sql }) => Promise<void>;

const ATTEMPTS = 5;

/**
 * A feed moved (FeedMoved): every account subscribed to the old URL follows it, through the sync
 * domain's own move (subscription history, privacy settings, collection places), in the batch's
 * transaction, so the checkpoint and the moves commit together. Idempotent: an account already
 * moved is no longer subscribed to the old URL, and an account that subscribed to the old URL
 * after the move (client time) is left alone, so replaying the log after a reset moves no one twice.
 */
export function feedMoveReactor(moveFeed: MoveFeed): Projector {
  return {
    name: 'feed_moves',
    kind: 'async',
    version: 1,
    handles: ['FeedMoved', 'PodcastSubscribed'],
    tables: [],
    async apply(tx, events) {
      const subscribed: { userId: string; feedUrl: string }[] = [];
      for (const recorded of events) {
        if (recorded.type === 'PodcastSubscribed') {
          const { data } = recorded as unknown as Extract<SubscriptionEvent, { type: 'PodcastSubscribed' }>;
          if (!data.superseded) subscribed.push({ userId: ownerOf(recorded, 'subscriptions-'), feedUrl: data.feedUrl });
          continue;
        }
        const { feedUrl: from, to } = (recorded as unknown as Extract<FeedEvent, { type: 'FeedMoved' }>).data;
        const subscribers = await tx.query<{ user_id: string }>(
          'SELECT user_id FROM subscriptions WHERE feed_url = $1 AND subscribed AND changed_at <= $2 ORDER BY user_id',
          [from, recorded.recordedAt],
        );
        for (const { user_id: userId } of subscribers.rows) await moveOne(tx, moveFeed, userId, from, to);
      }
      if (subscribed.length > 0) await followEarlierMoves(tx, moveFeed, subscribed);
    },
    async forgetUser() {},
  };
}

/** Subscriptions to URLs that had already moved away: each account follows, if still subscribed there. */
async function followEarlierMoves(tx: Sql, moveFeed: MoveFeed, subscribed: readonly { userId: string; feedUrl: string }[]): Promise<void> {
  const streams = new Map(subscribed.map(({ feedUrl }) => [feedStream(feedUrl), feedUrl]));
  const moved = await tx.query<{ stream_id: string; moved_to: string }>(
    `SELECT stream_id, state->>'movedTo' AS moved_to FROM snapshots WHERE stream_id = ANY($1::text[]) AND state->>'movedTo' IS NOT NULL`,
    [[...streams.keys()]],
  );
  const movedTo = new Map(moved.rows.map((row) => [streams.get(row.stream_id)!, row.moved_to]));
  for (const { userId, feedUrl } of subscribed) {
    const to = movedTo.get(feedUrl);
    if (!to) continue;
    const still = await tx.query('SELECT 1 FROM subscriptions WHERE user_id = $1 AND feed_url = $2 AND subscribed', [userId, feedUrl]);
    if (still.rowCount > 0) await moveOne(tx, moveFeed, userId, feedUrl, to);
  }
}

/** One account's move, in a savepoint: a conflict with that account's own writes is retried alone. */
async function moveOne(tx: Sql, moveFeed: MoveFeed, userId: string, from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await tx.query('SAVEPOINT feed_move');
    try {
      await moveFeed(userId, from, to, { tx });
      await tx.query('RELEASE SAVEPOINT feed_move');
      return;
    } catch (error) {
      await tx.query('ROLLBACK TO SAVEPOINT feed_move');
      // The account unsubscribed meanwhile, or its history has nothing to move: nothing to do.
      if (error instanceof DomainError) return;
      if (!(error instanceof ConcurrencyError) || attempt >= ATTEMPTS) throw error;
    }
  }
}
