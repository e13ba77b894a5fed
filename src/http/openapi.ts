import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorResponse } from './errors.js';
import { securitySchemes } from './authentication.js';

/** Reference to the shared error schema, for route `response` maps. */
export const ErrorRef = Type.Ref(ErrorResponse);

/** The error answers every route may give; spread into a route's `response`. */
export const errorResponses = { '4xx': ErrorRef, '5xx': ErrorRef } as const;

export interface OpenApiInfo {
  version: string;
  baseUrl: string;
}

/**
 * The OpenAPI 3.1 document is generated from the routes' TypeBox schemas, so it cannot drift
 * from what the server validates. Register before any route.
 */
export async function registerOpenApi(app: FastifyInstance, info: OpenApiInfo): Promise<void> {
  app.addSchema(ErrorResponse);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Balados Sync API',
        version: info.version,
        description:
          'Podcast synchronization: subscriptions, listening positions, playlists and collections kept in sync across apps and devices. ' +
          'Every error answer has the shape `{ "error": { "code", "message" } }`.',
        license: { name: 'AGPL-3.0-or-later', identifier: 'AGPL-3.0-or-later' },
      },
      servers: [{ url: info.baseUrl }],
      components: { securitySchemes },
      tags: [
        { name: 'operations', description: 'Health, readiness and documentation' },
        { name: 'accounts', description: 'Accounts, app passwords and tokens' },
        { name: 'devices', description: "A user's devices (phones, computers...) as their apps name them" },
        { name: 'oauth', description: 'OAuth 2.0 authorization code flow with PKCE, for podcast apps' },
      ],
    },
    refResolver: {
      // Components keep the schema's own name instead of def-0, def-1...
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    uiConfig: { docExpansion: 'list', deepLinking: true },
    staticCSP: true,
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
