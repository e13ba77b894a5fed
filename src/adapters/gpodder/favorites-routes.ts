import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { PodcastMetadataSource } from '../../directory/podcast-metadata.js';
import { errorResponses } from '../../http/openapi.js';
import type { Sql } from '../../store/sql.js';
import { EpisodeData, episodeData } from './podcast-data.js';
import { accountFor, jsonName } from './requests.js';

/** At most this many favorites are listed (mygpo lists them all; an account may save many). */
const MAX_FAVORITES = 1000;

/**
 * `GET /api/2/favorites/{username}.json`: the episodes the account saved (the playback context's
 * `saved` aspect), as mygpo's episode objects, most recently saved first. An episode known only
 * by its guid has the guid as `url`.
 */
export const gpodderFavoritesRoutes: FastifyPluginAsyncTypebox<{ db: Sql; metadata: PodcastMetadataSource }> = async (app, { db, metadata }) => {
  app.get(
    '/api/2/favorites/:userFile',
    {
      config: { auth: {} },
      schema: {
        tags: ['gpodder'],
        summary: 'gpodder.net: favorite (saved) episodes',
        description: '`{userFile}` is `{username}.json`.',
        params: Type.Object({ userFile: Type.String() }),
        response: { 200: Type.Array(EpisodeData), ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = accountFor(request, jsonName(request.params.userFile));
      const saved = await db.query<{ feed_url: string; guid: string | null; media_url: string | null; title: string | null }>(
        `SELECT e.feed_url, e.guid, e.media_url, s.title FROM episode_states e
         LEFT JOIN subscriptions s ON s.user_id = e.user_id AND s.feed_url = e.feed_url
         WHERE e.user_id = $1 AND e.saved ORDER BY e.state->'saved'->>'at' DESC, e.stream_id LIMIT ${MAX_FAVORITES}`,
        [userId],
      );
      const known = await metadata.describe([...new Set(saved.rows.map((row) => row.feed_url))]);
      return Promise.all(
        saved.rows.map(async (row) => {
          const url = row.media_url ?? row.guid ?? '';
          // The catalog's title first; else the one this account's app gave the subscription.
          const podcast = known.get(row.feed_url) ?? (row.title ? { title: row.title } : {});
          return episodeData({ url, feedUrl: row.feed_url }, podcast, row.media_url ? await metadata.episode(row.feed_url, row.media_url) : undefined);
        }),
      );
    },
  );
};
