import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf, requireAuth, SECURED } from '../http/authentication.js';
import { errorResponses } from '../http/openapi.js';
import { MAX_LABEL_LENGTH, type AccountService } from './account-service.js';
import { MAX_PASSWORD_LENGTH } from './password.js';
import { SCOPES } from './scopes.js';

const Username = Type.String({ minLength: 2, maxLength: 64, description: 'Letters, digits, ".", "_", "-" or "@"; unique whatever the case.' });
const Password = Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH });
const Label = Type.String({ minLength: 1, maxLength: MAX_LABEL_LENGTH });

const AccountBody = Type.Object({ userId: Type.String(), username: Type.String(), admin: Type.Boolean() }, { $id: 'Account' });
const Me = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  admin: Type.Boolean(),
  authenticatedWith: Type.String({ description: 'password, app_password, personal_token or session' }),
  scopes: Type.Array(Type.String()),
});
const Credential = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal('app_password'), Type.Literal('personal_token')]),
    label: Type.String(),
    deviceId: Type.Union([Type.String(), Type.Null()]),
    scopes: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Credential' },
);
const CreatedSecret = Type.Object({
  id: Type.String(),
  secret: Type.String({ description: 'Shown once: only its hash is kept.' }),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const PASSWORD_ONLY = { via: ['password', 'session'] as const };

export const accountRoutes: FastifyPluginAsyncTypebox<{ accounts: AccountService }> = async (app, { accounts }) => {
  app.post(
    '/api/v1/accounts',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Create an account (the first account of an instance becomes its administrator)',
        body: Type.Object({ username: Username, password: Password }, { additionalProperties: false }),
        response: { 201: AccountBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const account = await accounts.register(request.body.username, request.body.password);
      return reply.status(201).send({ userId: account.userId, username: account.username, admin: account.admin });
    },
  );

  app.get(
    '/api/v1/me',
    {
      preHandler: requireAuth(),
      schema: { tags: ['accounts'], summary: 'The authenticated account', security: SECURED, response: { 200: Me, ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      return { userId: principal.userId, username: principal.username, admin: principal.admin, authenticatedWith: principal.via, scopes: [...principal.scopes] };
    },
  );

  app.put(
    '/api/v1/me/password',
    {
      preHandler: requireAuth(PASSWORD_ONLY),
      schema: {
        tags: ['accounts'],
        summary: 'Change the account password',
        security: SECURED,
        body: Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await accounts.changePassword(principalOf(request).userId, request.body.currentPassword, request.body.newPassword);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me/credentials',
    {
      preHandler: requireAuth(PASSWORD_ONLY),
      schema: { tags: ['accounts'], summary: 'App passwords and personal access tokens of the account', security: SECURED, response: { 200: Type.Array(Credential), ...errorResponses } },
    },
    async (request) => {
      const list = await accounts.listCredentials(principalOf(request).userId);
      return list.map((c) => ({ ...c, createdAt: c.createdAt.toISOString(), expiresAt: c.expiresAt?.toISOString() ?? null }));
    },
  );

  app.post(
    '/api/v1/me/app-passwords',
    {
      preHandler: requireAuth(PASSWORD_ONLY),
      schema: {
        tags: ['accounts'],
        summary: 'Create an app password, for a podcast app that signs in with a username and password',
        security: SECURED,
        body: Type.Object({ label: Label, deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }, { additionalProperties: false }),
        response: { 201: CreatedSecret, ...errorResponses },
      },
    },
    async (request, reply) => {
      const created = await accounts.createAppPassword(principalOf(request).userId, request.body.label, request.body.deviceId ?? null);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.post(
    '/api/v1/me/tokens',
    {
      preHandler: requireAuth(PASSWORD_ONLY),
      schema: {
        tags: ['accounts'],
        summary: 'Create a personal access token with the given scopes',
        security: SECURED,
        body: Type.Object(
          {
            label: Label,
            scopes: Type.Array(Type.Union(SCOPES.map((scope) => Type.Literal(scope))), { minItems: 1, maxItems: SCOPES.length }),
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          },
          { additionalProperties: false },
        ),
        response: { 201: CreatedSecret, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { label, scopes, expiresInDays } = request.body;
      const expiresAt = expiresInDays ? new Date(Date.now() + expiresInDays * 86_400_000) : null;
      const created = await accounts.createPersonalToken(principalOf(request).userId, label, scopes, expiresAt);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.delete(
    '/api/v1/me/credentials/:id',
    {
      preHandler: requireAuth(PASSWORD_ONLY),
      schema: { tags: ['accounts'], summary: 'Revoke an app password or token', security: SECURED, params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await accounts.revokeCredential(principalOf(request).userId, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
