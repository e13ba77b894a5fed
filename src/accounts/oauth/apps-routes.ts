import { throttleAddress } from '../../http/request-limits.js';
import type { Throttle } from '../throttle.js';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf } from '../../http/authentication.js';
import { errorResponses } from '../../http/openapi.js';
import type { AuthorizationServer } from './authorization-server.js';
import { MAX_CLIENT_NAME_LENGTH, MAX_REDIRECT_URIS } from './clients.js';
import { MAX_REDIRECT_URI_LENGTH } from './redirect-uris.js';

/** App registration and the user's list of authorized apps (the API's usual JSON and errors). */
const Client = Type.Object(
  {
    clientId: Type.String({ description: 'The `client_id` to use in authorization and token requests.' }),
    name: Type.String(),
    redirectUris: Type.Array(Type.String()),
  },
  { $id: 'OAuthClient' },
);

const AuthorizedApp = Type.Object(
  {
    id: Type.String({ description: 'The grant id (to revoke it).' }),
    appName: Type.String(),
    clientId: Type.String(),
    scopes: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Last use of an access token (to the minute).' }),
  },
  { $id: 'AuthorizedApp' },
);

const PASSWORD_ONLY = { via: ['password', 'session'] as const };

export const appsRoutes: FastifyPluginAsyncTypebox<{ server: AuthorizationServer; throttle: Throttle }> = async (app, { server, throttle }) => {
  app.post(
    '/api/v1/oauth/clients',
    {
      preHandler: throttleAddress(throttle, 'oauth-clients', throttle.rules.tokenPerAddress),
      schema: {
        tags: ['oauth'],
        summary: 'Register an app (public client: no secret); open to anyone',
        description:
          'Redirect URIs: https, http only on localhost or 127.0.0.1 (any port is then accepted, RFC 8252), or a private-use scheme ' +
          '(`de.danoeh.antennapod:/oauth`); no fragment. An app may instead use an https URL of its own as client_id, without registering.',
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: MAX_CLIENT_NAME_LENGTH }),
            redirectUris: Type.Array(Type.String({ minLength: 1, maxLength: MAX_REDIRECT_URI_LENGTH }), { minItems: 1, maxItems: MAX_REDIRECT_URIS }),
          },
          { additionalProperties: false },
        ),
        response: { 201: Client, ...errorResponses },
      },
    },
    async (request, reply) => {
      const client = await server.clients.register(request.body.name, request.body.redirectUris);
      return reply.status(201).send({ clientId: client.clientId, name: client.name, redirectUris: [...client.redirectUris] });
    },
  );

  app.get(
    '/api/v1/me/apps',
    {
      config: { auth: PASSWORD_ONLY },
      schema: { tags: ['oauth'], summary: 'Apps the account has authorized (OAuth grants)', response: { 200: Type.Array(AuthorizedApp), ...errorResponses } },
    },
    async (request) => {
      const apps = await server.grants.list(principalOf(request).userId);
      return apps.map((entry) => ({
        id: entry.grantId,
        appName: entry.appName,
        clientId: entry.clientId,
        scopes: entry.scopes,
        createdAt: entry.createdAt.toISOString(),
        lastUsedAt: entry.lastUsedAt?.toISOString() ?? null,
      }));
    },
  );

  app.delete(
    '/api/v1/me/apps/:grantId',
    {
      config: { auth: PASSWORD_ONLY },
      schema: {
        tags: ['oauth'],
        summary: "Revoke an app's authorization and every token it holds",
        params: Type.Object({ grantId: Type.String({ maxLength: 64 }) }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await server.grants.revoke(principalOf(request).userId, request.params.grantId, 'user');
      return reply.status(204).send(null);
    },
  );
};
