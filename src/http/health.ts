import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Projector } from '../projections/projector.js';
import { projectionStatuses } from '../projections/status.js';
import { migrationStatus } from '../store/migrations.js';
import type { Database } from '../store/sql.js';
import { errorResponses } from './openapi.js';

const Health = Type.Object({ status: Type.Literal('ok'), uptimeSeconds: Type.Number() });

const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Object({
    database: Type.Object({ ok: Type.Boolean(), driver: Type.String(), latencyMs: Type.Number(), error: Type.Optional(Type.String()) }),
    migrations: Type.Object({ ok: Type.Boolean(), applied: Type.Integer(), pending: Type.Array(Type.String()) }),
    projections: Type.Array(
      Type.Object({
        name: Type.String(),
        kind: Type.String(),
        state: Type.String(),
        lag: Type.Integer({ description: 'Events not yet applied (async projections).' }),
        lastError: Type.Union([Type.String(), Type.Null()]),
      }),
    ),
  }),
});

export interface HealthDeps {
  db: Database;
  projectors: readonly Projector[];
}

/**
 * `/healthz` says the process answers; `/readyz` says it can serve: database reachable,
 * schema migrated, inline projections current. Async projection lag is reported, not fatal:
 * a lagging community view does not stop a listener from syncing.
 */
export const healthRoutes: FastifyPluginAsyncTypebox<HealthDeps> = async (app, { db, projectors }) => {
  app.get(
    '/healthz',
    { schema: { tags: ['operations'], summary: 'The process is up', response: { 200: Health, ...errorResponses } } },
    async () => ({ status: 'ok' as const, uptimeSeconds: Math.round(process.uptime()) }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        tags: ['operations'],
        summary: 'The server can serve requests (database, migrations, projections)',
        response: { 200: Readiness, 503: Readiness, ...errorResponses },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      try {
        await db.query('SELECT 1');
      } catch (error) {
        // The reason goes to the log only: this answer is public, and driver errors name hosts and users.
        request.log.warn({ err: error }, 'readiness: database unreachable');
        return reply.status(503).send({
          status: 'not_ready',
          checks: {
            database: { ok: false, driver: db.driver, latencyMs: performance.now() - started, error: 'unreachable' },
            migrations: { ok: false, applied: 0, pending: [] },
            projections: [],
          },
        });
      }
      const latencyMs = Math.round((performance.now() - started) * 1000) / 1000;
      let migrations: Awaited<ReturnType<typeof migrationStatus>>;
      try {
        migrations = await migrationStatus(db);
      } catch (error) {
        request.log.error({ err: error }, 'readiness: migrations do not match this version');
        return reply.status(503).send({
          status: 'not_ready',
          checks: { database: { ok: true, driver: db.driver, latencyMs: 0 }, migrations: { ok: false, applied: 0, pending: [] }, projections: [] },
        });
      }
      const statuses = migrations.pending.length === 0 ? await projectionStatuses(db, projectors) : [];
      const inlineReady = statuses.every((status) => status.kind === 'async' || status.state !== 'needs_rebuild');
      const ready = migrations.pending.length === 0 && inlineReady;
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        checks: {
          database: { ok: true, driver: db.driver, latencyMs },
          migrations: {
            ok: migrations.pending.length === 0,
            applied: migrations.applied.length,
            pending: migrations.pending.map((migration) => `${String(migration.version).padStart(4, '0')}_${migration.name}`),
          },
          projections: statuses.map(({ name, kind, state, lag, lastError }) => ({ name, kind, state, lag, lastError })),
        },
      });
    },
  );
};
