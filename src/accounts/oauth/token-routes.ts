import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { SCOPES } from '../scopes.js';
import type { AuthorizationServer } from './authorization-server.js';
import { OAuthError } from './oauth-error.js';

/**
 * The app side of the flow: token (RFC 6749 §4.1.3, §6), revocation (RFC 7009) and server
 * metadata (RFC 8414). Public clients only: no client secret. Errors use the RFC 6749 §5.2
 * shape, which OAuth libraries expect, instead of the API's usual one.
 */
const Field = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));

const TokenBody = Type.Object({
  grant_type: Field(50, '`authorization_code` or `refresh_token`.'),
  code: Field(200, 'authorization_code: the code from the redirect.'),
  redirect_uri: Field(2000, 'authorization_code: the redirect URI of the authorization request.'),
  client_id: Field(500, 'The client id (required with authorization_code).'),
  code_verifier: Field(128, 'authorization_code: the PKCE verifier.'),
  refresh_token: Field(200, 'refresh_token: the refresh token (it is replaced by the one in the answer).'),
  scope: Field(1000, 'refresh_token: fewer scopes for the new access token (optional).'),
});

const RevokeBody = Type.Object({
  token: Field(200, 'An access or refresh token.'),
  token_type_hint: Field(50, '`access_token` or `refresh_token` (optional; the token tells itself).'),
  client_id: Field(500, 'Accepted and ignored: the token itself is the proof.'),
});

const TokenAnswer = Type.Object(
  {
    access_token: Type.String({ description: '`bat_…`, valid for `expires_in` seconds.' }),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
    refresh_token: Type.String({ description: '`brt_…`, single use: each refresh returns a new one. Presenting a used one revokes the authorization.' }),
    scope: Type.String(),
  },
  { $id: 'OAuthTokenResponse' },
);

const OAuthErrorBody = Type.Object(
  { error: Type.String({ description: 'RFC 6749 §5.2 error code.' }), error_description: Type.Optional(Type.String()) },
  { $id: 'OAuthErrorResponse', description: 'RFC 6749 §5.2 error (not the API’s usual error shape).' },
);

export interface TokenRouteOptions {
  server: AuthorizationServer;
  issuer: string;
}

function tokenEndpointHeaders(reply: FastifyReply): FastifyReply {
  // Browser-based apps call these endpoints from their own origin; no cookie is involved.
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').header('access-control-allow-origin', '*');
}

async function answerOAuthErrors(reply: FastifyReply, run: () => Promise<unknown>): Promise<FastifyReply> {
  try {
    return reply.status(200).send(await run());
  } catch (error) {
    if (error instanceof OAuthError) return reply.status(error.status).send(error.toJSON());
    throw error;
  }
}

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRouteOptions> = async (app, { server, issuer }) => {
  app.addSchema(TokenAnswer);
  app.addSchema(OAuthErrorBody);
  const errors = { 400: Type.Ref(OAuthErrorBody), 401: Type.Ref(OAuthErrorBody) };

  app.post(
    '/oauth/token',
    {
      attachValidation: true,
      config: { ignoreCredentials: true },
      schema: {
        tags: ['oauth'],
        summary: 'Token endpoint: exchange an authorization code (with its PKCE verifier) or a refresh token for tokens',
        description: 'Form-encoded (standard) or JSON. Answers are never cached. Errors: `{ "error", "error_description" }` (RFC 6749 §5.2).',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenBody,
        response: { 200: Type.Ref(TokenAnswer), ...errors },
      },
    },
    async (request, reply) =>
      answerOAuthErrors(tokenEndpointHeaders(reply), async () => {
        if (request.validationError || !request.body) throw new OAuthError('invalid_request', 'Malformed request: a parameter is missing, repeated or too long');
        const body = request.body;
        if (body.grant_type === 'authorization_code') return server.exchangeCode(body);
        if (body.grant_type === 'refresh_token') return server.refresh(body);
        if (!body.grant_type) throw new OAuthError('invalid_request', 'grant_type is missing');
        throw new OAuthError('unsupported_grant_type', 'Supported: authorization_code, refresh_token');
      }),
  );

  app.post(
    '/oauth/revoke',
    {
      attachValidation: true,
      config: { ignoreCredentials: true },
      schema: {
        tags: ['oauth'],
        summary: 'Revoke an access or refresh token (RFC 7009); a refresh token takes the tokens issued with it along',
        description: 'Answers 200 whether or not the token was known.',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: RevokeBody,
        response: { 200: Type.Object({}), ...errors },
      },
    },
    async (request, reply) =>
      answerOAuthErrors(tokenEndpointHeaders(reply), async () => {
        if (request.validationError || !request.body?.token) throw new OAuthError('invalid_request', 'token is missing');
        await server.revokeToken(request.body.token);
        return {};
      }),
  );

  for (const url of ['/oauth/token', '/oauth/revoke']) {
    app.options(url, { schema: { hide: true } }, async (_request, reply) =>
      reply
        .status(204)
        .header('access-control-allow-origin', '*')
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'content-type')
        .header('access-control-max-age', '86400')
        .send(),
    );
  }

  app.get(
    '/.well-known/oauth-authorization-server',
    {
      schema: {
        tags: ['oauth'],
        summary: 'Authorization server metadata (RFC 8414)',
        response: { 200: Type.Object({}, { additionalProperties: true }) },
      },
    },
    async (_request, reply) =>
      reply.header('access-control-allow-origin', '*').send({
        issuer,
        authorization_endpoint: `${issuer}/oauth/authorize`,
        token_endpoint: `${issuer}/oauth/token`,
        revocation_endpoint: `${issuer}/oauth/revoke`,
        scopes_supported: [...SCOPES],
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        revocation_endpoint_auth_methods_supported: ['none'],
        authorization_response_iss_parameter_supported: true,
      }),
  );
};
