import { DomainError } from '../../domain/decider.js';
import type { Projector } from '../../projections/projector.js';
import { ConcurrencyError } from '../../store/events.js';
import type { Sql } from '../../store/sql.js';
import type { FeedEvent } from './feed-decider.js';

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
    handles: ['FeedMoved'],
    tables: [],
    async apply(tx, events) {
      for (const recorded of events) {
        const { feedUrl: from, to } = (recorded as unknown as Extract<FeedEvent, { type: 'FeedMoved' }>).data;
        const subscribers = await tx.query<{ user_id: string }>(
          'SELECT user_id FROM subscriptions WHERE feed_url = $1 AND subscribed AND changed_at <= $2 ORDER BY user_id',
          [from, recorded.recordedAt],
        );
        for (const { user_id: userId } of subscribers.rows) await moveOne(tx, moveFeed, userId, from, to);
      }
    },
    async forgetUser() {},
  };
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
