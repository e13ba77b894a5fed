import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { principalOf } from '../http/authentication.js';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/openapi.js';
import { decodeFeedId, encodeFeedId } from '../subscriptions/feed-id.js';
import { tryNormalizeFeedUrl } from '../subscriptions/feed-url.js';
import { FeedUrl } from '../subscriptions/routes.js';
import { MAX_EPISODE_KEY_LENGTH, PRIVACY_LEVELS, type PrivacyLevel } from './privacy-state.js';
import type { PrivacyOutcome, PrivacyService, StoredPrivacySetting } from './privacy-service.js';
import type { PrivacyView } from './privacy-view.js';

const LEVELS_TEXT = 'public (visible with your name), anonymous (counted in community statistics, without any user id) or private (never leaves the account)';

/** Response schemas: a union of literals (serialized as such). */
const Level = Type.Union(
  PRIVACY_LEVELS.map((level) => Type.Literal(level)),
  { description: LEVELS_TEXT },
);
const LevelOrCleared = Type.Union([...PRIVACY_LEVELS.map((level) => Type.Literal(level)), Type.Null()], { description: `${LEVELS_TEXT}; null: no override` });

/**
 * Request schemas: plain enums, so that the validator's type coercion cannot turn `null` into
 * `""` (or `""` into `null`) on its way through a union.
 */
const LevelInput = Type.Unsafe<PrivacyLevel>({ enum: [...PRIVACY_LEVELS], description: LEVELS_TEXT });
const OverrideInput = Type.Unsafe<PrivacyLevel | null>({ enum: [...PRIVACY_LEVELS, null], description: `${LEVELS_TEXT}; null removes the override` });
export const EpisodeKey = Type.String({
  minLength: 1,
  maxLength: MAX_EPISODE_KEY_LENGTH,
  description: "The episode's guid as its feed gives it; without one, its media (enclosure) URL",
});
const Scope = Type.Union([Type.Literal('default'), Type.Literal('podcast'), Type.Literal('episode')]);
const Stamp = {
  at: Type.String({ format: 'date-time', description: 'Client time of the change in force' }),
  deviceId: Type.Optional(Type.String({ description: 'The device that made it' })),
};

export const PrivacySettingSchema = Type.Object(
  {
    scope: Scope,
    feedId: Type.Optional(Type.String({ description: 'The feed URL in base64url: use it in paths' })),
    feedUrl: Type.Optional(Type.String()),
    episodeKey: Type.Optional(Type.String()),
    level: LevelOrCleared,
    effective: Type.Union(
      PRIVACY_LEVELS.map((level) => Type.Literal(level)),
      { description: 'The level in force for this target' },
    ),
    at: Type.Optional(Stamp.at),
    deviceId: Stamp.deviceId,
  },
  { $id: 'PrivacySetting' },
);

/** What `/api/v1/sync` lists: the setting rows changed, cleared overrides included (level null). */
export const PrivacySyncItem = Type.Object(
  {
    scope: Scope,
    feedId: Type.Optional(Type.String()),
    feedUrl: Type.Optional(Type.String()),
    episodeKey: Type.Optional(Type.String()),
    level: LevelOrCleared,
    ...Stamp,
  },
  { $id: 'PrivacySettingChange' },
);

const Outcome = Type.Object(
  {
    applied: Type.Boolean({ description: 'False when a later change of this setting (from another device) had already won: adopt `setting`' }),
    setting: PrivacySettingSchema,
  },
  { $id: 'PrivacyOutcome' },
);

const ViewSchema = Type.Object(
  {
    default: Type.Object({
      level: Level,
      chosen: Type.Boolean({ description: 'False while the user never chose: private, as everything starts' }),
      at: Type.Optional(Stamp.at),
      deviceId: Stamp.deviceId,
    }),
    podcasts: Type.Array(Type.Object({ feedId: Type.String(), feedUrl: Type.String(), level: Level, ...Stamp })),
    episodes: Type.Array(Type.Object({ feedId: Type.String(), feedUrl: Type.String(), episodeKey: Type.String(), level: Level, ...Stamp })),
  },
  { $id: 'PrivacySettings' },
);

const feedIdOf = (feedUrl: string | undefined) => (feedUrl !== undefined ? { feedId: encodeFeedId(feedUrl) } : {});

export function outcomeJson(outcome: PrivacyOutcome): Static<typeof Outcome> {
  return { applied: outcome.applied, setting: { ...feedIdOf('feedUrl' in outcome.setting ? outcome.setting.feedUrl : undefined), ...outcome.setting } };
}

export function privacySettingJson(setting: StoredPrivacySetting): Static<typeof PrivacySyncItem> {
  const { seq: _seq, at, deviceId, ...rest } = setting;
  return {
    ...feedIdOf('feedUrl' in rest ? rest.feedUrl : undefined),
    ...rest,
    at: at.toISOString(),
    ...(deviceId !== null ? { deviceId } : {}),
  };
}

function viewJson(view: PrivacyView): Static<typeof ViewSchema> {
  return {
    default: view.default,
    podcasts: view.podcasts.map((podcast) => ({ feedId: encodeFeedId(podcast.feedUrl), ...podcast })),
    episodes: view.episodes.map((episode) => ({ feedId: encodeFeedId(episode.feedUrl), ...episode })),
  };
}

function feedUrlOf(feedId: string): string {
  const feedUrl = decodeFeedId(feedId);
  if (!feedUrl) throw new HttpError(400, 'invalid_feed_id', 'Not a feed id (the base64url form of a feed URL)');
  return feedUrl;
}

function clientTime(at: string | undefined): { clientTime?: number } {
  const ms = parseClientTime(at);
  return ms !== undefined ? { clientTime: ms } : {};
}

export const privacyRoutes: FastifyPluginAsyncTypebox<{ privacy: PrivacyService }> = async (app, { privacy }) => {
  app.get(
    '/api/v1/privacy',
    {
      config: { auth: { scope: 'user.privacy.read' } },
      schema: {
        tags: ['privacy'],
        summary: 'Who may see what you do: your default level and the podcast and episode overrides in force',
        response: { 200: ViewSchema, ...errorResponses },
      },
    },
    async (request) => viewJson(await privacy.view(principalOf(request).userId)),
  );

  app.put(
    '/api/v1/privacy/default',
    {
      config: { auth: { scope: 'user.privacy.write' } },
      schema: {
        tags: ['privacy'],
        summary: 'Set your default level (private until you choose)',
        body: Type.Object({ level: LevelInput, at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: Outcome, ...errorResponses },
      },
    },
    async (request) => outcomeJson(await privacy.setDefault(principalOf(request).userId, request.body.level, clientTime(request.body.at))),
  );

  app.put(
    '/api/v1/privacy/podcasts/:feedId',
    {
      config: { auth: { scope: 'user.privacy.write' } },
      schema: {
        tags: ['privacy'],
        summary: 'Override your default for one podcast (null removes the override)',
        params: Type.Object({ feedId: Type.String() }),
        body: Type.Object({ level: OverrideInput, at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: Outcome, ...errorResponses },
      },
    },
    async (request) => {
      const feedUrl = feedUrlOf(request.params.feedId);
      return outcomeJson(await privacy.setPodcastLevel(principalOf(request).userId, feedUrl, request.body.level, clientTime(request.body.at)));
    },
  );

  app.put(
    '/api/v1/privacy/episodes',
    {
      config: { auth: { scope: 'user.privacy.write' } },
      schema: {
        tags: ['privacy'],
        summary: "Override the podcast's level for one episode (null removes the override)",
        body: Type.Object({ feedUrl: FeedUrl, episodeKey: EpisodeKey, level: OverrideInput, at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: Outcome, ...errorResponses },
      },
    },
    async (request) => {
      const { feedUrl, episodeKey, level, at } = request.body;
      return outcomeJson(await privacy.setEpisodeLevel(principalOf(request).userId, feedUrl, episodeKey, level, clientTime(at)));
    },
  );

  app.get(
    '/api/v1/privacy/effective',
    {
      config: { auth: { scope: 'user.privacy.read' } },
      schema: {
        tags: ['privacy'],
        summary: 'The level in force for a podcast or one of its episodes: episode override, else podcast override, else default',
        querystring: Type.Object({ feedUrl: FeedUrl, episodeKey: Type.Optional(EpisodeKey) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ feedUrl: Type.String({ description: 'Normalized' }), episodeKey: Type.Optional(Type.String()), level: Level }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const feedUrl = tryNormalizeFeedUrl(request.query.feedUrl);
      if (!feedUrl) throw new HttpError(400, 'invalid_feed_url', `Not a usable feed URL: ${request.query.feedUrl.slice(0, 200)}`);
      const { episodeKey } = request.query;
      const level = await privacy.effective(principalOf(request).userId, feedUrl, episodeKey);
      return { feedUrl, ...(episodeKey !== undefined ? { episodeKey } : {}), level };
    },
  );
};
