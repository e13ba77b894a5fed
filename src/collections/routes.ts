import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { principalOf } from '../http/authentication.js';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/openapi.js';
import { checkId } from '../playlists/list-rules.js';
import { ListId, ListIndex, ListName, VisibilityInput } from '../playlists/routes.js';
import { decodeFeedId, encodeFeedId } from '../subscriptions/feed-id.js';
import { FeedUrl } from '../subscriptions/routes.js';
import type { CollectionChange, CollectionRecord, CollectionService } from './collection-service.js';

/**
 * Collections are groups of subscriptions (an app's folders), so they take the subscriptions'
 * scopes: the OPML export (user.subscriptions.read) writes them as folders and the OPML import
 * (user.subscriptions.write) files feeds into them, which a playlists scope would not cover.
 */
const READ = 'user.subscriptions.read';
const WRITE = 'user.subscriptions.write';

const Time = Type.String({ format: 'date-time' });

export const CollectionSchema = Type.Object(
  {
    collectionId: Type.String(),
    name: Type.String(),
    visibility: Type.Union([Type.Literal('public'), Type.Literal('private')]),
    createdAt: Time,
    updatedAt: Type.String({ format: 'date-time', description: 'Client time of the latest change shown' }),
    deleted: Type.Boolean({ description: 'Deleted for good: the id is not reused' }),
    deletedAt: Type.Optional(Time),
    feeds: Type.Array(Type.Object({ feedId: Type.String({ description: 'The feed URL in base64url: use it in paths' }), feedUrl: Type.String(), addedAt: Time }), {
      description: 'In order (empty once deleted)',
    }),
  },
  { $id: 'Collection' },
);

export function collectionJson(record: CollectionRecord): Static<typeof CollectionSchema> {
  return {
    collectionId: record.collectionId,
    name: record.name,
    visibility: record.visibility,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    deleted: record.deleted,
    ...(record.deletedAt ? { deletedAt: record.deletedAt.toISOString() } : {}),
    feeds: record.feeds.map((feed) => ({ feedId: encodeFeedId(feed.feedUrl), feedUrl: feed.feedUrl, addedAt: feed.addedAt.toISOString() })),
  };
}

function clientTime(at: string | undefined): { clientTime?: number } {
  const ms = parseClientTime(at);
  return ms !== undefined ? { clientTime: ms } : {};
}

function feedUrlOf(feedId: string): string {
  const feedUrl = decodeFeedId(feedId);
  if (!feedUrl) throw new HttpError(400, 'invalid_feed_id', 'Not a feed id (the base64url form of a feed URL)');
  return feedUrl;
}

const Params = Type.Object({ collectionId: ListId });
const FeedParams = Type.Object({ collectionId: ListId, feedId: Type.String({ maxLength: 4096 }) });
const AtQuery = Type.Object({ at: Type.Optional(ClientTime) }, { additionalProperties: false });

export const collectionRoutes: FastifyPluginAsyncTypebox<{ collections: CollectionService }> = async (app, { collections }) => {
  /** The collection as it is now; 404 when there never was one, 410 once deleted (unless `deletedToo`). */
  async function current(userId: string, collectionId: string, deletedToo = false): Promise<Static<typeof CollectionSchema>> {
    checkId(collectionId, 'invalid_collection_id', 'Collection ids');
    const record = await collections.get(userId, collectionId);
    if (!record) throw new HttpError(404, 'collection_not_found', `No collection ${collectionId}`);
    if (record.deleted && !deletedToo) throw new HttpError(410, 'collection_deleted', 'This collection was deleted');
    return collectionJson(record);
  }

  async function changed(userId: string, change: CollectionChange): Promise<Static<typeof CollectionSchema>> {
    await collections.change(userId, [change]);
    return current(userId, change.collectionId);
  }

  app.get(
    '/api/v1/collections',
    {
      config: { auth: { scope: READ } },
      schema: {
        tags: ['collections'],
        summary: 'The collections (deleted ones left out), oldest first, with their feeds in order',
        response: { 200: Type.Object({ collections: Type.Array(CollectionSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ collections: (await collections.list(principalOf(request).userId)).map(collectionJson) }),
  );

  app.post(
    '/api/v1/collections',
    {
      config: { auth: { scope: WRITE } },
      schema: {
        tags: ['collections'],
        summary: 'Create a collection (201; 200 when the same collection was already created under this id: a retry)',
        body: Type.Object({ collectionId: Type.Optional(ListId), name: ListName, visibility: Type.Optional(VisibilityInput), at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: CollectionSchema, 201: CollectionSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { userId } = principalOf(request);
      const { at, ...input } = request.body;
      const { collectionId, created } = await collections.create(userId, { ...input, ...clientTime(at) });
      return reply.status(created ? 201 : 200).send(await current(userId, collectionId));
    },
  );

  app.get(
    '/api/v1/collections/:collectionId',
    {
      config: { auth: { scope: READ } },
      schema: {
        tags: ['collections'],
        summary: 'One collection with its feeds in order (410 collection_deleted once deleted)',
        params: Params,
        response: { 200: CollectionSchema, ...errorResponses },
      },
    },
    async (request) => current(principalOf(request).userId, request.params.collectionId),
  );

  app.patch(
    '/api/v1/collections/:collectionId',
    {
      config: { auth: { scope: WRITE } },
      schema: {
        tags: ['collections'],
        summary: 'Rename a collection or change its visibility (all or none); the latest change of each field wins',
        params: Params,
        body: Type.Object({ name: Type.Optional(ListName), visibility: Type.Optional(VisibilityInput), at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: {
          200: Type.Object({ applied: Type.Boolean({ description: 'False when a later change of one of these fields (from another device) had already won' }), collection: CollectionSchema }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const { collectionId } = request.params;
      const { name, visibility, at } = request.body;
      const time = clientTime(at);
      const changes: CollectionChange[] = [
        ...(name !== undefined ? [{ collectionId, op: 'rename' as const, name, ...time }] : []),
        ...(visibility !== undefined ? [{ collectionId, op: 'visibility' as const, visibility, ...time }] : []),
      ];
      if (changes.length === 0) throw new HttpError(400, 'nothing_to_change', 'Give a name or a visibility');
      const outcomes = await collections.change(userId, changes);
      return { applied: outcomes.every((outcome) => outcome.applied), collection: await current(userId, collectionId) };
    },
  );

  app.delete(
    '/api/v1/collections/:collectionId',
    {
      config: { auth: { scope: WRITE } },
      schema: {
        tags: ['collections'],
        summary: 'Delete a collection, for good (one that holds feeds only with force=true: 409 collection_not_empty otherwise); its feeds stay subscribed',
        params: Params,
        querystring: Type.Object({ force: Type.Optional(Type.Boolean()), at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: CollectionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const { collectionId } = request.params;
      const { force, at } = request.query;
      await collections.change(userId, [{ collectionId, op: 'delete', ...(force !== undefined ? { force } : {}), ...clientTime(at) }]);
      return current(userId, collectionId, true);
    },
  );

  app.post(
    '/api/v1/collections/:collectionId/feeds',
    {
      config: { auth: { scope: WRITE } },
      schema: {
        tags: ['collections'],
        summary: 'Add a feed (at the end, or at `index`); a feed already there stays where it is',
        params: Params,
        body: Type.Object({ feedUrl: FeedUrl, index: Type.Optional(ListIndex), at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: CollectionSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { feedUrl, index, at } = request.body;
      return changed(principalOf(request).userId, { collectionId: request.params.collectionId, op: 'add', feedUrl, ...(index !== undefined ? { index } : {}), ...clientTime(at) });
    },
  );

  app.delete(
    '/api/v1/collections/:collectionId/feeds/:feedId',
    {
      config: { auth: { scope: WRITE } },
      schema: {
        tags: ['collections'],
        summary: 'Remove a feed from a collection (it stays subscribed)',
        params: FeedParams,
        querystring: AtQuery,
        response: { 200: CollectionSchema, ...errorResponses },
      },
    },
    async (request) =>
      changed(principalOf(request).userId, { collectionId: request.params.collectionId, op: 'remove', feedUrl: feedUrlOf(request.params.feedId), ...clientTime(request.query.at) }),
  );

  app.put(
    '/api/v1/collections/:collectionId/feeds/:feedId/position',
    {
      config: { auth: { scope: WRITE } },
      schema: {
        tags: ['collections'],
        summary: 'Move a feed to an index (concurrent moves from several devices are ordered by their client times)',
        params: FeedParams,
        body: Type.Object({ index: ListIndex, at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: CollectionSchema, ...errorResponses },
      },
    },
    async (request) =>
      changed(principalOf(request).userId, {
        collectionId: request.params.collectionId,
        op: 'move',
        feedUrl: feedUrlOf(request.params.feedId),
        index: request.body.index,
        ...clientTime(request.body.at),
      }),
  );
};
