import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { principalOf } from '../http/authentication.js';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/openapi.js';
import { DEVICE_ID_PATTERN } from '../accounts/devices/device-decider.js';
import { decodeFeedId, encodeFeedId } from './feed-id.js';
import { MAX_FEED_URL_LENGTH } from './feed-url.js';
import { MAX_CHANGES_PER_COMMAND, MAX_TITLE_LENGTH } from './subscription-decider.js';
import type { Subscription as SubscriptionRecord, SubscriptionService } from './subscription-service.js';

export const FeedUrl = Type.String({ minLength: 1, maxLength: MAX_FEED_URL_LENGTH, description: 'The feed URL (normalized by the server)' });

export const SubscriptionSchema = Type.Object(
  {
    feedId: Type.String({ description: 'The feed URL in base64url: use it in paths' }),
    feedUrl: Type.String(),
    subscribed: Type.Boolean(),
    title: Type.Union([Type.String(), Type.Null()]),
    changedAt: Type.String({ format: 'date-time', description: 'Client time of the change that decided `subscribed`' }),
    deviceId: Type.Union([Type.String(), Type.Null()], { description: 'The device that made that change' }),
    movedTo: Type.Union([Type.String(), Type.Null()], { description: 'Set when the feed moved to this URL' }),
    firstSeenAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Subscription' },
);

const Outcome = Type.Object(
  {
    feedUrl: Type.String(),
    applied: Type.Boolean({ description: 'False when a later change from another device had already decided this feed' }),
    subscribed: Type.Boolean({ description: 'Whether the account is subscribed now (the winning state)' }),
  },
  { $id: 'SubscriptionOutcome' },
);

const Change = Type.Object(
  { feedUrl: FeedUrl, subscribed: Type.Boolean(), at: Type.Optional(ClientTime), title: Type.Optional(Type.String({ maxLength: MAX_TITLE_LENGTH })) },
  { additionalProperties: false },
);

export function subscriptionJson(subscription: SubscriptionRecord): Static<typeof SubscriptionSchema> {
  return {
    feedId: encodeFeedId(subscription.feedUrl),
    feedUrl: subscription.feedUrl,
    subscribed: subscription.subscribed,
    title: subscription.title,
    changedAt: subscription.changedAt.toISOString(),
    deviceId: subscription.deviceId,
    movedTo: subscription.movedTo,
    firstSeenAt: subscription.firstSeenAt.toISOString(),
  };
}

function feedUrlOf(feedId: string): string {
  const feedUrl = decodeFeedId(feedId);
  if (!feedUrl) throw new HttpError(400, 'invalid_feed_id', 'Not a feed id (the base64url form of a feed URL)');
  return feedUrl;
}

export const subscriptionRoutes: FastifyPluginAsyncTypebox<{
  subscriptions: SubscriptionService;
  /** Moves a feed with everything that follows it (subscription history, privacy settings). */
  moveFeed: (userId: string, from: string, to: string) => Promise<void>;
}> = async (app, { subscriptions, moveFeed }) => {
  app.get(
    '/api/v1/subscriptions',
    {
      config: { auth: { scope: 'user.subscriptions.read' } },
      schema: {
        tags: ['subscriptions'],
        summary: 'The podcasts the account (or one device) subscribes to',
        querystring: Type.Object(
          {
            device: Type.Optional(Type.String({ pattern: DEVICE_ID_PATTERN.source, description: 'Only what this device did' })),
            include: Type.Optional(Type.Literal('unsubscribed', { description: 'Also list feeds unsubscribed from (with subscribed: false)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ subscriptions: Type.Array(SubscriptionSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const list = await subscriptions.list(principalOf(request).userId, {
        ...(request.query.device ? { deviceId: request.query.device } : {}),
        includeUnsubscribed: request.query.include === 'unsubscribed',
      });
      return { subscriptions: list.map(subscriptionJson) };
    },
  );

  app.post(
    '/api/v1/subscriptions',
    {
      config: { auth: { scope: 'user.subscriptions.write' } },
      schema: {
        tags: ['subscriptions'],
        summary: 'Subscribe to a podcast',
        body: Type.Object({ feedUrl: FeedUrl, at: Type.Optional(ClientTime), title: Type.Optional(Type.String({ maxLength: MAX_TITLE_LENGTH })) }, { additionalProperties: false }),
        response: { 200: Type.Object({ outcome: Outcome, subscription: SubscriptionSchema }), ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const clientTime = parseClientTime(request.body.at);
      const [outcome] = await subscriptions.change(userId, [
        { feedUrl: request.body.feedUrl, subscribed: true, ...(clientTime !== undefined ? { clientTime } : {}), ...(request.body.title ? { title: request.body.title } : {}) },
      ]);
      const subscription = await subscriptions.get(userId, outcome!.feedUrl);
      return { outcome: outcome!, subscription: subscriptionJson(subscription!) };
    },
  );

  app.post(
    '/api/v1/subscriptions/changes',
    {
      config: { auth: { scope: 'user.subscriptions.write' } },
      schema: {
        tags: ['subscriptions'],
        summary: 'Subscribe and unsubscribe several podcasts at once (all or nothing)',
        body: Type.Object({ changes: Type.Array(Change, { minItems: 1, maxItems: MAX_CHANGES_PER_COMMAND }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ outcomes: Type.Array(Outcome) }), ...errorResponses },
      },
    },
    async (request) => {
      const changes = request.body.changes.map((change, index) => {
        const clientTime = parseClientTime(change.at, `changes[${index}].at`);
        return { feedUrl: change.feedUrl, subscribed: change.subscribed, ...(clientTime !== undefined ? { clientTime } : {}), ...(change.title ? { title: change.title } : {}) };
      });
      return { outcomes: await subscriptions.change(principalOf(request).userId, changes) };
    },
  );

  app.get(
    '/api/v1/subscriptions/:feedId',
    {
      config: { auth: { scope: 'user.subscriptions.read' } },
      schema: {
        tags: ['subscriptions'],
        summary: 'One subscription (also an unsubscribed one the account once had)',
        params: Type.Object({ feedId: Type.String() }),
        response: { 200: SubscriptionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const subscription = await subscriptions.get(principalOf(request).userId, feedUrlOf(request.params.feedId));
      if (!subscription) throw new HttpError(404, 'subscription_not_found', 'This account never subscribed to that feed');
      return subscriptionJson(subscription);
    },
  );

  app.delete(
    '/api/v1/subscriptions/:feedId',
    {
      config: { auth: { scope: 'user.subscriptions.write' } },
      schema: {
        tags: ['subscriptions'],
        summary: 'Unsubscribe from a podcast',
        params: Type.Object({ feedId: Type.String() }),
        querystring: Type.Object({ at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: Type.Object({ outcome: Outcome }), ...errorResponses },
      },
    },
    async (request) => {
      const clientTime = parseClientTime(request.query.at);
      const { userId } = principalOf(request);
      const feedUrl = feedUrlOf(request.params.feedId);
      if (!(await subscriptions.get(userId, feedUrl))) throw new HttpError(404, 'subscription_not_found', 'This account never subscribed to that feed');
      const [outcome] = await subscriptions.change(userId, [{ feedUrl, subscribed: false, ...(clientTime !== undefined ? { clientTime } : {}) }]);
      return { outcome: outcome! };
    },
  );

  app.put(
    '/api/v1/subscriptions/:feedId/url',
    {
      config: { auth: { scope: 'user.subscriptions.write' } },
      schema: {
        tags: ['subscriptions'],
        summary: 'The feed moved to a new URL: its history follows it',
        params: Type.Object({ feedId: Type.String() }),
        body: Type.Object({ feedUrl: FeedUrl }, { additionalProperties: false }),
        response: { 200: SubscriptionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      await moveFeed(userId, feedUrlOf(request.params.feedId), request.body.feedUrl);
      const moved = await subscriptions.get(userId, request.body.feedUrl);
      return subscriptionJson(moved!);
    },
  );
};
