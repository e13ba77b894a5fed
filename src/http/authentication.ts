import { timingSafeEqual } from 'node:crypto';
import fastifyPlugin from 'fastify-plugin';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { AccountService } from '../accounts/account-service.js';
import type { CredentialKind, Principal } from '../accounts/principal.js';
import { authenticateAccessToken } from '../accounts/oauth/tokens.js';
import { SCOPES, scopeAllows, type Scope } from '../accounts/scopes.js';
import { secretKind } from '../accounts/secrets.js';
import type { Sql } from '../store/sql.js';
import { eventContext } from '../store/event-context.js';
import { DEVICE_ID_PATTERN } from '../accounts/devices/device-decider.js';
import { HttpError } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Declares that the route needs an account (and which rights): the check runs on request,
     * and the OpenAPI document lists the matching security requirement. One declaration, so
     * the two cannot drift apart.
     */
    auth?: AuthRequirement;
    /**
     * The route authenticates by its body (OAuth token endpoints): credentials in headers or
     * cookies are not looked at, so an app's `Authorization: Basic client_id:` is not taken for a
     * failed login, and a browser's session does not bring in the CSRF check.
     */
    ignoreCredentials?: boolean;
  }
  interface FastifyRequest {
    /** Who the request acts for; null when it carries no (valid) credentials. */
    principal: Principal | null;
    /** Set when credentials were presented but refused. */
    credentialsRefused: boolean;
    /** The web session the request came with, if any. */
    session: { secret: string; csrfToken: string } | null;
  }
}

export const SESSION_COOKIE = 'balados_session';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type SecurityRequirement = { [scheme: string]: string[] };

export const securitySchemes = {
  basicAuth: { type: 'http', scheme: 'basic', description: 'Username with the account password, or with an app password (`bap_…`).' },
  sessionCookie: {
    type: 'apiKey',
    in: 'cookie',
    name: 'balados_session',
    description: 'Web session (`POST /api/v1/sessions`); changes also need the `X-CSRF-Token` header.',
  },
  bearerAuth: { type: 'http', scheme: 'bearer', description: 'A personal access token (`bpt_…`), an OAuth access token (`bat_…`) or an app password, limited to its scopes.' },
  oauth2: {
    type: 'oauth2',
    description: 'Apps: authorization code with PKCE (S256).',
    flows: {
      authorizationCode: {
        authorizationUrl: '/oauth/authorize',
        tokenUrl: '/oauth/token',
        refreshUrl: '/oauth/token',
        scopes: Object.fromEntries(SCOPES.map((scope) => [scope, scope])),
      },
    },
  },
} as const;

function parseBasic(header: string): { username: string; password: string } | undefined {
  let decoded: string;
  try {
    decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

async function resolve(accounts: AccountService, db: Sql, request: FastifyRequest): Promise<Principal | null | 'refused'> {
  const header = request.headers.authorization;
  if (!header) {
    const secret = request.cookies[SESSION_COOKIE];
    if (!secret) return null;
    const session = await accounts.sessions.resolve(secret);
    // A stale cookie is not an error: the browser is simply logged out.
    if (!session) return null;
    request.session = { secret, csrfToken: session.csrfToken };
    return session.principal;
  }
  if (/^basic /i.test(header)) {
    const credentials = parseBasic(header);
    if (!credentials) return 'refused';
    return (await accounts.authenticatePassword(credentials.username, credentials.password, { address: request.ip })) ?? 'refused';
  }
  if (/^bearer /i.test(header)) {
    const secret = header.slice(7).trim();
    const principal = secretKind(secret) === 'access_token' ? await authenticateAccessToken(db, secret) : await accounts.authenticateSecret(secret);
    return principal ?? 'refused';
  }
  return 'refused';
}

/** Resolves every request's credentials once, before its handler (not encapsulated). */
export const authentication = fastifyPlugin<{ accounts: AccountService; db: Sql }>(
  async (app, { accounts, db }) => {
    app.addHook('onRoute', (route) => {
      const requirement = route.config?.auth;
      if (!requirement) return;
      const existing = route.onRequest ? ([] as unknown[]).concat(route.onRequest) : [];
      route.onRequest = [requireAuth(requirement), ...existing] as typeof route.onRequest;
      route.schema = { ...route.schema, security: securityFor(requirement) };
    });
    // Apps present credentials with every request: who they stand for is remembered while this
    // process hears every account change (revocations included) from every process.
    app.addHook('onReady', async () => accounts.watchCredentials());
    app.addHook('onClose', async () => accounts.stopWatchingCredentials());
    app.decorateRequest('principal', null);
    app.decorateRequest('credentialsRefused', false);
    app.decorateRequest('session', null);
    app.addHook('onRequest', async (request) => {
      if (request.routeOptions.config?.ignoreCredentials) return;
      const outcome = await resolve(accounts, db, request);
      if (outcome === 'refused') request.credentialsRefused = true;
      else request.principal = outcome;
      const context = eventContext();
      if (context && request.principal) {
        // The device an app password was made for, else the one a client names in X-Device-Id.
        const named = request.headers['x-device-id'];
        const deviceId = request.principal.deviceId ?? (typeof named === 'string' && DEVICE_ID_PATTERN.test(named) ? named : undefined);
        if (deviceId) context.deviceId = deviceId;
      }
    });
    // After the body is parsed (forms carry their token in it), before any route handler.
    app.addHook('preHandler', async (request) => {
      if (request.principal?.via === 'session' && UNSAFE_METHODS.has(request.method)) checkCsrf(request);
    });
  },
  { name: 'balados-authentication' },
) as FastifyPluginAsync<{ accounts: AccountService; db: Sql }>;

/**
 * Cookie-authenticated changes must prove they come from our own pages: the session's token,
 * in the `X-CSRF-Token` header (scripts) or the `_csrf` form field (HTML forms).
 */
function checkCsrf(request: FastifyRequest): void {
  const expected = request.session?.csrfToken ?? '';
  const header = request.headers['x-csrf-token'];
  const field = (request.body as { _csrf?: unknown } | undefined)?._csrf;
  const presented = typeof header === 'string' ? header : typeof field === 'string' ? field : '';
  if (!expected || !safeEqual(presented, expected)) {
    throw new HttpError(403, 'csrf_failed', 'This change must come from a Balados Sync page (missing or wrong CSRF token)');
  }
}

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function challenge(request: FastifyRequest, reply: FastifyReply): void {
  // Browsers pop up a password dialog on a Basic challenge: not for our own web pages' scripts.
  if (request.headers['x-requested-with'] !== 'XMLHttpRequest') reply.header('www-authenticate', 'Basic realm="Balados Sync", charset="UTF-8"');
}

/** The OpenAPI security requirement of a route's `config.auth` (the authorization matrix test reads it). */
export function securityFor(requirement: AuthRequirement): SecurityRequirement[] {
  const interactive: SecurityRequirement[] = [{ basicAuth: [] }, { sessionCookie: [] }];
  if (requirement.via && !requirement.via.some((via) => via === 'app_password' || via === 'personal_token')) {
    return requirement.via.includes('password') ? interactive : [{ sessionCookie: [] }];
  }
  return [...interactive, { bearerAuth: [] }, { oauth2: requirement.scope ? [requirement.scope] : [] }];
}

export interface AuthRequirement {
  /** The scope a token must grant (the account's own password grants all). */
  scope?: Scope;
  /** Only these kinds of credentials (e.g. managing credentials needs the password). */
  via?: readonly CredentialKind[];
  /** Only an administrator of the instance. */
  admin?: boolean;
}

/**
 * Hook that answers 401 without valid credentials and 403 without the rights. It runs on
 * request, before the body is even parsed: strangers get nothing, not even validation errors.
 */
export function requireAuth(requirement: AuthRequirement = {}): onRequestAsyncHookHandler {
  return async function checkAuth(request, reply) {
    const principal = request.principal;
    if (!principal) {
      challenge(request, reply);
      throw request.credentialsRefused
        ? new HttpError(401, 'invalid_credentials', 'The credentials are not valid')
        : new HttpError(401, 'authentication_required', 'This needs an account: send HTTP Basic credentials or a bearer token');
    }
    if (requirement.scope && !scopeAllows(principal.scopes, requirement.scope)) {
      throw new HttpError(403, 'insufficient_scope', `This token lacks the scope ${requirement.scope}`);
    }
    if (requirement.via && !requirement.via.includes(principal.via)) {
      throw new HttpError(403, 'password_required', 'This needs the account password, not an app password or token');
    }
    if (requirement.admin && !principal.admin) {
      throw new HttpError(403, 'admin_required', 'Only an administrator of this instance may do this');
    }
  };
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new HttpError(401, 'authentication_required', 'This needs an account');
  return request.principal;
}
