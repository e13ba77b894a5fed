import { Type, type Static } from '@sinclair/typebox';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import type { SyncApplier, SyncSource } from '../sync/sync-source.js';
import { FeedUrl, SubscriptionSchema, subscriptionJson } from './routes.js';
import { MAX_TITLE_LENGTH } from './subscription-decider.js';
import { SUBSCRIPTION_COLUMNS, toSubscription, type SubscriptionService } from './subscription-service.js';

export function subscriptionsSyncSource(): SyncSource {
  return {
    name: 'subscriptions',
    itemSchema: SubscriptionSchema,
    async changedSince(sql, userId, after, upTo, limit) {
      const result = await sql.query<Parameters<typeof toSubscription>[0]>(
        `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE user_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4`,
        [userId, after, upTo, limit],
        { name: 'balados_sync_subscriptions' },
      );
      return result.rows.map((row) => {
        const subscription = toSubscription(row);
        return { seq: subscription.seq, item: subscriptionJson(subscription) };
      });
    },
  };
}

const SubscriptionChange = Type.Object({
  feedUrl: FeedUrl,
  subscribed: Type.Boolean(),
  at: Type.Optional(ClientTime),
  title: Type.Optional(Type.String({ maxLength: MAX_TITLE_LENGTH })),
});

export function subscriptionsSyncApplier(subscriptions: SubscriptionService): SyncApplier<Static<typeof SubscriptionChange>> {
  return {
    type: 'subscription',
    changeSchema: SubscriptionChange,
    async apply({ tx, userId, deviceId, receivedAt }, changes) {
      const requests = changes.map((change, index) => {
        const clientTime = parseClientTime(change.at, `changes[${index}].at`);
        return { feedUrl: change.feedUrl, subscribed: change.subscribed, ...(clientTime !== undefined ? { clientTime } : {}), ...(change.title ? { title: change.title } : {}) };
      });
      const outcomes = await subscriptions.change(userId, requests, { tx, receivedAt, ...(deviceId ? { deviceId } : {}) });
      const current = await subscriptions.list(userId, { includeUnsubscribed: true, sql: tx, feedUrls: outcomes.map((outcome) => outcome.feedUrl) });
      const byUrl = new Map(current.map((subscription) => [subscription.feedUrl, subscriptionJson(subscription)]));
      return outcomes.map((outcome) => ({ applied: outcome.applied, state: byUrl.get(outcome.feedUrl) }));
    },
  };
}
