import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../http/authentication.js';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/openapi.js';
import { DEFAULT_OPML_LIMITS, exportOpml, parseOpml } from './opml.js';
import type { SubscriptionService } from './subscription-service.js';
import type { CollectionService } from '../collections/collection-service.js';

const OPML_TYPES = ['text/x-opml', 'application/xml', 'text/xml', 'application/octet-stream', 'text/plain'];

/**
 * OPML import and export. The import body is the file itself (any of the XML-ish content
 * types apps and browsers send it with); it subscribes to every feed in it and unsubscribes
 * from nothing: importing a list adds to what the account has. Folders are collections: a feed
 * is exported inside a folder per collection holding it (so it may be listed more than once), and
 * an imported feed is filed into the collection named like its top-level folder (created when
 * the account has none of that name).
 */
export const opmlRoutes: FastifyPluginAsyncTypebox<{ subscriptions: SubscriptionService; collections: CollectionService }> = async (app, { subscriptions, collections }) => {
  app.addContentTypeParser(OPML_TYPES, { parseAs: 'buffer', bodyLimit: DEFAULT_OPML_LIMITS.maxBytes + 1024 }, (_request, body, done) => done(null, body));

  app.get(
    '/api/v1/subscriptions.opml',
    {
      config: { auth: { scope: 'user.subscriptions.read' } },
      schema: {
        tags: ['subscriptions'],
        summary: 'The subscriptions as an OPML 2.0 file',
        produces: ['text/x-opml'],
        response: { 200: Type.String({ description: 'OPML 2.0 document' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const list = await subscriptions.list(principal.userId);
      const feeds = new Map(list.map((subscription) => [subscription.feedUrl, { url: subscription.feedUrl, ...(subscription.title ? { title: subscription.title } : {}) }]));
      const filed = (await collections.folders(principal.userId)).flatMap(({ name, feedUrls }) =>
        feedUrls.flatMap((feedUrl) => (feeds.has(feedUrl) ? [{ ...feeds.get(feedUrl)!, categories: [name] }] : [])),
      );
      const inFolders = new Set(filed.map((feed) => feed.url));
      const document = exportOpml({
        title: `Podcasts of ${principal.username}`,
        ownerName: principal.username,
        createdAt: new Date(),
        // Collections first, as folders in their order (a feed in two is written in both), then the other feeds.
        feeds: [...filed, ...[...feeds.values()].filter((feed) => !inFolders.has(feed.url))],
      });
      return reply
        .type('text/x-opml; charset=utf-8')
        .header('content-disposition', `attachment; filename="${principal.username}-subscriptions.opml"`)
        .send(document);
    },
  );

  app.post(
    '/api/v1/subscriptions/opml',
    {
      config: { auth: { scope: 'user.subscriptions.write' } },
      schema: {
        tags: ['subscriptions'],
        summary: 'Subscribe to every podcast of an OPML file (nothing is unsubscribed)',
        description: `The body is the OPML file (Content-Type ${OPML_TYPES.join(', ')}), at most ${DEFAULT_OPML_LIMITS.maxBytes / 1024 / 1024} MB and ${DEFAULT_OPML_LIMITS.maxFeeds} feeds.`,
        response: {
          200: Type.Object({
            subscribed: Type.Integer({ description: 'Feeds newly subscribed to' }),
            alreadySubscribed: Type.Integer(),
            skipped: Type.Array(Type.Object({ reason: Type.String(), text: Type.Optional(Type.String()), url: Type.Optional(Type.String()) })),
            collections: Type.Array(
              Type.Object({ collectionId: Type.String(), name: Type.String(), created: Type.Boolean(), added: Type.Integer({ description: 'Feeds added to it' }) }),
              { description: 'The collections the top-level folders were filed into' },
            ),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      if (!Buffer.isBuffer(request.body)) {
        throw new HttpError(415, 'unsupported_media_type', `Send the OPML file itself as the body, with Content-Type ${OPML_TYPES[0]}`);
      }
      const parsed = parseOpml(request.body);
      const before = new Set((await subscriptions.list(userId)).map((subscription) => subscription.feedUrl));
      const outcomes = await subscriptions.change(
        userId,
        parsed.feeds.map((feed) => ({ feedUrl: feed.url, subscribed: true, ...(feed.title ? { title: feed.title.slice(0, 500) } : {}) })),
      );
      const subscribed = outcomes.filter((outcome) => outcome.subscribed && !before.has(outcome.feedUrl)).length;
      const folders = new Map<string, string[]>();
      for (const feed of parsed.feeds) {
        const folder = feed.categories[0];
        if (folder === undefined) continue;
        if (!folders.has(folder)) folders.set(folder, []);
        folders.get(folder)!.push(feed.url);
      }
      const filed = folders.size > 0 ? await collections.fileByName(userId, [...folders].map(([name, feedUrls]) => ({ name, feedUrls }))) : [];
      return { subscribed, alreadySubscribed: outcomes.length - subscribed, skipped: parsed.skipped, collections: filed };
    },
  );
};
