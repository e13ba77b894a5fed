import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authentication.js';
import { errorResponses } from '../../http/openapi.js';
import { callerKey, type EpisodeActionSync } from '../episode-actions/episode-action-sync.js';
import { nextcloudAction } from '../episode-actions/format-actions.js';
import { CLIENT_CLOCK_MARGIN_SECONDS, parseSince } from './since.js';

const NextcloudEpisodeAction = Type.Object({
  id: Type.Integer(),
  podcast: Type.String(),
  episode: Type.String(),
  guid: Type.Optional(Type.String()),
  action: Type.String({ description: 'PLAY, NEW, DOWNLOAD or DELETE' }),
  timestamp: Type.String({ description: 'UTC, `YYYY-MM-DDTHH:MM:SS`' }),
  started: Type.Integer({ description: 'Seconds; -1 when unknown or not a play' }),
  position: Type.Integer(),
  total: Type.Integer(),
});

/**
 * The Nextcloud "GPodder Sync" app's episode actions (thrillfall/nextcloud-gpodder,
 * EpisodeActionController), over the same playback context as every other API. Registered under
 * `/index.php/apps/gpoddersync` and `/apps/gpoddersync` (`prefix`). Credentials: HTTP Basic with
 * the password or an app password (the one Login Flow v2 gives), or a token.
 */
export const nextcloudEpisodeActionRoutes: FastifyPluginAsyncTypebox<{ episodes: EpisodeActionSync }> = async (app, { episodes }) => {
  app.get(
    '/episode_action',
    {
      config: { auth: { scope: 'user.plays.read' } },
      schema: {
        tags: ['nextcloud'],
        summary: 'Nextcloud gPodder Sync: episode actions since a time',
        description:
          '`since`: epoch seconds (absent or 0: everything). Every episode whose listening state changed since then (less a 10-minute margin against phone clocks), ' +
          'with its current play, new, download or delete actions, in the app\'s shape (`action` in capitals, -1 for what a non-play action lacks).',
        querystring: Type.Object({ since: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ actions: Type.Array(NextcloudEpisodeAction), timestamp: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const page = await episodes.download(principalOf(request).userId, callerKey(request), parseSince(request.query.since), { marginSeconds: CLIENT_CLOCK_MARGIN_SECONDS });
      return { actions: page.actions.map(({ streamId, action }) => nextcloudAction(action, streamId)), timestamp: page.timestamp };
    },
  );

  app.post(
    '/episode_action/create',
    {
      config: { auth: { scope: 'user.plays.write' } },
      schema: {
        tags: ['nextcloud'],
        summary: 'Nextcloud gPodder Sync: upload episode actions',
        description:
          'Body: a JSON array of `{ podcast, episode, action, timestamp, guid?, started?, position?, total? }` (`action` in any case; -1 means none; `device` is ignored, as the app does: the change is the credentials\' device). All recorded or none: one malformed action answers 400 naming it.',
        body: Type.Array(Type.Unknown()),
        response: { 200: Type.Object({ timestamp: Type.Integer() }), ...errorResponses },
      },
    },
    async (request) => {
      const { timestamp } = await episodes.upload(principalOf(request).userId, callerKey(request), request.body, { ignoreDevice: true });
      return { timestamp };
    },
  );
};
