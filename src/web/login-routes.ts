import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AccountService } from '../accounts/account-service.js';
import type { AccountEraser } from '../accounts/erasure.js';
import type { GrantService } from '../accounts/oauth/grants.js';
import { sessionCookieOptions } from '../accounts/routes.js';
import { SESSION_COOKIE } from '../http/authentication.js';
import { FormToken } from './form-token.js';
import { TooManyAttemptsError } from '../accounts/throttle.js';
import { html, page, sendPage } from './html.js';

export interface WebOptions {
  accounts: AccountService;
  /** Only the account page erases accounts. */
  eraser?: AccountEraser;
  /** Only the account page lists authorized apps. */
  grants?: GrantService;
  secureCookies: boolean;
  /** Only the account page shows absolute URLs (personal feeds of a new play token). */
  baseUrl?: string;
}


/**
 * Where to go after logging in: only a path on this site. The value is resolved the way a
 * browser would (which ignores tabs and newlines, and reads `\` as `/`), then re-serialized
 * (percent-encoded), so neither `//host` nor `/\thost` nor a non-ASCII path gets through.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || !next.startsWith('/')) return '/account';
  try {
    const base = 'http://balados.invalid';
    const url = new URL(next, base);
    return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : '/account';
  } catch {
    return '/account';
  }
}

function loginForm(next: string, token: string, error?: string): string {
  return page(
    { title: 'Log in' },
    html`${error ? html`<p class="error">${error}</p>` : ''}
    <form method="post" action="/login">
      <input type="hidden" name="_csrf" value="${token}"><input type="hidden" name="next" value="${next}">
      <label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" required autofocus>
      <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
      <button type="submit">Log in</button>
    </form>`,
  );
}

const Query = Type.Object({ next: Type.Optional(Type.String({ maxLength: 16000 })) });

export const loginRoutes: FastifyPluginAsyncTypebox<WebOptions> = async (app, { accounts, secureCookies }) => {
  const formToken = new FormToken('/login', secureCookies);

  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const user = request.principal?.via === 'session' && request.session ? { username: request.principal.username, csrfToken: request.session.csrfToken } : null;
    return sendPage(
      reply,
      200,
      page(
        { title: 'Podcast sync', user },
        html`<p>This is a Balados Sync instance: it keeps your podcast subscriptions, listening positions, playlists and collections in sync across your apps and devices.</p>
        <ul>
          <li>${user ? html`<a href="/account">Your account</a>: app passwords and tokens` : html`<a href="/login">Log in</a> or <a href="/register">create an account</a>`}</li>
          <li><a href="/api/docs">API documentation</a> for app developers</li>
        </ul>`,
      ),
    );
  });

  app.get('/login', { schema: { hide: true, querystring: Query } }, async (request, reply) => {
    const next = safeNext(request.query.next);
    if (request.principal?.via === 'session') return reply.redirect(next, 303);
    return sendPage(reply, 200, loginForm(next, formToken.issue(reply)));
  });

  app.post(
    '/login',
    {
      schema: {
        hide: true,
        body: Type.Object({
          username: Type.String({ maxLength: 200 }),
          password: Type.String({ maxLength: 2000 }),
          next: Type.Optional(Type.String({ maxLength: 16000 })),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const next = safeNext(request.body.next);
      const { valid, fresh } = formToken.check(request, reply, request.body._csrf);
      if (!valid) {
        return sendPage(reply, 403, loginForm(next, fresh, 'Your login form expired. Please try again.'));
      }
      let principal;
      try {
        principal = await accounts.authenticatePassword(request.body.username, request.body.password, { address: request.ip });
      } catch (error) {
        if (!(error instanceof TooManyAttemptsError)) throw error;
        reply.header('retry-after', String(error.retryAfterSeconds));
        return sendPage(reply, 429, loginForm(next, fresh, `Too many attempts. Try again in ${Math.ceil(error.retryAfterSeconds / 60)} min.`));
      }
      if (!principal || principal.via !== 'password') {
        return sendPage(reply, 401, loginForm(next, fresh, 'Wrong username or password.'));
      }
      const session = await accounts.sessions.create(principal.userId, request.headers['user-agent']);
      reply.setCookie(SESSION_COOKIE, session.secret, sessionCookieOptions(secureCookies, session.expiresAt));
      formToken.clear(reply);
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', { schema: { hide: true } }, async (request, reply) => {
    // The global CSRF check has already run for this cookie-authenticated POST.
    if (request.session) await accounts.sessions.destroy(request.session.secret);
    reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookies));
    return reply.redirect('/login', 303);
  });
};
