import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { resolvePlayToken, type PlayTokenHolder } from '../../accounts/play-tokens.js';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import type { PlaybackService } from '../../playback/playback-service.js';
import type { Sql } from '../../store/sql.js';
import { decodeFeedId, encodeFeedId } from '../../subscriptions/feed-id.js';
import { collectionEntries, gatewayEpisode, playlistEntries, subscriptionEntries, type FeedEntry } from './personal-feeds.js';
import { EPISODE_ID_PATTERN, episodeId, playPath } from './paths.js';
import { renderRss } from './rss-writer.js';
import { recordGatewayPlay } from './play-gateway.js';

export interface PersonalFeedOptions {
  db: Sql;
  playback: PlaybackService;
  baseUrl: string;
}

const Token = Type.String({ maxLength: 100, description: 'A play token (`bpl_…`, POST /api/v1/me/play-tokens)' });
const XmlFile = Type.String({ maxLength: 100, pattern: '^[^/]+\\.xml$', description: '`{id}.xml`' });
const RssResponse = { 200: Type.String({ description: 'RSS 2.0 (application/rss+xml)' }), ...errorResponses };

/** Unknown, revoked and malformed tokens look alike: a 404 tells a prober nothing. */
async function holderOf(db: Sql, token: string): Promise<PlayTokenHolder> {
  const holder = await resolvePlayToken(db, token);
  if (!holder) throw new HttpError(404, 'not_found', 'No such feed');
  return holder;
}

function idOf(file: string): string {
  return decodeURIComponent(file.slice(0, -'.xml'.length));
}

/**
 * Personal feeds (a user's subscriptions, a collection, a playlist as one RSS 2.0 feed any
 * podcast app can subscribe to) and the play gateway their enclosures point at. Both are
 * authenticated by the play token in the path and by nothing else.
 */
export const personalFeedRoutes: FastifyPluginAsyncTypebox<PersonalFeedOptions> = async (app, { db, playback, baseUrl }) => {
  const origin = baseUrl.replace(/\/$/, '');

  function send(reply: FastifyReply, token: string, title: string, description: string, entries: readonly FeedEntry[]) {
    const xml = renderRss({
      title,
      link: `${origin}/`,
      description,
      imageUrl: null,
      items: entries.map((entry) => ({
        title: `${entry.podcastTitle ?? entry.feedUrl} - ${entry.title ?? 'Untitled episode'}`,
        // Stable for as long as the source feed keeps the episode's guid, and unique across podcasts.
        guid: `${encodeFeedId(entry.feedUrl)}/${episodeId(entry.guid)}`,
        enclosure: { url: `${origin}${playPath(token, entry.feedUrl, entry.guid)}`, type: entry.mediaType ?? 'audio/mpeg', length: entry.mediaLength ?? 0 },
        publishedAt: entry.publishedAt,
        description: entry.description,
        durationSeconds: entry.durationSeconds,
        link: entry.link,
      })),
    });
    // Private: the URL is a secret; a minute: podcast apps poll, the catalog changes slowly.
    return reply.type('application/rss+xml; charset=utf-8').header('cache-control', 'private, max-age=60').send(xml);
  }

  app.get(
    '/rss/:token/subscriptions.xml',
    { schema: { tags: ['feeds'], summary: "A listener's subscriptions as one RSS feed (newest 100 episodes)", params: Type.Object({ token: Token }), response: RssResponse } },
    async (request, reply) => {
      const { token } = request.params;
      const holder = await holderOf(db, token);
      return send(reply, token, 'My podcasts (Balados Sync)', 'The newest episodes of my subscriptions', await subscriptionEntries(db, holder.userId));
    },
  );

  app.get(
    '/rss/:token/collections/:file',
    {
      schema: { tags: ['feeds'], summary: "A collection's podcasts as one RSS feed (newest 100 episodes)", params: Type.Object({ token: Token, file: XmlFile }), response: RssResponse },
    },
    async (request, reply) => {
      const { token, file } = request.params;
      const holder = await holderOf(db, token);
      const found = await collectionEntries(db, holder.userId, idOf(file));
      if (!found) throw new HttpError(404, 'not_found', 'No such feed');
      return send(reply, token, `${found.name} (Balados Sync)`, `The newest episodes of the collection ${found.name}`, found.entries);
    },
  );

  app.get(
    '/rss/:token/playlists/:file',
    { schema: { tags: ['feeds'], summary: 'A playlist as an RSS feed (in playlist order)', params: Type.Object({ token: Token, file: XmlFile }), response: RssResponse } },
    async (request, reply) => {
      const { token, file } = request.params;
      const holder = await holderOf(db, token);
      const found = await playlistEntries(db, holder.userId, idOf(file));
      if (!found) throw new HttpError(404, 'not_found', 'No such feed');
      return send(reply, token, `${found.name} (Balados Sync)`, found.description || `The playlist ${found.name}`, found.entries);
    },
  );

  app.get(
    '/play/:token/:feedId/:episodeId',
    {
      schema: {
        tags: ['feeds'],
        summary: 'Play gateway: records that the listener started the episode, and redirects to its media file (HEAD records nothing)',
        params: Type.Object({ token: Token, feedId: Type.String({ maxLength: 4096 }), episodeId: Type.String({ maxLength: 64 }) }),
        response: { 302: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { token, feedId, episodeId: id } = request.params;
      const holder = await holderOf(db, token);
      const feedUrl = decodeFeedId(feedId);
      const episode = feedUrl !== undefined && EPISODE_ID_PATTERN.test(id) ? await gatewayEpisode(db, feedUrl, id) : undefined;
      if (!feedUrl || !episode) throw new HttpError(404, 'not_found', 'No such episode');
      // Apps probe enclosures with HEAD (size, type) without playing anything.
      if (request.method === 'GET') await recordGatewayPlay(playback, holder.userId, { feedUrl, guid: episode.guid, mediaUrl: episode.mediaUrl });
      // Ranges and the media itself are the media host's business.
      return reply.header('cache-control', 'no-store').redirect(episode.mediaUrl, 302);
    },
  );
};
