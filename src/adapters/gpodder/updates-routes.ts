import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { DeviceService } from '../../accounts/devices/device-service.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { episodeKey, type PodcastMetadataSource } from '../../directory/podcast-metadata.js';
import type { Sql } from '../../store/sql.js';
import { callerKey, type EpisodeActionSync } from '../episode-actions/episode-action-sync.js';
import { gpodderAction, latestAction } from '../episode-actions/format-actions.js';
import { markOf } from './marks.js';
import { accountFor, checkDeviceId, jsonName } from './requests.js';
import { episodeData, podcastData } from './podcast-data.js';

/** mygpo lists at most this many new episodes per podcast in an update. */
export const NEW_EPISODES_PER_PODCAST = 5;

/**
 * `GET /api/2/updates/{username}/{deviceid}.json` (mygpo/api/advanced/updates.py): what changed
 * for a device since a timestamp. `add`/`rem`: the account's subscription changes (podcast
 * objects / URLs); `updates`: episode objects with a `status`, for the episodes whose listening
 * state changed (the status of their latest action, and that action with `include_actions=true`)
 * and, as mygpo does from its catalogue, for the episodes of subscribed podcasts published since
 * (status `new`, at most five per podcast): both described from the feed catalog where it knows
 * them (title, description, website, release date).
 */
export const gpodderUpdatesRoutes: FastifyPluginAsyncTypebox<{ db: Sql; devices: DeviceService; episodes: EpisodeActionSync; metadata: PodcastMetadataSource }> = async (
  app,
  { db, devices, episodes, metadata },
) => {
  app.get(
    '/api/2/updates/:username/:deviceFile',
    {
      config: { auth: { scope: 'user.plays.read' } },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: subscription and episode updates for a device since a timestamp',
        description:
          '`{deviceFile}` is `{deviceId}.json`. `since` (seconds, required; a fraction is accepted) is a `timestamp` this server gave. ' +
          '`updates` holds the episodes whose listening state changed since, and the episodes of subscribed podcasts published since (status `new`, at most 5 per podcast).',
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
      if (since * 1000 > 8.64e15) throw new HttpError(400, 'invalid_since', 'since is past any date');
      await devices.ensure(userId, deviceId);
      // Episodes first: its timestamp is mapped to the head read before the subscriptions below.
      const page = await episodes.download(userId, callerKey(request), since);
      const mark = since <= 0 ? 0 : await markOf(db, userId, since);
      const subscriptions = await db.query<{ feed_url: string; subscribed: boolean; title: string | null }>(
        'SELECT feed_url, subscribed, title FROM subscriptions WHERE user_id = $1 AND seq > $2 ORDER BY seq, feed_url',
        [userId, mark],
      );
      const subscribed = await db.query<{ feed_url: string; title: string | null }>('SELECT feed_url, title FROM subscriptions WHERE user_id = $1 AND subscribed', [userId]);
      const titles = new Map([...subscribed.rows, ...subscriptions.rows].map((row) => [row.feed_url, row.title]));

      const changed = new Map<string, { feedUrl: string; mediaUrl: string; status: string; action?: ReturnType<typeof gpodderAction> }>();
      const byEpisode = new Map<string, typeof page.actions>();
      for (const entry of page.actions) byEpisode.set(entry.streamId, [...(byEpisode.get(entry.streamId) ?? []), entry]);
      for (const entries of byEpisode.values()) {
        const latest = latestAction(entries.map((entry) => entry.action))!;
        changed.set(episodeKey(latest.podcast, latest.episode), {
          feedUrl: latest.podcast,
          mediaUrl: latest.episode,
          status: latest.action,
          ...(includeActions?.toLowerCase() === 'true' ? { action: gpodderAction(latest) } : {}),
        });
      }
      const published = await metadata.publishedSince(subscribed.rows.map((row) => row.feed_url), new Date(since * 1000), NEW_EPISODES_PER_PODCAST);
      const fresh = published.filter((episode) => !changed.has(episodeKey(episode.feedUrl, episode.mediaUrl)));
      const described = await metadata.episodes([...changed.values()]);
      for (const episode of fresh) described.set(episodeKey(episode.feedUrl, episode.mediaUrl), episode.metadata);
      const podcasts = await metadata.describe([...new Set([...titles.keys(), ...[...changed.values()].map((episode) => episode.feedUrl)])]);
      const podcastOf = (feedUrl: string) => {
        const title = titles.get(feedUrl);
        return { ...(title ? { title } : {}), ...podcasts.get(feedUrl) };
      };
      const updates = [...changed.values(), ...fresh.map((episode) => ({ feedUrl: episode.feedUrl, mediaUrl: episode.mediaUrl, status: 'new' }))].map(({ feedUrl, mediaUrl, ...status }) => ({
        // episode_data (mygpo/directory), every key present (mygpoclient requires them, `released` included).
        ...episodeData({ url: mediaUrl, feedUrl }, podcastOf(feedUrl), described.get(episodeKey(feedUrl, mediaUrl))),
        ...status,
      }));
      return {
        add: subscriptions.rows.filter((row) => row.subscribed).map((row) => podcastData(row.feed_url, 0, podcastOf(row.feed_url))),
        rem: since > 0 ? subscriptions.rows.filter((row) => !row.subscribed).map((row) => row.feed_url) : [],
        updates,
        timestamp: page.timestamp,
      };
    },
  );
};
