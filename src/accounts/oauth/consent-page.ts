import { SCOPE_DESCRIPTIONS } from '../scopes.js';
import type { AuthorizationRequest } from './authorization-request.js';
import { escapeHtml } from './html.js';
import { redirectHost } from './redirect-uris.js';

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; }
  h1 { font-size: 1.4rem; }
  .note { color: #555; font-size: .9rem; }
  .error { background: #fde8e8; border: 1px solid #f5b5b5; padding: .8rem; }
  ul { padding-left: 1.2rem; }
  code { background: #f4f4f4; padding: 0 .2rem; }
  .buttons { display: flex; gap: 1rem; margin-top: 1.5rem; }
  button { padding: .5rem 1.2rem; font-size: 1rem; cursor: pointer; }
  button.approve { font-weight: 600; }
`;

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Balados Sync</title><style>${STYLE}</style></head>
<body>${body}</body></html>`;
}

function hidden(name: string, value: string | undefined): string {
  return value === undefined ? '' : `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
}

export function consentPage(request: AuthorizationRequest, user: { username: string; csrfToken: string }): string {
  const { client } = request;
  const scopes = request.scopes.map((scope) => `<li>${escapeHtml(SCOPE_DESCRIPTIONS[scope])} <code>${escapeHtml(scope)}</code></li>`).join('\n');
  const identity = client.registered
    ? `The name “${escapeHtml(client.name)}” was chosen by the app's developer; Balados Sync has not verified it.`
    : `This app identifies itself by its web address <code>${escapeHtml(client.clientId)}</code>.`;
  const body = `
<h1>Allow ${escapeHtml(client.name)} to use your Balados Sync account?</h1>
<p>You are logged in as <strong>${escapeHtml(user.username)}</strong>.</p>
<p><strong>${escapeHtml(client.name)}</strong> will be able to:</p>
<ul>
${scopes}
</ul>
<p>After you answer, you will be sent to <strong>${escapeHtml(redirectHost(request.redirectUri))}</strong>.</p>
<p class="note">${identity} Only allow apps you trust. You can revoke access at any time from your account's authorized apps.</p>
<form method="post" action="/oauth/authorize">
${hidden('_csrf', user.csrfToken)}
${hidden('response_type', 'code')}
${hidden('client_id', client.clientId)}
${hidden('redirect_uri', request.redirectUri)}
${hidden('scope', request.scopes.join(' '))}
${hidden('state', request.state)}
${hidden('code_challenge', request.codeChallenge)}
${hidden('code_challenge_method', 'S256')}
<div class="buttons">
<button type="submit" name="decision" value="approve" class="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`;
  return layout(`Authorize ${client.name}`, body);
}

/**
 * A problem the app should hear about, before the user consented to anything: the way back is a
 * link the user follows, not an automatic redirect. Client ids and registrations are open to
 * anyone, so an automatic redirect would let any site bounce visitors through this instance to
 * an address of its choosing (RFC 9700 §4.11.2).
 */
export function errorReturnPage(message: string, returnTo: string): string {
  return layout(
    'Authorization failed',
    `<h1>This app's request cannot be completed</h1>
<p class="error">${escapeHtml(message)}</p>
<p><a href="${escapeHtml(returnTo)}">Return to the app</a></p>`,
  );
}

export function errorPage(message: string): string {
  return layout(
    'Authorization failed',
    `<h1>This app's request cannot be completed</h1>
<p class="error">${escapeHtml(message)}</p>
<p class="note">For your safety you were not sent back to the app. Tell the app's developer if this keeps happening.</p>`,
  );
}
