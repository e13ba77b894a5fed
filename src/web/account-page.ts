import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialInfo } from '../accounts/account-service.js';
import { listPlayTokens, type PlayTokenInfo } from '../accounts/play-tokens.js';
import type { AuthorizedApp } from '../accounts/oauth/grants.js';
import { SCOPE_DESCRIPTIONS, SCOPES } from '../accounts/scopes.js';
import { DomainError } from '../domain/decider.js';
import { sessionCookieOptions } from '../accounts/routes.js';
import { SESSION_COOKIE } from '../http/authentication.js';
import { html, page, SafeHtml, sendPage } from './html.js';
import type { WebOptions } from './login-routes.js';
import { personalFeedPath } from '../feeds/personal/paths.js';

export interface Viewer {
  userId: string;
  username: string;
  csrfToken: string;
}

/** The user of a web session (never Basic: a browser replays cached Basic credentials on forged requests). */
export function viewer(request: FastifyRequest): Viewer | undefined {
  if (request.principal?.via !== 'session' || !request.session) return undefined;
  return { userId: request.principal.userId, username: request.principal.username, csrfToken: request.session.csrfToken };
}

function credentialRows(credentials: CredentialInfo[], csrf: string): SafeHtml[] {
  return credentials.map(
    (c) => html`<tr><td>${c.label}</td><td>${c.kind === 'app_password' ? 'app password' : `token: ${c.scopes.join(' ')}`}</td>
      <td>${c.createdAt.toISOString().slice(0, 10)}${c.expiresAt ? html`<br>expires ${c.expiresAt.toISOString().slice(0, 10)}` : ''}</td>
      <td><form class="inline" method="post" action="/account/credentials/${encodeURIComponent(c.id)}/revoke">
        <input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Revoke</button></form></td></tr>`,
  );
}

function playTokenRows(tokens: PlayTokenInfo[], csrf: string): SafeHtml[] {
  return tokens.map(
    (t) => html`<tr><td>${t.label}</td><td>${t.createdAt.toISOString().slice(0, 10)}</td>
      <td><form class="inline" method="post" action="/account/credentials/${encodeURIComponent(t.id)}/revoke">
        <input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Revoke</button></form></td></tr>`,
  );
}

function appRows(apps: AuthorizedApp[], csrf: string): SafeHtml[] {
  return apps.map(
    (entry) => html`<tr><td>${entry.appName}<br><small>${entry.clientId}</small></td><td>${entry.scopes.join(' ')}</td>
      <td>${entry.createdAt.toISOString().slice(0, 10)}</td><td>${entry.lastUsedAt ? entry.lastUsedAt.toISOString().slice(0, 16).replace('T', ' ') : 'never'}</td>
      <td><form class="inline" method="post" action="/account/apps/${encodeURIComponent(entry.grantId)}/revoke">
        <input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Revoke</button></form></td></tr>`,
  );
}

interface Listed {
  credentials: CredentialInfo[];
  playTokens: PlayTokenInfo[];
  apps: AuthorizedApp[];
}

function accountBody(user: Viewer, { credentials, playTokens, apps }: Listed, message?: { error?: string; notice?: string; secret?: string; feedUrl?: string }): SafeHtml {
  const csrf = html`<input type="hidden" name="_csrf" value="${user.csrfToken}">`;
  return html`
    ${message?.error ? html`<p class="error">${message.error}</p>` : ''}
    ${message?.notice ? html`<p class="notice">${message.notice}</p>` : ''}
    ${message?.secret ? html`<p class="notice">Copy it now, it will not be shown again:<br><code class="secret">${message.secret}</code></p>` : ''}
    ${message?.feedUrl ? html`<p class="notice">Your subscriptions as one feed, for any podcast app:<br><code class="feed-url">${message.feedUrl}</code></p>` : ''}
    <h2>Authorized apps</h2>
    ${apps.length === 0 ? html`<p>No app has been authorized yet.</p>` : html`<table><tr><th>App</th><th>Scopes</th><th>Authorized</th><th>Last used</th><th></th></tr>${appRows(apps, user.csrfToken)}</table>`}
    <h2>App passwords and tokens</h2>
    ${credentials.length === 0 ? html`<p>None yet.</p>` : html`<table><tr><th>Label</th><th>Kind</th><th>Created</th><th></th></tr>${credentialRows(credentials, user.csrfToken)}</table>`}
    <h3>New app password</h3>
    <p>For podcast apps that ask for a username and password (AntennaPod, gPodder, Kasts…): use this instead of your password.</p>
    <form method="post" action="/account/app-passwords">${csrf}
      <label for="ap-label">Label</label><input type="text" id="ap-label" name="label" maxlength="100" required placeholder="AntennaPod on my phone">
      <button type="submit">Create app password</button></form>
    <h3>New personal access token</h3>
    <form method="post" action="/account/tokens">${csrf}
      <label for="tk-label">Label</label><input type="text" id="tk-label" name="label" maxlength="100" required>
      <fieldset><legend>Scopes</legend>${SCOPES.map(
        (scope) => html`<label><input type="checkbox" name="scopes" value="${scope}"> <code>${scope}</code>: ${SCOPE_DESCRIPTIONS[scope]}</label>`,
      )}</fieldset>
      <button type="submit">Create token</button></form>
    <h2>Personal feeds</h2>
    <p>A play token makes secret feed addresses of your subscriptions, collections and playlists that any podcast app can
      subscribe to; episodes played from them are synced. Anyone with the address can read those feeds: revoke a token to end them.</p>
    ${playTokens.length === 0 ? html`<p>No play token yet.</p>` : html`<table><tr><th>Label</th><th>Created</th><th></th></tr>${playTokenRows(playTokens, user.csrfToken)}</table>`}
    <form method="post" action="/account/play-tokens">${csrf}
      <label for="pt-label">Label</label><input type="text" id="pt-label" name="label" maxlength="100" required placeholder="Car radio">
      <button type="submit">Create play token</button></form>
    <h2>Your data</h2>
    <p><a href="/api/v1/me/export">Download everything this account recorded</a> (JSON).</p>
    <h3>Delete the account</h3>
    <p>This erases your subscriptions, listening history, playlists, devices and credentials, for good.</p>
    <form method="post" action="/account/delete">${csrf}
      <label for="delete-password">Your password, to confirm</label><input type="password" id="delete-password" name="password" autocomplete="current-password" required>
      <button type="submit">Delete my account</button></form>
    <h2>Password</h2>
    <form method="post" action="/account/password">${csrf}
      <label for="current">Current password</label><input type="password" id="current" name="currentPassword" autocomplete="current-password" required>
      <label for="new">New password</label><input type="password" id="new" name="newPassword" autocomplete="new-password" minlength="8" required>
      <button type="submit">Change password</button></form>`;
}

const FormBase = { _csrf: Type.Optional(Type.String({ maxLength: 200 })) };

export const accountPage: FastifyPluginAsyncTypebox<WebOptions> = async (app, { accounts, eraser, grants, secureCookies, baseUrl }) => {
  type Message = Parameters<typeof accountBody>[2];
  async function render(reply: FastifyReply, user: Viewer, status: number, message?: Message) {
    const listed = {
      credentials: await accounts.listCredentials(user.userId),
      playTokens: await listPlayTokens(accounts.db, user.userId),
      apps: grants ? await grants.list(user.userId) : [],
    };
    return sendPage(reply, status, page({ title: 'Your account', user }, accountBody(user, listed, message)));
  }

  /** Runs a form action; a refused command is shown on the page instead of an error document. */
  async function act(request: FastifyRequest, reply: FastifyReply, action: (user: Viewer) => Promise<Message | 'redirect'>) {
    const user = viewer(request);
    if (!user) return reply.redirect('/login?next=%2Faccount', 303);
    try {
      const outcome = await action(user);
      return outcome === 'redirect' ? reply.redirect('/account', 303) : render(reply, user, 200, outcome);
    } catch (error) {
      if (error instanceof DomainError) return render(reply, user, error.status, { error: error.message });
      throw error;
    }
  }

  app.get('/account', { schema: { hide: true } }, async (request, reply) => {
    const user = viewer(request);
    if (!user) return reply.redirect('/login?next=%2Faccount', 303);
    return render(reply, user, 200);
  });

  app.post(
    '/account/app-passwords',
    { schema: { hide: true, body: Type.Object({ ...FormBase, label: Type.String({ maxLength: 200 }) }) } },
    async (request, reply) =>
      act(request, reply, async (user) => ({ secret: (await accounts.createAppPassword(user.userId, request.body.label)).secret })),
  );

  app.post(
    '/account/tokens',
    {
      schema: {
        hide: true,
        body: Type.Object({ ...FormBase, label: Type.String({ maxLength: 200 }), scopes: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String(), { maxItems: 20 })])) }),
      },
    },
    async (request, reply) =>
      act(request, reply, async (user) => {
        const scopes = request.body.scopes === undefined ? [] : ([] as string[]).concat(request.body.scopes);
        return { secret: (await accounts.createPersonalToken(user.userId, request.body.label, scopes, null)).secret };
      }),
  );

  app.post(
    '/account/play-tokens',
    { schema: { hide: true, body: Type.Object({ ...FormBase, label: Type.String({ maxLength: 200 }) }) } },
    async (request, reply) =>
      act(request, reply, async (user) => {
        const { secret } = await accounts.createPlayToken(user.userId, request.body.label);
        return { secret, feedUrl: `${(baseUrl ?? '').replace(/\/$/, '')}${personalFeedPath(secret, 'subscriptions')}` };
      }),
  );

  app.post(
    '/account/credentials/:id/revoke',
    { schema: { hide: true, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), body: Type.Optional(Type.Object(FormBase)) } },
    async (request, reply) =>
      act(request, reply, async (user) => {
        await accounts.revokeCredential(user.userId, request.params.id);
        return 'redirect';
      }),
  );

  app.post(
    '/account/apps/:grantId/revoke',
    { schema: { hide: true, params: Type.Object({ grantId: Type.String({ maxLength: 64 }) }), body: Type.Optional(Type.Object(FormBase)) } },
    async (request, reply) =>
      act(request, reply, async (user) => {
        if (grants) await grants.revoke(user.userId, request.params.grantId, 'user');
        return 'redirect';
      }),
  );

  app.post(
    '/account/delete',
    { schema: { hide: true, body: Type.Object({ ...FormBase, password: Type.String({ maxLength: 2000 }) }) } },
    async (request, reply) => {
      const user = viewer(request);
      if (!user || !eraser) return reply.redirect('/login?next=%2Faccount', 303);
      try {
        await accounts.confirmPassword(user.userId, request.body.password);
      } catch (error) {
        if (error instanceof DomainError) return render(reply, user, error.status, { error: 'The password is not right: the account was not deleted.' });
        throw error;
      }
      await eraser.erase(user.userId);
      accounts.principals.forgetUser(user.userId);
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(secureCookies));
      return sendPage(reply, 200, page({ title: 'Account deleted' }, html`<p>Your account and everything it recorded were erased.</p>`));
    },
  );

  app.post(
    '/account/password',
    { schema: { hide: true, body: Type.Object({ ...FormBase, currentPassword: Type.String({ maxLength: 2000 }), newPassword: Type.String({ maxLength: 2000 }) }) } },
    async (request, reply) =>
      act(request, reply, async (user) => {
        await accounts.changePassword(user.userId, request.body.currentPassword, request.body.newPassword, request.session?.secret);
        return { notice: 'Your password was changed. Your other sessions were logged out.' };
      }),
  );
};
