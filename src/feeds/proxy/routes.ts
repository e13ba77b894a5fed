import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { HttpError } from '../../http/errors.js';
import { errorResponses } from '../../http/openapi.js';
import { decodeFeedId } from '../../subscriptions/feed-id.js';
import { PROXY_FRESH_MS, ProxyError, type FeedProxy } from './feed-proxy.js';

const PATH = '/api/v1/rss/proxy/:feedId';
const Params = Type.Object({ feedId: Type.String({ maxLength: 4096, description: 'The feed URL in base64url' }) });

/** Any web page may read these (CORS for web players): without credentials, public directory feeds only. */
function cors(reply: FastifyReply): FastifyReply {
  return reply.header('access-control-allow-origin', '*').header('access-control-expose-headers', 'ETag');
}

export const feedProxyRoutes: FastifyPluginAsyncTypebox<{ proxy: FeedProxy }> = async (app, { proxy }) => {
  app.options(PATH, { schema: { hide: true, params: Params } }, async (_request, reply) =>
    cors(reply)
      .header('access-control-allow-methods', 'GET, HEAD, OPTIONS')
      .header('access-control-allow-headers', 'If-None-Match, If-Modified-Since')
      .header('access-control-max-age', '86400')
      .status(204)
      .send(),
  );

  app.get(
    PATH,
    {
      schema: {
        tags: ['feeds'],
        summary: 'A cached copy (5 minutes) of a feed in the public directory, or one the signed-in caller subscribes to; CORS-enabled for web players',
        description:
          'Without credentials, only feeds that someone on this instance follows publicly or anonymously (the public directory) are served: a feed only followed privately answers 404 like one nobody follows, so the proxy reveals nothing private. ' +
          'With credentials (a session, an app password, a token), the caller\'s own subscriptions are served too.',
        params: Params,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', description: 'The feed, byte for byte as its server sent it (decompressed)' }), 304: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      cors(reply);
      const feedUrl = decodeFeedId(request.params.feedId);
      if (!feedUrl) throw new HttpError(404, 'feed_not_found', 'No such feed');
      let copy;
      try {
        copy = await proxy.get(feedUrl, request.principal?.userId);
      } catch (error) {
        if (error instanceof ProxyError) throw new HttpError(502, error.code, error.message);
        throw error;
      }
      // Not an open proxy, and no telling whether a feed is followed privately: the same 404.
      if (!copy) throw new HttpError(404, 'feed_not_found', 'This feed is not in the public directory, nor one of your subscriptions');
      const age = Math.max(0, Math.floor((Date.now() - copy.fetchedAt) / 1000));
      reply.header('etag', copy.etag).header('cache-control', `public, max-age=${Math.max(0, PROXY_FRESH_MS / 1000 - age)}`);
      if (request.headers['if-none-match'] === copy.etag) return reply.status(304).send(null);
      return reply.type(copy.contentType).send(copy.body);
    },
  );
};
