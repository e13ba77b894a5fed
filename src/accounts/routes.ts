import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { principalOf, SESSION_COOKIE } from '../http/authentication.js';
import { HttpError } from '../http/errors.js';
import { throttleAddress } from '../http/request-limits.js';
import { errorResponses } from '../http/openapi.js';
import { Readable } from 'node:stream';
import { MAX_LABEL_LENGTH, type AccountService } from './account-service.js';
import type { DeviceService } from './devices/device-service.js';
import type { AccountEraser } from './erasure.js';
import { exportAccount } from './export.js';
import { personalFeedPath } from '../feeds/personal/paths.js';
import { MAX_PASSWORD_LENGTH } from './password.js';
import { SCOPES } from './scopes.js';
import { listPlayTokens } from './play-tokens.js';

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
const PlayToken = Type.Object({ id: Type.String(), label: Type.String(), createdAt: Type.String({ format: 'date-time' }) }, { $id: 'PlayToken' });

const PASSWORD_ONLY = { via: ['password', 'session'] as const };

export interface AccountRoutesOptions {
  accounts: AccountService;
  devices: DeviceService;
  eraser: AccountEraser;
  /** Mark cookies Secure (the instance is served over HTTPS). */
  secureCookies: boolean;
}

export function sessionCookieOptions(secure: boolean, expires?: Date) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure, ...(expires ? { expires } : {}) };
}

export const accountRoutes: FastifyPluginAsyncTypebox<AccountRoutesOptions> = async (app, { accounts, devices, eraser, secureCookies }) => {
  app.get(
    '/api/v1/me/export',
    {
      config: { auth: { scope: '*.read' } },
      schema: {
        tags: ['accounts'],
        summary: 'Download everything the account recorded: a summary of its state and all its events (JSON)',
       
        produces: ['application/json'],
        response: { 200: Type.Object({}, { additionalProperties: true, description: 'format, version, exportedAt, account, devices, credentials, events' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { userId, username } = principalOf(request);
      const date = new Date().toISOString().slice(0, 10);
      return reply
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="balados-${username.replace(/[^\w.-]/g, '_')}-${date}.json"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(exportAccount(accounts.db, accounts, devices, userId)));
    },
  );

  app.delete(
    '/api/v1/me',
    {
      config: { auth: PASSWORD_ONLY },
      schema: {
        tags: ['accounts'],
        summary: 'Erase the account: its events, its read models, its sessions and credentials (cannot be undone)',
       
        body: Type.Object({ password: Password }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { userId } = principalOf(request);
      await accounts.confirmPassword(userId, request.body.password);
      await eraser.erase(userId);
      accounts.principals.forgetUser(userId);
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookies));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/sessions',
    {
      schema: {
        tags: ['accounts'],
        summary: 'Log in: sets an HTTP-only session cookie; later changes must send the returned CSRF token as X-CSRF-Token',
        body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Password }, { additionalProperties: false }),
        response: { 201: Type.Object({ username: Type.String(), csrfToken: Type.String(), expiresAt: Type.String({ format: 'date-time' }) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = await accounts.authenticatePassword(request.body.username, request.body.password, { address: request.ip });
      if (!principal || principal.via !== 'password') throw new HttpError(401, 'invalid_credentials', 'Wrong username or password');
      const session = await accounts.sessions.create(principal.userId, request.headers['user-agent']);
      reply.setCookie(SESSION_COOKIE, session.secret, sessionCookieOptions(secureCookies, session.expiresAt));
      return reply.status(201).header('cache-control', 'no-store').send({ username: principal.username, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
    },
  );

  app.delete(
    '/api/v1/sessions/current',
    {
      config: { auth: { via: ['session'] } },
      schema: { tags: ['accounts'], summary: 'Log out (ends this web session)', response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      if (request.session) await accounts.sessions.destroy(request.session.secret);
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookies));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/accounts',
    {
      preHandler: throttleAddress(accounts.throttle, 'register', accounts.throttle.rules.tokenPerAddress),
      schema: {
        tags: ['accounts'],
        summary: 'Create an account (the first account of an instance becomes its administrator)',
        body: Type.Object(
          { username: Username, password: Password, inviteCode: Type.Optional(Type.String({ maxLength: 100, description: 'Needed when the instance registers by invitation.' })) },
          { additionalProperties: false },
        ),
        response: { 201: AccountBody, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { username, password, inviteCode } = request.body;
      const account = await accounts.register(username, password, inviteCode ? { inviteCode } : {});
      return reply.status(201).send({ userId: account.userId, username: account.username, admin: account.admin });
    },
  );

  app.post(
    '/api/v1/invites',
    {
      config: { auth: { ...PASSWORD_ONLY, admin: true } },
      schema: {
        tags: ['accounts'],
        summary: 'Create a single-use invitation code, valid 7 days (administrators)',
        response: { 201: Type.Object({ id: Type.String(), code: Type.String({ description: 'Shown once.' }), expiresAt: Type.String({ format: 'date-time' }) }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const invite = await accounts.invites.create(principalOf(request).userId);
      return reply.status(201).header('cache-control', 'no-store').send({ id: invite.id, code: invite.code, expiresAt: invite.expiresAt.toISOString() });
    },
  );

  app.get(
    '/api/v1/me',
    {
      config: { auth: {} },
      schema: { tags: ['accounts'], summary: 'The authenticated account', response: { 200: Me, ...errorResponses } },
    },
    async (request) => {
      const principal = principalOf(request);
      return { userId: principal.userId, username: principal.username, admin: principal.admin, authenticatedWith: principal.via, scopes: [...principal.scopes] };
    },
  );

  app.put(
    '/api/v1/me/password',
    {
      config: { auth: PASSWORD_ONLY },
      schema: {
        tags: ['accounts'],
        summary: 'Change the account password',
       
        body: Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await accounts.changePassword(principalOf(request).userId, request.body.currentPassword, request.body.newPassword, request.session?.secret);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me/credentials',
    {
      config: { auth: PASSWORD_ONLY },
      schema: { tags: ['accounts'], summary: 'App passwords and personal access tokens of the account', response: { 200: Type.Array(Credential), ...errorResponses } },
    },
    async (request) => {
      const list = await accounts.listCredentials(principalOf(request).userId);
      return list.map((c) => ({ ...c, createdAt: c.createdAt.toISOString(), expiresAt: c.expiresAt?.toISOString() ?? null }));
    },
  );

  app.post(
    '/api/v1/me/app-passwords',
    {
      config: { auth: PASSWORD_ONLY },
      preHandler: throttleAddress(accounts.throttle, 'credentials', accounts.throttle.rules.tokenPerAddress),
      schema: {
        tags: ['accounts'],
        summary: 'Create an app password, for a podcast app that signs in with a username and password',
       
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
      config: { auth: PASSWORD_ONLY },
      preHandler: throttleAddress(accounts.throttle, 'credentials', accounts.throttle.rules.tokenPerAddress),
      schema: {
        tags: ['accounts'],
        summary: 'Create a personal access token with the given scopes',
       
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
      config: { auth: PASSWORD_ONLY },
      schema: { tags: ['accounts'], summary: 'Revoke an app password or token', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      await accounts.revokeCredential(principalOf(request).userId, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me/play-tokens',
    {
      config: { auth: PASSWORD_ONLY },
      schema: { tags: ['accounts'], summary: 'Play tokens of the account (personal feed and play-gateway URLs)', response: { 200: Type.Array(PlayToken), ...errorResponses } },
    },
    async (request) => (await listPlayTokens(accounts.db, principalOf(request).userId)).map((t) => ({ ...t, createdAt: t.createdAt.toISOString() })),
  );

  app.post(
    '/api/v1/me/play-tokens',
    {
      config: { auth: PASSWORD_ONLY },
      preHandler: throttleAddress(accounts.throttle, 'credentials', accounts.throttle.rules.tokenPerAddress),
      schema: {
        tags: ['accounts'],
        summary: 'Create a play token: it opens the personal feeds /rss/{token}/… and the play gateway, nothing else',
        body: Type.Object({ label: Label }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            id: Type.String(),
            secret: Type.String({ description: 'Shown once: only its hash is kept.' }),
            subscriptionsFeedPath: Type.String({ description: 'The personal feed of all subscriptions, relative to the instance' }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const created = await accounts.createPlayToken(principalOf(request).userId, request.body.label);
      return reply.status(201).header('cache-control', 'no-store').send({ ...created, subscriptionsFeedPath: personalFeedPath(created.secret, 'subscriptions') });
    },
  );

  app.delete(
    '/api/v1/me/play-tokens/:id',
    {
      config: { auth: PASSWORD_ONLY },
      schema: { tags: ['accounts'], summary: 'Revoke a play token: its feed and gateway URLs answer 404 at once', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
    },
    async (request, reply) => {
      const { userId } = principalOf(request);
      // This route revokes play tokens only: another credential's id is not found here.
      if (!(await listPlayTokens(accounts.db, userId)).some((t) => t.id === request.params.id)) {
        throw new HttpError(404, 'credential_not_found', 'No such play token');
      }
      await accounts.revokeCredential(userId, request.params.id);
      return reply.status(204).send(null);
    },
  );
};
