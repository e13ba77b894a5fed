import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type TProperties } from '@sinclair/typebox';
import { principalOf } from '../http/authentication.js';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/openapi.js';
import { tryNormalizeFeedUrl } from '../subscriptions/feed-url.js';
import { FeedUrl } from '../subscriptions/routes.js';
import { MAX_GUID_LENGTH, MAX_MEDIA_URL_LENGTH } from './episode-identity.js';
import { DOWNLOAD_STATES, MAX_SECONDS } from './listening-decider.js';
import { EPISODE_LISTS, type ListeningChange, type PlaybackService } from './playback-service.js';

export const EpisodeRefSchema = Type.Object(
  {
    feedUrl: FeedUrl,
    guid: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_GUID_LENGTH, description: "The item's guid, when the app knows it" })),
    mediaUrl: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_MEDIA_URL_LENGTH, description: "The enclosure's URL" })),
  },
  { $id: 'EpisodeRef', additionalProperties: false, description: 'An episode: its feed, and its guid or its media URL (or both)' },
);

const Seconds = Type.Number({ minimum: 0, maximum: MAX_SECONDS });
const Stamp = { at: Type.String({ format: 'date-time' }), deviceId: Type.Optional(Type.String()) };

export const EpisodeStateSchema = Type.Object(
  {
    episode: Type.Optional(EpisodeRefSchema),
    progress: Type.Optional(Type.Object({ position: Type.Number(), started: Type.Optional(Type.Number()), total: Type.Optional(Type.Number()), ...Stamp })),
    played: Type.Optional(Type.Object({ played: Type.Boolean(), ...Stamp })),
    download: Type.Optional(Type.Object({ state: Type.Union(DOWNLOAD_STATES.map((state) => Type.Literal(state))), ...Stamp })),
    saved: Type.Optional(Type.Object({ saved: Type.Boolean(), ...Stamp })),
    shares: Type.Object({ count: Type.Integer(), lastAt: Type.Optional(Type.String({ format: 'date-time' })), lastDeviceId: Type.Optional(Type.String()) }),
    inProgress: Type.Boolean(),
    finished: Type.Boolean(),
    updatedAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { $id: 'EpisodeState', description: 'Each aspect is the winning change (latest client time) with its time and device' },
);

const Outcome = Type.Object({
  applied: Type.Boolean({ description: 'False when a later change (from another device) had already won: `state` is the winner' }),
  state: EpisodeStateSchema,
});

/** The body of a listening change: the episode, the change's own fields, and the client time. */
function changeBody(fields: TProperties) {
  return Type.Object({ episode: EpisodeRefSchema, ...fields, at: Type.Optional(ClientTime) }, { additionalProperties: false });
}

const CHANGES: { path: string; summary: string; fields: TProperties; toChange: (body: Record<string, unknown>) => ListeningChange }[] = [
  {
    path: 'progress',
    summary: 'Where the listener is in an episode (seconds)',
    fields: { position: Seconds, started: Type.Optional(Seconds), total: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_SECONDS })) },
    toChange: (body) => ({ kind: 'recordProgress', position: body.position as number, ...(body.started !== undefined ? { started: body.started as number } : {}), ...(body.total !== undefined ? { total: body.total as number } : {}) }),
  },
  { path: 'played', summary: 'Mark an episode played (finished) or not', fields: { played: Type.Boolean() }, toChange: (body) => ({ kind: 'setPlayed', played: body.played as boolean }) },
  {
    path: 'download',
    summary: 'The episode was downloaded, or its download deleted, on the device',
    fields: { state: Type.Union(DOWNLOAD_STATES.map((state) => Type.Literal(state))) },
    toChange: (body) => ({ kind: 'setDownload', state: body.state as 'downloaded' | 'deleted' }),
  },
  { path: 'saved', summary: 'Save (like) an episode, or not', fields: { saved: Type.Boolean() }, toChange: (body) => ({ kind: 'setSaved', saved: body.saved as boolean }) },
  { path: 'shares', summary: 'The listener shared an episode', fields: {}, toChange: () => ({ kind: 'share' }) },
];

export const playbackRoutes: FastifyPluginAsyncTypebox<{ playback: PlaybackService }> = async (app, { playback }) => {

  for (const { path, summary, fields, toChange } of CHANGES) {
    app.post(
      `/api/v1/episodes/${path}`,
      {
        config: { auth: { scope: 'user.plays.write' } },
        schema: { tags: ['episodes'], summary, body: changeBody(fields), response: { 200: Outcome, ...errorResponses } },
      },
      async (request) => {
        const body = request.body as Record<string, unknown> & { episode: { feedUrl: string; guid?: string; mediaUrl?: string }; at?: string };
        const clientTime = parseClientTime(body.at);
        return playback.record(principalOf(request).userId, { episode: body.episode, change: toChange(body), ...(clientTime !== undefined ? { clientTime } : {}) });
      },
    );
  }

  app.get(
    '/api/v1/episodes/state',
    {
      config: { auth: { scope: 'user.plays.read' } },
      schema: {
        tags: ['episodes'],
        summary: 'The listening state of one episode (by its guid or its media URL)',
        querystring: Type.Object({ feedUrl: FeedUrl, guid: Type.Optional(Type.String({ minLength: 1 })), mediaUrl: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
        response: { 200: EpisodeStateSchema, ...errorResponses },
      },
    },
    async (request) => {
      const state = await playback.get(principalOf(request).userId, request.query);
      if (!state) throw new HttpError(404, 'episode_state_not_found', 'Nothing was ever recorded about this episode on this account');
      return state;
    },
  );

  app.get(
    '/api/v1/episodes',
    {
      config: { auth: { scope: 'user.plays.read' } },
      schema: {
        tags: ['episodes'],
        summary: 'Episodes listened to, most recent change first: all, in progress, played, saved or downloaded',
        querystring: Type.Object(
          {
            list: Type.Optional(Type.Union(EPISODE_LISTS.map((list) => Type.Literal(list)), { default: 'recent' })),
            feedUrl: Type.Optional(FeedUrl),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
            after: Type.Optional(Type.String({ maxLength: 400, description: 'The `next` of the previous page' })),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ episodes: Type.Array(EpisodeStateSchema), next: Type.Union([Type.String(), Type.Null()], { description: 'Give as `after` for the next page' }) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const feedUrl = request.query.feedUrl === undefined ? undefined : tryNormalizeFeedUrl(request.query.feedUrl);
      if (request.query.feedUrl !== undefined && !feedUrl) throw new HttpError(400, 'invalid_feed_url', 'Not a usable feed URL');
      return playback.list(principalOf(request).userId, {
        list: request.query.list ?? 'recent',
        limit: request.query.limit ?? 50,
        ...(feedUrl ? { feedUrl } : {}),
        ...(request.query.after ? { after: request.query.after } : {}),
      });
    },
  );
};
