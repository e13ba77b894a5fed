import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { RegistrationMode } from '../accounts/account-service.js';
import { sessionCookieOptions } from '../accounts/routes.js';
import { DomainError } from '../domain/decider.js';
import { SESSION_COOKIE } from '../http/authentication.js';
import { throttleAddress } from '../http/request-limits.js';
import { FormToken } from './form-token.js';
import { html, page, sendPage } from './html.js';
import type { WebOptions } from './login-routes.js';

function registerForm(token: string, mode: RegistrationMode, values: { username?: string; invite?: string }, error?: string): string {
  return page(
    { title: 'Create an account' },
    html`${error ? html`<p class="error">${error}</p>` : ''}
    <form method="post" action="/register">
      <input type="hidden" name="_csrf" value="${token}">
      <label for="username">Username</label>
      <input type="text" id="username" name="username" value="${values.username ?? ''}" autocomplete="username" minlength="2" maxlength="64" pattern="[A-Za-z0-9][A-Za-z0-9._@\\-]{1,63}" required autofocus>
      <small>Letters, digits, ".", "_", "-" or "@".</small>
      <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="new-password" minlength="8" required>
      ${mode === 'invite' ? html`<label for="invite">Invitation code</label><input type="text" id="invite" name="inviteCode" value="${values.invite ?? ''}">` : ''}
      <button type="submit">Create account</button>
    </form>
    <p>Already have one? <a href="/login">Log in</a>.</p>`,
  );
}

/**
 * The sign-up page. It is shown whatever the instance's registration setting: a closed instance
 * still lets its very first account in, and otherwise explains why it refuses.
 */
export const registerPage: FastifyPluginAsyncTypebox<WebOptions & { registration: RegistrationMode }> = async (
  app,
  { accounts, secureCookies, registration },
) => {
  const formToken = new FormToken('/register', secureCookies);

  app.get('/register', { schema: { hide: true, querystring: Type.Object({ invite: Type.Optional(Type.String({ maxLength: 100 })) }) } }, async (request, reply) => {
    if (request.principal?.via === 'session') return reply.redirect('/account', 303);
    return sendPage(reply, 200, registerForm(formToken.issue(reply), registration, { ...(request.query.invite ? { invite: request.query.invite } : {}) }));
  });

  app.post(
    '/register',
    {
      preHandler: throttleAddress(accounts.throttle, 'register', accounts.throttle.rules.tokenPerAddress),
      schema: {
        hide: true,
        body: Type.Object({
          username: Type.String({ maxLength: 200 }),
          password: Type.String({ maxLength: 2000 }),
          inviteCode: Type.Optional(Type.String({ maxLength: 200 })),
          _csrf: Type.Optional(Type.String({ maxLength: 200 })),
        }),
      },
    },
    async (request, reply) => {
      const { username, password, inviteCode } = request.body;
      const { valid, fresh } = formToken.check(request, reply, request.body._csrf);
      const values = { username, ...(inviteCode ? { invite: inviteCode } : {}) };
      if (!valid) return sendPage(reply, 403, registerForm(fresh, registration, values, 'The form expired. Please try again.'));
      let userId: string;
      try {
        userId = (await accounts.register(username, password, inviteCode ? { inviteCode } : {})).userId;
      } catch (error) {
        if (error instanceof DomainError) return sendPage(reply, error.status, registerForm(fresh, registration, values, error.message));
        throw error;
      }
      formToken.clear(reply);
      const session = await accounts.sessions.create(userId, request.headers['user-agent']);
      reply.setCookie(SESSION_COOKIE, session.secret, sessionCookieOptions(secureCookies, session.expiresAt));
      return reply.redirect('/account', 303);
    },
  );
};
