import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import { viewer, type Viewer } from '../../web/account-page.js';
import { html, page, sendPage, type SafeHtml } from '../../web/html.js';
import type { LoginFlows } from './login-flows.js';
import { LOGIN_PAGE_PATH } from './login-flow-routes.js';

function grantForm(token: string, name: string, user: Viewer): SafeHtml {
  return html`<p>You are logged in as <strong>${user.username}</strong>.</p>
    <p><strong>${name}</strong> asks for access to your account, to sync your subscriptions and listening. It will get an app password of its own,
    listed on your account page, where you can revoke it.</p>
    <p class="notice">Grant access only if you started this sign-in yourself, a moment ago, in the app named above. Someone who sent you this link would get access to your account.</p>
    <form method="post" action="${LOGIN_PAGE_PATH}/${token}">
      <input type="hidden" name="_csrf" value="${user.csrfToken}">
      <button type="submit" name="decision" value="approve">Grant access</button>
      <button type="submit" name="decision" value="deny">Cancel</button>
    </form>`;
}

function expired(reply: FastifyReply): FastifyReply {
  return sendPage(
    reply,
    404,
    page({ title: 'Sign-in link not valid' }, html`<p>This sign-in link was already used, has expired (after 20 minutes) or was never issued. Start the sign-in again from your app.</p>`),
  );
}

const Params = Type.Object({ token: Type.String({ maxLength: 200 }) });

/**
 * The browser's side of the login flow: the page at the `login` URL. The user logs in with the
 * web login (and comes back here), sees which app asks, and grants or refuses access. The form
 * carries the session's CSRF token (checked before the handler runs).
 */
export const loginFlowPage: FastifyPluginAsyncTypebox<{ flows: LoginFlows }> = async (app, { flows }) => {
  const toLogin = (reply: FastifyReply, token: string) => reply.redirect(`/login?next=${encodeURIComponent(`${LOGIN_PAGE_PATH}/${token}`)}`, 303);

  app.get(`${LOGIN_PAGE_PATH}/:token`, { schema: { hide: true, params: Params } }, async (request, reply) => {
    const flow = await flows.pending(request.params.token);
    if (!flow) return expired(reply);
    const user = viewer(request);
    if (!user) return toLogin(reply, request.params.token);
    return sendPage(reply, 200, page({ title: `Connect ${flow.clientName}`, user }, grantForm(request.params.token, flow.clientName, user)), { referrer: 'no-referrer' });
  });

  app.post(
    `${LOGIN_PAGE_PATH}/:token`,
    {
      schema: {
        hide: true,
        params: Params,
        body: Type.Object({ decision: Type.Optional(Type.String({ maxLength: 20 })), _csrf: Type.Optional(Type.String({ maxLength: 200 })) }),
      },
    },
    async (request, reply) => {
      const { token } = request.params;
      const user = viewer(request);
      if (!user) return toLogin(reply, token);
      const flow = await flows.pending(token);
      if (!flow) return expired(reply);
      if (request.body.decision !== 'approve') {
        await flows.deny(token);
        return sendPage(reply, 200, page({ title: 'Access refused', user }, html`<p>${flow.clientName} was not given access. You can close this window.</p>`));
      }
      if (!(await flows.grant(token, user.userId))) return expired(reply);
      return sendPage(
        reply,
        200,
        page({ title: 'Access granted', user }, html`<p>${flow.clientName} can now use your account. You can close this window and return to the app.</p>`),
      );
    },
  );
};
