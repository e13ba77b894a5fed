import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { principalOf } from '../../http/authentication.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { TokenBuckets } from '../../http/request-limits.js';
import type { Database } from '../../store/sql.js';
import { decodeFeedId, encodeFeedId } from '../../subscriptions/feed-id.js';
import { RefreshInProgressError, type FeedScheduler } from '../scheduler/feed-scheduler.js';
import { scheduleStatus, type FeedScheduleStatus } from '../scheduler/schedule-store.js';
import { InvalidCursorError, type CatalogEpisode, type CatalogService } from './catalog-service.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Details = Type.Record(Type.String(), Type.Unknown(), { description: 'Everything else the feed said, as the parser normalized it (categories, Podcasting 2.0 funding, persons, value, transcripts…)' });

const RefreshStatus = Type.Object(
  {
    lastFetchedAt: Nullable(Type.String({ format: 'date-time' })),
    lastSuccessAt: Nullable(Type.String({ format: 'date-time' })),
    lastStatus: Nullable(Type.String({ description: 'fetched, unchanged (same body), not_modified (304) or error' })),
    nextFetchAt: Type.String({ format: 'date-time' }),
    intervalSeconds: Type.Integer({ description: 'Adapted to how often the feed publishes' }),
    failures: Type.Integer({ description: 'Failed attempts in a row (each one doubles the wait)' }),
    lastError: Nullable(Type.Object({ code: Type.String(), message: Type.String(), at: Type.String({ format: 'date-time' }) })),
  },
  { $id: 'FeedRefreshStatus' },
);

const PodcastSchema = Type.Object(
  {
    feedId: Type.String(),
    feedUrl: Type.String(),
    catalogued: Type.Boolean({ description: 'False until the feed has been read once (see refresh for why not)' }),
    title: Nullable(Type.String()),
    author: Nullable(Type.String()),
    description: Nullable(Type.String()),
    imageUrl: Nullable(Type.String()),
    language: Nullable(Type.String()),
    link: Nullable(Type.String()),
    podcastGuid: Nullable(Type.String()),
    episodeCount: Type.Integer(),
    movedTo: Nullable(Type.String({ description: 'The feed moved there (permanent redirect or itunes:new-feed-url)' })),
    details: Details,
    refresh: Nullable(RefreshStatus),
  },
  { $id: 'CatalogPodcast' },
);

const EpisodeSchema = Type.Object(
  {
    guid: Type.String(),
    title: Nullable(Type.String()),
    mediaUrl: Nullable(Type.String()),
    publishedAt: Nullable(Type.String({ format: 'date-time' })),
    details: Details,
  },
  { $id: 'CatalogEpisode' },
);

/** On-demand refreshes per account and minute. */
export const REFRESH_BURST = 10;

const FeedParams = Type.Object({ feedId: Type.String({ maxLength: 4096, description: 'The feed URL in base64url' }) });

function feedUrlOf(feedId: string): string {
  const feedUrl = decodeFeedId(feedId);
  if (!feedUrl) throw new HttpError(400, 'invalid_feed_id', 'Not a feed id (the base64url form of a feed URL)');
  return feedUrl;
}

function refreshJson(status: FeedScheduleStatus | undefined): Static<typeof RefreshStatus> | null {
  if (!status) return null;
  return {
    lastFetchedAt: status.lastFetchedAt?.toISOString() ?? null,
    lastSuccessAt: status.lastSuccessAt?.toISOString() ?? null,
    lastStatus: status.lastStatus,
    nextFetchAt: status.nextFetchAt.toISOString(),
    intervalSeconds: status.intervalSeconds,
    failures: status.failures,
    lastError: status.lastError && { ...status.lastError, at: status.lastError.at.toISOString() },
  };
}

function episodeJson(episode: CatalogEpisode): Static<typeof EpisodeSchema> {
  return { guid: episode.guid, title: episode.title, mediaUrl: episode.mediaUrl, publishedAt: episode.publishedAt?.toISOString() ?? null, details: episode.details };
}

/**
 * The catalog's read API. Authenticated (any account, any token): the catalog holds the feeds
 * this instance's listeners subscribe to, and is not meant as an anonymous mirror of them.
 */
export const catalogRoutes: FastifyPluginAsyncTypebox<{ catalog: CatalogService; scheduler: FeedScheduler; db: Database; manualRefreshSeconds: number }> = async (
  app,
  { catalog, scheduler, db, manualRefreshSeconds },
) => {
  // Besides the per-feed limit: an account subscribed to thousands of feeds must not turn this
  // server into a crawler on demand (per process, like the credential limits).
  const refreshesPerAccount = new TokenBuckets(REFRESH_BURST, REFRESH_BURST / 60);
  async function podcastJson(feedUrl: string): Promise<Static<typeof PodcastSchema>> {
    const [podcast, status] = await Promise.all([catalog.podcast(feedUrl), scheduleStatus(db, feedUrl)]);
    if (!podcast && !status) throw new HttpError(404, 'podcast_not_found', 'This feed is not in the catalog (nobody subscribes to it here)');
    return {
      feedId: encodeFeedId(feedUrl),
      feedUrl,
      catalogued: podcast !== undefined,
      title: podcast?.title ?? null,
      author: podcast?.author ?? null,
      description: podcast?.description ?? null,
      imageUrl: podcast?.imageUrl ?? null,
      language: podcast?.language ?? null,
      link: podcast?.link ?? null,
      podcastGuid: podcast?.podcastGuid ?? null,
      episodeCount: podcast?.episodeCount ?? 0,
      movedTo: podcast?.movedTo ?? null,
      details: podcast?.details ?? {},
      refresh: refreshJson(status),
    };
  }

  app.get(
    '/api/v1/podcasts/:feedId',
    {
      config: { auth: {} },
      schema: {
        tags: ['catalog'],
        summary: 'A podcast as the server last read its feed, with its refresh status',
        params: FeedParams,
        response: { 200: PodcastSchema, ...errorResponses },
      },
    },
    async (request) => podcastJson(feedUrlOf(request.params.feedId)),
  );

  app.get(
    '/api/v1/podcasts/:feedId/episodes',
    {
      config: { auth: {} },
      schema: {
        tags: ['catalog'],
        summary: "A podcast's episodes, newest first, by pages",
        params: FeedParams,
        querystring: Type.Object(
          {
            limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
            page: Type.Optional(Type.String({ maxLength: 200, description: 'The `next` token of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ episodes: Type.Array(EpisodeSchema), next: Nullable(Type.String()) }), ...errorResponses },
      },
    },
    async (request) => {
      const feedUrl = feedUrlOf(request.params.feedId);
      try {
        const page = await catalog.episodes(feedUrl, { limit: request.query.limit, ...(request.query.page ? { after: request.query.page } : {}) });
        return { episodes: page.episodes.map(episodeJson), next: page.next };
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new HttpError(400, 'invalid_page', error.message);
        throw error;
      }
    },
  );

  app.post(
    '/api/v1/podcasts/:feedId/refresh',
    {
      config: { auth: { scope: 'user.subscriptions.write' } },
      schema: {
        tags: ['catalog'],
        summary: 'Refresh a feed the account subscribes to, now',
        description:
          'At most once per FEED_MANUAL_REFRESH_SECONDS (default 60) per feed, and 10 a minute per account (429 with Retry-After). ' +
          'The answer has the refresh status of this fetch; the catalog fields are updated in the background, a moment later.',
        params: FeedParams,
        response: { 200: PodcastSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const feedUrl = feedUrlOf(request.params.feedId);
      const { userId } = principalOf(request);
      const subscribed = await db.query('SELECT 1 FROM subscriptions WHERE user_id = $1 AND feed_url = $2 AND subscribed', [userId, feedUrl]);
      if (subscribed.rowCount === 0) throw new HttpError(403, 'not_subscribed', 'Only feeds the account subscribes to can be refreshed on demand');
      const status = await scheduleStatus(db, feedUrl);
      const since = status?.lastFetchedAt ? (Date.now() - status.lastFetchedAt.getTime()) / 1000 : Infinity;
      if (since < manualRefreshSeconds) {
        const wait = Math.ceil(manualRefreshSeconds - since);
        reply.header('retry-after', String(wait));
        throw new HttpError(429, 'refreshed_recently', `This feed was fetched ${Math.floor(since)} s ago; try again in ${wait} s`);
      }
      const allowance = refreshesPerAccount.take(userId);
      if (!allowance.allowed) {
        reply.header('retry-after', String(allowance.retryAfterSeconds));
        throw new HttpError(429, 'too_many_refreshes', `At most ${REFRESH_BURST} on-demand refreshes a minute per account`);
      }
      try {
        await scheduler.refreshNow(feedUrl);
      } catch (error) {
        if (error instanceof RefreshInProgressError) throw new HttpError(409, error.code, error.message);
        throw error;
      }
      // The catalog is an async projection: this answer shows the refresh status, the podcast as projected so far.
      return podcastJson(feedUrl);
    },
  );
};
