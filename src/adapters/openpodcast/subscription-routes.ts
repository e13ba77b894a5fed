import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { principalOf } from '../../http/authentication.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { canonicalGuid, derivedFeedGuid, isGuid } from '../../subscriptions/feed-guid.js';
import { tryNormalizeFeedUrl } from '../../subscriptions/feed-url.js';
import type { Sql } from '../../store/sql.js';
import type { ChangeRequest, SubscriptionService } from '../../subscriptions/subscription-service.js';
import { decodeCursor, pageLinks } from './paging.js';
import { AddRequest, AddResponse, GuidParams, ListQuery, OPA_PREFIX, OPA_TAG, OpaSubscriptionSchema, PatchRequest, PatchResponse, SubscriptionPage } from './schemas.js';
import type { OpaSubscriptionView } from './subscription-view.js';

export interface OpaSubscriptionOptions {
  subscriptions: SubscriptionService;
  view: OpaSubscriptionView;
  /** The native feed move (history, privacy settings and collections follow the feed); `andThen` in its transaction. */
  moveFeed: (userId: string, from: string, to: string, andThen?: (tx: Sql) => Promise<void>) => Promise<void>;
  baseUrl: string;
}

const read = { auth: { scope: 'user.subscriptions.read' as const } };
const write = { auth: { scope: 'user.subscriptions.write' as const } };

function guidOf(value: string): string {
  if (!isGuid(value)) throw new HttpError(400, 'invalid_guid', 'A subscription GUID is a UUID');
  return canonicalGuid(value);
}

function feedUrlOf(value: string): string {
  const feedUrl = tryNormalizeFeedUrl(value);
  if (!feedUrl) throw new HttpError(400, 'invalid_feed_url', `Not a usable feed URL (http or https, with a host): ${value.slice(0, 200)}`);
  return feedUrl;
}

/** PostgreSQL has no year 0 (JavaScript's `0000-…` is 1 BC): earlier dates cannot be compared with. */
const FIRST_SINCE_MS = Date.parse('0001-01-01T00:00:00Z');

function parseSince(value: string | undefined): Date | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || !Number.isFinite(ms) || ms < FIRST_SINCE_MS) throw new HttpError(400, 'invalid_since', 'since must be an ISO 8601 date-time, such as 2026-03-02T08:15:04.000Z');
  return new Date(ms);
}

/** The subscriptions endpoints of the Open Podcast API, over the native subscriptions service. */
export const opaSubscriptionRoutes: FastifyPluginAsyncTypebox<OpaSubscriptionOptions> = async (app, { subscriptions, view, moveFeed, baseUrl }) => {
  app.get(
    `${OPA_PREFIX}/subscriptions`,
    {
      config: read,
      schema: {
        tags: [OPA_TAG],
        summary: 'Open Podcast API: the subscriptions (all, or those changed since a date), paginated',
        querystring: ListQuery,
        response: { 200: SubscriptionPage, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const page = request.query.page ?? 1;
      const perPage = request.query.per_page ?? 50;
      const since = parseSince(request.query.since);
      const after = request.query.cursor !== undefined ? decodeCursor(request.query.cursor) : null;
      const result = await view.page(userId, { since, after, offset: (page - 1) * perPage, limit: perPage });
      return {
        total: result.total,
        page,
        per_page: perPage,
        has_next: result.hasNext,
        has_prev: page > 1,
        ...pageLinks(`${baseUrl}${OPA_PREFIX}/subscriptions`, { page, perPage, since: request.query.since, last: result.hasNext ? result.last : null }),
        subscriptions: result.items,
      };
    },
  );

  app.post(
    `${OPA_PREFIX}/subscriptions`,
    {
      config: write,
      schema: {
        tags: [OPA_TAG],
        summary: 'Open Podcast API: subscribe to feeds; unusable ones are listed in `failure`, the others applied',
        body: AddRequest,
        response: { 200: AddResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const failure: { feed_url: string; message: string }[] = [];
      const wanted: { feedUrl: string; podcastGuid?: string; guid: string }[] = [];
      for (const item of request.body.subscriptions) {
        const feedUrl = tryNormalizeFeedUrl(item.feed_url);
        if (!feedUrl) failure.push({ feed_url: item.feed_url, message: 'Not a usable feed URL (http or https, with a host)' });
        else if (item.guid !== undefined && !isGuid(item.guid)) failure.push({ feed_url: item.feed_url, message: 'guid is not a UUID' });
        else if (item.guid !== undefined) wanted.push({ feedUrl, podcastGuid: canonicalGuid(item.guid), guid: canonicalGuid(item.guid) });
        else wanted.push({ feedUrl, guid: derivedFeedGuid(feedUrl) });
      }
      // An entry that already goes by this GUID is this podcast (under an older or newer URL):
      // subscribe it rather than add a duplicate (the specification's tombstone rule).
      // Likewise within the request: its first feed of a GUID is the podcast, as if sent earlier.
      const existing = await view.byGuids(userId, [...new Set(wanted.map((item) => item.guid))]);
      const feedOfGuid = new Map([...existing].map(([guid, found]) => [guid, found.feedUrl]));
      for (const item of wanted) if (!feedOfGuid.has(item.guid)) feedOfGuid.set(item.guid, item.feedUrl);
      const changes: ChangeRequest[] = wanted.map((item) => ({
        feedUrl: feedOfGuid.get(item.guid)!,
        subscribed: true,
        ...(item.podcastGuid ? { podcastGuid: item.podcastGuid } : {}),
      }));
      if (changes.length > 0) await subscriptions.change(userId, changes);
      const rows = await view.byFeedUrls(userId, changes.map((change) => change.feedUrl));
      return { success: changes.map((change) => rows.get(change.feedUrl)!), failure };
    },
  );

  app.get(
    `${OPA_PREFIX}/subscriptions/:guid`,
    {
      config: read,
      schema: {
        tags: [OPA_TAG],
        summary: 'Open Podcast API: one subscription by GUID (an unsubscribed one too)',
        params: GuidParams,
        response: { 200: OpaSubscriptionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const found = await view.byGuid(principalOf(request).userId, guidOf(request.params.guid));
      if (!found) throw new HttpError(404, 'subscription_not_found', 'No subscription of this account has that GUID');
      return found.subscription;
    },
  );

  app.patch(
    `${OPA_PREFIX}/subscriptions/:guid`,
    {
      config: write,
      schema: {
        tags: [OPA_TAG],
        summary: 'Open Podcast API: change a subscription’s feed URL (the feed moved), GUID or subscribed state',
        params: GuidParams,
        body: PatchRequest,
        response: { 200: PatchResponse, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const guid = guidOf(request.params.guid);
      const found = await view.byGuid(userId, guid);
      if (!found) throw new HttpError(404, 'subscription_not_found', 'No subscription of this account has that GUID');
      const { new_feed_url: newFeedUrl, is_subscribed: isSubscribed } = request.body;
      // Everything is checked before anything is written.
      const target = newFeedUrl !== undefined ? feedUrlOf(newFeedUrl) : found.feedUrl;
      const newGuid = request.body.new_guid !== undefined ? canonicalGuid(request.body.new_guid) : undefined;
      if (newGuid !== undefined) {
        const holder = await view.byGuid(userId, newGuid);
        if (holder && holder.feedUrl !== found.feedUrl) throw new HttpError(409, 'guid_in_use', 'Another subscription of this account already has that GUID');
      }
      const applyRest = async (tx?: Sql) => {
        const within = tx ? { tx } : {};
        if (isSubscribed !== undefined) {
          await subscriptions.change(userId, [{ feedUrl: target, subscribed: isSubscribed, ...(newGuid ? { podcastGuid: newGuid } : {}) }], within);
        } else if (newGuid !== undefined) {
          // Only the GUID: said at the time of the subscription's own last change, so that the
          // subscribed state and its last-writer-wins time stay as they are.
          const current = (await subscriptions.get(userId, target, tx))!;
          await subscriptions.change(userId, [{ feedUrl: target, subscribed: current.subscribed, clientTime: current.changedAt.getTime(), podcastGuid: newGuid }], within);
        }
      };
      // With a move, in its transaction: a change refused (too many subscriptions) undoes the move.
      if (target !== found.feedUrl) await moveFeed(userId, found.feedUrl, target, applyRest);
      else await applyRest();
      const row = (await view.byFeedUrls(userId, [target])).get(target)!;
      return {
        ...(newFeedUrl !== undefined ? { new_feed_url: row.feed_url } : {}),
        ...(isSubscribed !== undefined ? { is_subscribed: row.is_subscribed } : {}),
        ...(newFeedUrl !== undefined || isSubscribed !== undefined ? { subscription_changed: row.subscription_changed } : {}),
        // Also when the subscription now goes by another GUID (moved onto a feed that had its own).
        ...(newGuid !== undefined || row.guid !== guid ? { new_guid: row.guid, guid_changed: row.subscription_changed } : {}),
      };
    },
  );
};
