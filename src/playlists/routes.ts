import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { principalOf } from '../http/authentication.js';
import { ClientTime, parseClientTime } from '../http/client-time.js';
import { HttpError } from '../http/errors.js';
import { errorResponses } from '../http/openapi.js';
import { FeedUrl } from '../subscriptions/routes.js';
import { checkId, type Visibility } from './list-rules.js';
import type { PlaylistChange, PlaylistChangeOutcome, PlaylistRecord, PlaylistService } from './playlist-service.js';

/**
 * Field schemas check types only: the decider checks the values, so that a bad name, index or
 * id is refused with its own code (`invalid_name`, `invalid_index`...), the same over HTTP and
 * in offline batches.
 */
export const VisibilityInput = Type.Unsafe<Visibility>({ type: 'string', description: '"public" or "private" (the default)' });
export const ListId = Type.String({ maxLength: 200, description: '1 to 64 letters, digits, "_", "-" or "."; chosen by the app (a UUID is a good choice) or by the server' });
export const ListName = Type.String({ maxLength: 1000, description: '1 to 200 characters, trimmed' });
export const ListIndex = Type.Integer({ description: 'Position from 0; beyond the end means the end (at most 5,000)' });

export const PlaylistEpisodeSchema = Type.Object(
  {
    feedUrl: FeedUrl,
    guid: Type.Optional(Type.String({ maxLength: 4096, description: "The item's guid, when the app knows it" })),
    mediaUrl: Type.Optional(Type.String({ maxLength: 4096, description: "The enclosure's URL" })),
    title: Type.Optional(Type.String({ maxLength: 4096, description: 'Shown to the listener; not part of the identity' })),
  },
  { $id: 'PlaylistEpisode', additionalProperties: false, description: 'An episode: its feed, and its guid or its media URL (or both)' },
);

const Time = Type.String({ format: 'date-time' });
const VisibilityOut = Type.Union([Type.Literal('public'), Type.Literal('private')]);

const PlaylistFields = {
  playlistId: Type.String(),
  name: Type.String(),
  description: Type.String(),
  visibility: VisibilityOut,
  createdAt: Time,
  updatedAt: Type.String({ format: 'date-time', description: 'Client time of the latest change shown' }),
  deleted: Type.Boolean({ description: 'Deleted for good: the id is not reused' }),
  deletedAt: Type.Optional(Time),
};

export const PlaylistSchema = Type.Object(
  {
    ...PlaylistFields,
    items: Type.Array(Type.Object({ itemId: Type.String(), episode: PlaylistEpisodeSchema, addedAt: Time }), { description: 'In order (empty once deleted)' }),
  },
  { $id: 'Playlist' },
);
const PlaylistSummary = Type.Object({ ...PlaylistFields, itemCount: Type.Integer() }, { $id: 'PlaylistSummary' });

const ItemStatus = Type.Object(
  {
    itemId: Type.String(),
    status: Type.Union([Type.Literal('present'), Type.Literal('merged'), Type.Literal('gone'), Type.Literal('unknown')], {
      description:
        'present: in the playlist at `index`; merged: the episode was already there as item `into` (at `index`), and changes through this id act on it; gone: removed; unknown: its add has not arrived (the change waits for it)',
    }),
    index: Type.Optional(Type.Integer()),
    into: Type.Optional(Type.String()),
  },
  { $id: 'PlaylistItemStatus' },
);
const ItemAnswer = Type.Object({ item: ItemStatus, playlist: PlaylistSchema });

export function playlistJson(record: PlaylistRecord): Static<typeof PlaylistSchema> {
  return { ...summaryFields(record), items: (record.items ?? []).map((item) => ({ itemId: item.itemId, episode: item.episode, addedAt: item.addedAt.toISOString() })) };
}

function summaryFields(record: PlaylistRecord) {
  return {
    playlistId: record.playlistId,
    name: record.name,
    description: record.description,
    visibility: record.visibility,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    deleted: record.deleted,
    ...(record.deletedAt ? { deletedAt: record.deletedAt.toISOString() } : {}),
  };
}

function clientTime(at: string | undefined): { clientTime?: number } {
  const ms = parseClientTime(at);
  return ms !== undefined ? { clientTime: ms } : {};
}

const Params = Type.Object({ playlistId: ListId });
const ItemParams = Type.Object({ playlistId: ListId, itemId: Type.String({ maxLength: 200 }) });

export const playlistRoutes: FastifyPluginAsyncTypebox<{ playlists: PlaylistService }> = async (app, { playlists }) => {
  /** The playlist as it is now; 404 when there never was one, 410 once deleted (unless `deletedToo`). */
  async function current(userId: string, playlistId: string, deletedToo = false): Promise<Static<typeof PlaylistSchema>> {
    checkId(playlistId, 'invalid_playlist_id', 'Playlist ids');
    const record = await playlists.get(userId, playlistId);
    if (!record) throw new HttpError(404, 'playlist_not_found', `No playlist ${playlistId}`);
    if (record.deleted && !deletedToo) throw new HttpError(410, 'playlist_deleted', 'This playlist was deleted');
    return playlistJson(record);
  }

  async function itemChange(userId: string, playlistId: string, change: PlaylistChange): Promise<Static<typeof ItemAnswer>> {
    const [outcome] = await playlists.change(userId, playlistId, [change]);
    return { item: itemStatusJson(outcome!), playlist: await current(userId, playlistId) };
  }

  app.get(
    '/api/v1/playlists',
    {
      config: { auth: { scope: 'user.playlists.read' } },
      schema: {
        tags: ['playlists'],
        summary: 'The playlists (deleted ones left out), oldest first, without their items',
        response: { 200: Type.Object({ playlists: Type.Array(PlaylistSummary) }), ...errorResponses },
      },
    },
    async (request) => ({ playlists: (await playlists.list(principalOf(request).userId)).map((record) => ({ ...summaryFields(record), itemCount: record.itemCount })) }),
  );

  app.post(
    '/api/v1/playlists',
    {
      config: { auth: { scope: 'user.playlists.write' } },
      schema: {
        tags: ['playlists'],
        summary: 'Create a playlist (201; 200 when the same playlist was already created under this id: a retry)',
        body: Type.Object(
          { playlistId: Type.Optional(ListId), name: ListName, description: Type.Optional(Type.String({ maxLength: 10_000 })), visibility: Type.Optional(VisibilityInput), at: Type.Optional(ClientTime) },
          { additionalProperties: false },
        ),
        response: { 200: PlaylistSchema, 201: PlaylistSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { userId } = principalOf(request);
      const { at, ...input } = request.body;
      const { playlistId, created } = await playlists.create(userId, { ...input, ...clientTime(at) });
      return reply.status(created ? 201 : 200).send(await current(userId, playlistId));
    },
  );

  app.get(
    '/api/v1/playlists/:playlistId',
    {
      config: { auth: { scope: 'user.playlists.read' } },
      schema: {
        tags: ['playlists'],
        summary: 'One playlist with its items in order (410 playlist_deleted once deleted)',
        params: Params,
        response: { 200: PlaylistSchema, ...errorResponses },
      },
    },
    async (request) => current(principalOf(request).userId, request.params.playlistId),
  );

  app.patch(
    '/api/v1/playlists/:playlistId',
    {
      config: { auth: { scope: 'user.playlists.write' } },
      schema: {
        tags: ['playlists'],
        summary: 'Rename, describe, or change the visibility of a playlist (all or none); the latest change of each field wins',
        params: Params,
        body: Type.Object(
          { name: Type.Optional(ListName), description: Type.Optional(Type.String({ maxLength: 10_000 })), visibility: Type.Optional(VisibilityInput), at: Type.Optional(ClientTime) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ applied: Type.Boolean({ description: 'False when a later change of one of these fields (from another device) had already won' }), playlist: PlaylistSchema }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const { name, description, visibility, at } = request.body;
      const time = clientTime(at);
      const changes: PlaylistChange[] = [
        ...(name !== undefined ? [{ op: 'rename' as const, name, ...time }] : []),
        ...(description !== undefined ? [{ op: 'describe' as const, description, ...time }] : []),
        ...(visibility !== undefined ? [{ op: 'visibility' as const, visibility, ...time }] : []),
      ];
      if (changes.length === 0) throw new HttpError(400, 'nothing_to_change', 'Give a name, a description or a visibility');
      const outcomes = await playlists.change(userId, request.params.playlistId, changes);
      return { applied: outcomes.every((outcome) => outcome.applied), playlist: await current(userId, request.params.playlistId) };
    },
  );

  app.delete(
    '/api/v1/playlists/:playlistId',
    {
      config: { auth: { scope: 'user.playlists.write' } },
      schema: {
        tags: ['playlists'],
        summary: 'Delete a playlist, for good (a retry answers the same)',
        params: Params,
        querystring: Type.Object({ at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: PlaylistSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      await playlists.change(userId, request.params.playlistId, [{ op: 'delete', ...clientTime(request.query.at) }]);
      return current(userId, request.params.playlistId, true);
    },
  );

  app.post(
    '/api/v1/playlists/:playlistId/items',
    {
      config: { auth: { scope: 'user.playlists.write' } },
      schema: {
        tags: ['playlists'],
        summary: 'Add an episode (at the end, or at `index`); the same episode already there merges into its item',
        params: Params,
        body: Type.Object(
          { episode: PlaylistEpisodeSchema, itemId: Type.Optional(Type.String({ maxLength: 200, description: 'Chosen by the app; the server chooses one when absent' })), index: Type.Optional(ListIndex), at: Type.Optional(ClientTime) },
          { additionalProperties: false },
        ),
        response: { 200: ItemAnswer, ...errorResponses },
      },
    },
    async (request) => {
      const { episode, itemId, index, at } = request.body;
      const change: PlaylistChange = { op: 'add', episode, ...(itemId !== undefined ? { itemId } : {}), ...(index !== undefined ? { index } : {}), ...clientTime(at) };
      return itemChange(principalOf(request).userId, request.params.playlistId, change);
    },
  );

  app.delete(
    '/api/v1/playlists/:playlistId/items/:itemId',
    {
      config: { auth: { scope: 'user.playlists.write' } },
      schema: {
        tags: ['playlists'],
        summary: 'Remove an item',
        params: ItemParams,
        querystring: Type.Object({ at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: ItemAnswer, ...errorResponses },
      },
    },
    async (request) => itemChange(principalOf(request).userId, request.params.playlistId, { op: 'remove', itemId: request.params.itemId, ...clientTime(request.query.at) }),
  );

  app.put(
    '/api/v1/playlists/:playlistId/items/:itemId/position',
    {
      config: { auth: { scope: 'user.playlists.write' } },
      schema: {
        tags: ['playlists'],
        summary: 'Move an item to an index (concurrent moves from several devices are ordered by their client times)',
        params: ItemParams,
        body: Type.Object({ index: ListIndex, at: Type.Optional(ClientTime) }, { additionalProperties: false }),
        response: { 200: ItemAnswer, ...errorResponses },
      },
    },
    async (request) =>
      itemChange(principalOf(request).userId, request.params.playlistId, { op: 'move', itemId: request.params.itemId, index: request.body.index, ...clientTime(request.body.at) }),
  );
};

export function itemStatusJson(outcome: PlaylistChangeOutcome): Static<typeof ItemStatus> {
  return { ...outcome.item! };
}
