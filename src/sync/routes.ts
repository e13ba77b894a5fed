import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static, type TSchema, type TUnion } from '@sinclair/typebox';
import { principalOf } from '../http/authentication.js';
import { errorResponses } from '../http/openapi.js';
import { requestDeviceId } from '../store/event-context.js';
import { parseCursor } from './cursor.js';
import { applyBatch, type BatchChange } from './sync-batch.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, readChanges } from './sync-read.js';
import type { SyncApplier, SyncSource } from './sync-source.js';
import type { Database } from '../store/sql.js';

export const MAX_BATCH_CHANGES = 1000;
const IdempotencyKey = Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$', description: 'Chosen by the client (a UUID is a good choice)' });

function pageSchema(sources: readonly SyncSource[]) {
  return Type.Object({
    cursor: Type.String({ description: 'Give it as `since` next time' }),
    hasMore: Type.Boolean({ description: 'More changes wait: ask again at once with the new cursor' }),
    reset: Type.Boolean({ description: 'The cursor was not known here: this is the whole state, not a delta' }),
    changes: Type.Object(Object.fromEntries(sources.map((source) => [source.name, Type.Array(source.itemSchema)])) as Record<string, TSchema>),
  });
}

export const syncRoutes: FastifyPluginAsyncTypebox<{ db: Database; sources: readonly SyncSource[]; appliers: readonly SyncApplier[] }> = async (app, { db, sources, appliers }) => {
  const Page = pageSchema(sources);
  const branches = appliers.map((applier) =>
    Type.Object({ type: Type.Literal(applier.type), id: Type.Optional(IdempotencyKey), ...applier.changeSchema.properties }, { additionalProperties: false }),
  );
  // Tagged by `type` (OpenAPI's discriminator): a bad change is reported against its own kind.
  const Change = Type.Unsafe<Static<TUnion<typeof branches>>>({ type: 'object', oneOf: branches, discriminator: { propertyName: 'type' } });
  const Result = Type.Object({
    index: Type.Integer(),
    type: Type.String(),
    id: Type.Optional(Type.String()),
    applied: Type.Boolean({ description: 'False when a later change from another device had already decided: `state` is the winner' }),
    replayed: Type.Optional(Type.Boolean({ description: 'This change id was applied before; this is the result given then' })),
    state: Type.Optional(Type.Unknown()),
  });

  app.get(
    '/api/v1/sync',
    {
      config: { auth: { scope: 'user.sync' } },
      schema: {
        tags: ['sync'],
        summary: 'Every change to the account since a cursor (current state of each changed thing)',
        querystring: Type.Object(
          {
            since: Type.Optional(Type.String({ maxLength: 40, description: 'The cursor of the last sync; none for everything' })),
            limit: Type.Optional(Type.Integer({ minimum: 10, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Page, ...errorResponses },
      },
    },
    async (request) => readChanges(db, principalOf(request).userId, sources, parseCursor(request.query.since), request.query.limit ?? DEFAULT_PAGE_SIZE),
  );

  app.post(
    '/api/v1/sync',
    {
      config: { auth: { scope: 'user.sync' } },
      schema: {
        tags: ['sync'],
        summary: 'Apply changes made offline, all or none, and get back what changed since your cursor',
        headers: Type.Object({ 'idempotency-key': Type.Optional(IdempotencyKey) }),
        body: Type.Object(
          {
            changes: Type.Array(Change, { maxItems: MAX_BATCH_CHANGES }),
            since: Type.Optional(Type.String({ maxLength: 40, description: 'Also answer the changes since this cursor' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ results: Type.Array(Result), sync: Page }), ...errorResponses },
      },
    },
    async (request) => {
      const { userId } = principalOf(request);
      const since = parseCursor(request.body.since);
      const deviceId = requestDeviceId();
      const key = request.headers['idempotency-key'];
      const results = await applyBatch(db, appliers, request.body.changes as BatchChange[], {
        userId,
        receivedAt: Date.now(),
        ...(deviceId ? { deviceId } : {}),
        ...(typeof key === 'string' ? { key } : {}),
      });
      const sync = await readChanges(db, userId, sources, since, MAX_PAGE_SIZE);
      return { results, sync };
    },
  );
};

