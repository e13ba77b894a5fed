import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import fastifyPlugin from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Projector } from '../projections/projector.js';
import { projectionStatuses } from '../projections/status.js';
import type { EventStore } from '../store/event-store.js';
import type { Database } from '../store/sql.js';

export interface MetricsDeps {
  db: Database;
  store: EventStore;
  projectors: readonly Projector[];
}

/**
 * Prometheus metrics at `/metrics`: process metrics, request durations by route, events
 * appended by this process, and projection lag (read from the database at scrape time, so
 * every process reports the same, cluster-wide value).
 */
const metrics: FastifyPluginAsyncTypebox<MetricsDeps> = async (app, { db, store, projectors }) => {
  // One registry per server instance: several servers in one process (tests) stay separate.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const durations = new Histogram({
    name: 'balados_http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const appended = new Counter({
    name: 'balados_events_appended_total',
    help: 'Events appended by this process, by type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'balados_projection_lag_events',
    help: 'Events not yet applied by each async projection (capped)',
    labelNames: ['projection'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const status of await projectionStatuses(db, projectors)) {
        if (status.kind === 'async') this.set({ projection: status.name }, status.lag);
      }
    },
  });
  const unsubscribe = store.onAppended((events) => {
    for (const event of events) appended.inc({ type: event.type });
  });
  app.addHook('onClose', async () => {
    unsubscribe();
  });

  app.addHook('onResponse', async (request, reply) => {
    // Unmatched routes are grouped, so that random URLs cannot grow the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    durations.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics (text exposition format)',
        produces: ['text/plain'],
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
};

// Not encapsulated: the timing hook must see every route of the server.
export const metricsRoutes = fastifyPlugin(metrics, { name: 'balados-metrics' });
