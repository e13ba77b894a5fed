import { Type } from '@sinclair/typebox';
import { MAX_FEED_URL_LENGTH } from '../../subscriptions/feed-url.js';
import { GUID_PATTERN } from '../../subscriptions/feed-guid.js';

/**
 * Shapes of the Open Podcast API (openpodcastapi.org, specification 0.1.0: `specs/openpodcast.yml`
 * and the subscriptions pages), field names as the specification spells them.
 */
export const OPA_PREFIX = '/opa/v1';
export const OPA_TAG = 'openpodcast';

const Guid = Type.String({ pattern: GUID_PATTERN.source, description: 'A UUID' });
const DateTime = Type.String({ format: 'date-time' });

export const OpaSubscriptionSchema = Type.Object(
  {
    feed_url: Type.String(),
    guid: Type.String({ description: 'The GUID the request named (or the listed row has)' }),
    is_subscribed: Type.Boolean(),
    subscription_changed: Type.String({ format: 'date-time', description: 'Server time of the last change to this subscription' }),
    new_guid: Type.Optional(Type.String({ description: 'The GUID the subscription goes by now, when it is not `guid`' })),
    guid_changed: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'OpaSubscription' },
);

export const SubscriptionPage = Type.Object({
  total: Type.Integer({ description: 'How many subscriptions match (all pages)' }),
  page: Type.Integer(),
  per_page: Type.Integer(),
  has_next: Type.Boolean(),
  has_prev: Type.Boolean(),
  next: Type.Optional(Type.String({ description: 'URL of the next page (follow it: it never skips a row changed meanwhile)' })),
  previous: Type.Optional(Type.String()),
  subscriptions: Type.Array(OpaSubscriptionSchema),
});

export const ListQuery = Type.Object({
  since: Type.Optional(Type.String({ description: 'ISO 8601 / RFC 3339 date-time: only subscriptions changed at or after it, unsubscribed ones included' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 4096, description: 'Set by the server in `next` links' })),
});

export const AddRequest = Type.Object({
  subscriptions: Type.Array(
    Type.Object({
      feed_url: Type.String({ maxLength: MAX_FEED_URL_LENGTH }),
      guid: Type.Optional(Type.String({ maxLength: 100, description: 'The feed’s own podcast:guid, only when read from the feed' })),
    }),
    { minItems: 1, maxItems: 1000 },
  ),
});

export const AddResponse = Type.Object({
  success: Type.Array(
    Type.Object({ feed_url: Type.String(), guid: Type.String(), is_subscribed: Type.Boolean(), subscription_changed: DateTime }),
  ),
  failure: Type.Array(Type.Object({ feed_url: Type.String(), message: Type.String() })),
});

export const GuidParams = Type.Object({ guid: Type.String({ maxLength: 100 }) });

export const PatchRequest = Type.Object(
  {
    new_feed_url: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_FEED_URL_LENGTH })),
    new_guid: Type.Optional(Guid),
    is_subscribed: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const PatchResponse = Type.Object({
  new_feed_url: Type.Optional(Type.String()),
  is_subscribed: Type.Optional(Type.Boolean()),
  subscription_changed: Type.Optional(DateTime),
  new_guid: Type.Optional(Type.String()),
  guid_changed: Type.Optional(DateTime),
});
