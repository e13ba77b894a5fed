import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { tryNormalizeFeedUrl } from '../../subscriptions/feed-url.js';
import { callerKey, type EpisodeActionSync } from '../episode-actions/episode-action-sync.js';
import { gpodderAction } from '../episode-actions/format-actions.js';
import { accountFor, checkDeviceId, jsonBody, jsonName } from './requests.js';

const UserFile = Type.Object({ userFile: Type.String() });

export const GpodderEpisodeAction = Type.Object(
  {
    podcast: Type.String(),
    episode: Type.String(),
    guid: Type.Optional(Type.String()),
    device: Type.Optional(Type.String()),
    action: Type.Union([Type.Literal('play'), Type.Literal('new'), Type.Literal('download'), Type.Literal('delete')]),
    timestamp: Type.String({ description: 'UTC, `YYYY-MM-DDTHH:MM:SS`' }),
    started: Type.Optional(Type.Integer()),
    position: Type.Optional(Type.Integer()),
    total: Type.Optional(Type.Integer()),
  },
  { $id: 'GpodderEpisodeAction' },
);

/** `GET|POST /api/2/episodes/{username}.json` (mygpo/api/advanced/__init__.py `episodes`). */
export const gpodderEpisodeRoutes: FastifyPluginAsyncTypebox<{ episodes: EpisodeActionSync }> = async (app, { episodes }) => {
  app.post(
    '/api/2/episodes/:userFile',
    {
      config: { auth: { scope: 'user.plays.write' } },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: upload episode actions',
        description:
          'Body: a JSON array of `{ podcast, episode, action, guid?, device?, timestamp?, started?, position?, total? }` (any content type); `action` is `play`, `new`, `download`, `delete` or `flattr` (accepted, ignored). ' +
          'All recorded or none: one malformed action answers 400 naming it. `update_urls` lists `[submitted, normalized]` podcast URLs (`""`: refused, that action skipped).',
        params: UserFile,
        response: { 200: Type.Object({ timestamp: Type.Integer(), update_urls: Type.Array(Type.Tuple([Type.String(), Type.String()])) }), ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, jsonName(request.params.userFile));
      const body = jsonBody(request);
      if (body === undefined) throw new HttpError(400, 'invalid_body', 'POST data must not be empty');
      const { timestamp, updateUrls } = await episodes.upload(userId, callerKey(request), body);
      return { timestamp, update_urls: updateUrls };
    },
  );

  app.get(
    '/api/2/episodes/:userFile',
    {
      config: { auth: { scope: 'user.plays.read' } },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: episode actions since a timestamp',
        description:
          '`since` (integer seconds; absent or 0: everything) is a `timestamp` this server gave. The answer holds, for every episode whose listening state changed since, ' +
          'its current play, new, download or delete actions (or only the latest with `aggregated=true`), whichever device or API changed it; at most 1,000 episodes, the rest comes with the next `since`.',
        params: UserFile,
        querystring: Type.Object({
          since: Type.Optional(Type.String()),
          podcast: Type.Optional(Type.String()),
          device: Type.Optional(Type.String()),
          aggregated: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Object({ actions: Type.Array(GpodderEpisodeAction), timestamp: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, jsonName(request.params.userFile));
      const { since, podcast, device, aggregated } = request.query;
      if (since !== undefined && !/^\d{1,15}$/.test(since)) throw new HttpError(400, 'invalid_since', 'since must be a non-negative integer');
      const feedUrl = podcast === undefined ? undefined : tryNormalizeFeedUrl(podcast);
      if (podcast !== undefined && !feedUrl) throw new HttpError(400, 'invalid_podcast', 'podcast is not a usable feed URL');
      if (device !== undefined && !(await episodes.hasDevice(userId, checkDeviceId(device)))) throw new HttpError(404, 'device_not_found', 'This account has no such device');
      const page = await episodes.download(userId, callerKey(request), Number(since ?? 0), {
        ...(feedUrl ? { feedUrl } : {}),
        ...(device !== undefined ? { device } : {}),
        // mygpo's parse_bool: "true" in any case, anything else is false.
        aggregated: aggregated?.toLowerCase() === 'true',
      });
      return { actions: page.actions.map(({ action }) => gpodderAction(action)), timestamp: page.timestamp };
    },
  );
};
