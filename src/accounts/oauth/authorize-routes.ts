import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/decider.js';
import { checkAuthorization, type AuthorizationParams } from './authorization-request.js';
import type { AuthorizationServer } from './authorization-server.js';
import { consentPage, errorPage, errorReturnPage } from './consent-page.js';
import { sendHtml } from './html.js';
import { formActionSource, withParameters } from './redirect-uris.js';

/**
 * The browser side of the flow (RFC 6749 §4.1.1–4.1.2): the consent page and its answer.
 * Parameters are checked in the handler rather than by the schema, so that a bad request is
 * answered the OAuth way (error page or redirect with `error=`), not with a JSON error.
 */
const Param = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));

const authorizationFields = {
  response_type: Param(20, 'Must be `code`.'),
  client_id: Param(500, 'A registered client id, or the https URL of the app (no registration).'),
  redirect_uri: Param(2000, 'One of the registered redirect URIs (loopback: any port); for a URL client id, a URL of the same origin.'),
  scope: Param(1000, 'Space-separated scopes; required.'),
  state: Param(1000, 'Returned unchanged to the app.'),
  code_challenge: Param(128, 'BASE64URL(SHA-256(code_verifier)), 43 characters.'),
  code_challenge_method: Param(10, 'Must be `S256` (`plain` is refused).'),
};

const AuthorizeQuery = Type.Object(authorizationFields);
const AuthorizeForm = Type.Object({
  ...authorizationFields,
  decision: Param(20, '`approve` or `deny`.'),
  _csrf: Param(200, "The session's CSRF token."),
});

const HtmlPage = { description: 'An HTML page (consent or error)', content: { 'text/html': { schema: Type.String() } } };
const Redirect = Type.Null({ description: 'To the app (`code` or `error`, with `state` and `iss`), or to the login page' });

export interface AuthorizeRouteOptions {
  server: AuthorizationServer;
  /** The issuer identifier sent as `iss` (RFC 9207): the instance's base URL. */
  issuer: string;
}

function queryOf(params: AuthorizationParams): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (typeof value === 'string' && value !== '') query.append(name, value);
  return query.toString();
}

/** To the login page, then back to this authorization request (`query`: its query string). */
function loginRedirect(reply: FastifyReply, query: string): FastifyReply {
  return reply.redirect(`/login?next=${encodeURIComponent(`/oauth/authorize?${query}`)}`, 303);
}

function rawQuery(request: FastifyRequest): string {
  const start = request.url.indexOf('?');
  return start < 0 ? '' : request.url.slice(start + 1);
}

function browserSession(request: FastifyRequest): { userId: string; username: string; csrfToken: string } | undefined {
  const principal = request.principal;
  // Only a web session: a browser replays cached HTTP Basic credentials on forged requests.
  if (principal?.via !== 'session' || !request.session) return undefined;
  return { userId: principal.userId, username: principal.username, csrfToken: request.session.csrfToken };
}

export const authorizeRoutes: FastifyPluginAsyncTypebox<AuthorizeRouteOptions> = async (app, { server, issuer }) => {
  const malformed = 'The authorization request is malformed: a parameter is repeated or too long.';

  /** Checks the request; answers the errors itself and returns undefined then. */
  async function check(reply: FastifyReply, params: AuthorizationParams) {
    const client = params.client_id ? await server.clients.find(params.client_id) : undefined;
    const checked = checkAuthorization(params, client);
    if (checked.outcome === 'show_error') {
      sendHtml(reply, 400, errorPage(checked.message));
      return undefined;
    }
    if (checked.outcome === 'redirect_error') {
      const { redirectUri, state, error, description } = checked;
      sendHtml(reply, 400, errorReturnPage(description, withParameters(redirectUri, { error, error_description: description, state, iss: issuer })));
      return undefined;
    }
    return checked.request;
  }

  app.get(
    '/oauth/authorize',
    {
      attachValidation: true,
      schema: {
        tags: ['oauth'],
        summary: 'Authorization endpoint: asks the logged-in user to let an app use the account (authorization code flow with PKCE)',
        description:
          'Without a web session, redirects to `/login` and back. Problems with `client_id` or `redirect_uri` are shown on an error page; ' +
          'the others are sent to the redirect URI as `error=` (RFC 6749 §4.1.2.1).',
        querystring: AuthorizeQuery,
        response: { 200: HtmlPage, 303: Redirect, 400: HtmlPage },
      },
    },
    async (request, reply) => {
      if (request.validationError) return sendHtml(reply, 400, errorPage(malformed));
      const authorization = await check(reply, request.query);
      if (!authorization) return reply;
      const user = browserSession(request);
      if (!user) return loginRedirect(reply, rawQuery(request));
      const target = formActionSource(authorization.redirectUri);
      return sendHtml(reply, 200, consentPage(authorization, user), ["'self'", ...(target ? [target] : [])]);
    },
  );

  app.post(
    '/oauth/authorize',
    {
      attachValidation: true,
      schema: {
        tags: ['oauth'],
        summary: "The consent page's answer: approve (redirects with a code) or deny (redirects with error=access_denied)",
        consumes: ['application/x-www-form-urlencoded'],
        body: AuthorizeForm,
        response: { 303: Redirect, 400: HtmlPage, 409: HtmlPage },
      },
    },
    async (request, reply) => {
      if (request.validationError) return sendHtml(reply, 400, errorPage(malformed));
      const { decision, _csrf: _ignored, ...params } = request.body;
      const user = browserSession(request);
      // The session ended meanwhile: log in again, then see the consent page again.
      if (!user) return loginRedirect(reply, queryOf(params));
      const authorization = await check(reply, params);
      if (!authorization) return reply;
      const back = (parameters: Record<string, string | undefined>) =>
        reply.redirect(withParameters(authorization.redirectUri, { ...parameters, state: authorization.state, iss: issuer }), 303);
      if (decision !== 'approve') return back({ error: 'access_denied', error_description: 'The user denied the request' });
      try {
        return back({ code: await server.approve(user.userId, authorization) });
      } catch (error) {
        if (error instanceof DomainError) return sendHtml(reply, error.status === 400 ? 400 : 409, errorPage(error.message));
        throw error;
      }
    },
  );
};
