import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DeviceService } from '../../accounts/devices/device-service.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import type { Sql } from '../../store/sql.js';
import { callerKey, type EpisodeActionSync } from '../episode-actions/episode-action-sync.js';
import { gpodderAction, latestAction } from '../episode-actions/format-actions.js';
import { markOf } from './marks.js';
import { accountFor, checkDeviceId, jsonName } from './requests.js';
import { podcastData } from './podcast-data.js';

/**
 * `GET /api/2/updates/{username}/{deviceid}.json` (mygpo/api/advanced/updates.py): what changed
 * for a device since a timestamp. `add`/`rem`: the account's subscription changes (podcast
 * objects / URLs); `updates`: the episodes whose listening state changed, as episode objects
 * with the `status` of their latest action (and that action with `include_actions=true`).
 * mygpo lists episodes released since then from its catalogue; this instance knows episodes
 * only through what its listeners did with them, so those are the episodes it can tell of.
 */
export const gpodderUpdatesRoutes: FastifyPluginAsyncTypebox<{ db: Sql; devices: DeviceService; episodes: EpisodeActionSync }> = async (app, { db, devices, episodes }) => {
  app.get(
    '/api/2/updates/:username/:deviceFile',
    {
      config: { auth: { scope: 'user.plays.read' } },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: subscription and episode updates for a device since a timestamp',
        description: '`{deviceFile}` is `{deviceId}.json`. `since` (seconds, required; a fraction is accepted) is a `timestamp` this server gave.',
        params: Type.Object({ username: Type.String(), deviceFile: Type.String() }),
        querystring: Type.Object({ since: Type.Optional(Type.String()), include_actions: Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({
            add: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            rem: Type.Array(Type.String()),
            updates: Type.Array(Type.Record(Type.String(), Type.Unknown())),
            timestamp: Type.Integer(),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, request.params.username);
      const deviceId = checkDeviceId(jsonName(request.params.deviceFile));
      const { since: sinceText, include_actions: includeActions } = request.query;
      if (sinceText === undefined || !/^\d{1,15}(\.\d+)?$/.test(sinceText)) throw new HttpError(400, 'invalid_since', 'since must be a non-negative number of seconds');
      const since = Math.floor(Number(sinceText));
      await devices.ensure(userId, deviceId);
      // Episodes first: its timestamp is mapped to the head read before the subscriptions below.
      const page = await episodes.download(userId, callerKey(request), since);
      const mark = since <= 0 ? 0 : await markOf(db, userId, since);
      const subscriptions = await db.query<{ feed_url: string; subscribed: boolean; title: string | null }>(
        'SELECT feed_url, subscribed, title FROM subscriptions WHERE user_id = $1 AND seq > $2 ORDER BY seq, feed_url',
        [userId, mark],
      );
      const titles = new Map(subscriptions.rows.map((row) => [row.feed_url, row.title]));
      const byEpisode = new Map<string, typeof page.actions>();
      for (const entry of page.actions) byEpisode.set(entry.streamId, [...(byEpisode.get(entry.streamId) ?? []), entry]);
      const updates = [...byEpisode.values()].map((entries) => {
        const latest = latestAction(entries.map((entry) => entry.action))!;
        return {
          // episode_data (mygpo/directory), every key present (mygpoclient requires them, `released` included).
          title: latest.episode,
          url: latest.episode,
          podcast_title: titles.get(latest.podcast) ?? latest.podcast,
          podcast_url: latest.podcast,
          description: '',
          website: null,
          released: null,
          mygpo_link: latest.episode,
          status: latest.action,
          ...(includeActions?.toLowerCase() === 'true' ? { action: gpodderAction(latest) } : {}),
        };
      });
      return {
        add: subscriptions.rows.filter((row) => row.subscribed).map((row) => podcastData(row.feed_url, 0, row.title ? { title: row.title } : {})),
        rem: since > 0 ? subscriptions.rows.filter((row) => !row.subscribed).map((row) => row.feed_url) : [],
        updates,
        timestamp: page.timestamp,
      };
    },
  );
};
