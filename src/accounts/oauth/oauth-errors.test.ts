import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { newPkce, oauthClient, type Browser } from './oauth-test-client.js';

const BASE_URL = 'https://sync.example.org';

describeEachDriver('OAuth error paths', (current) => {
  let server: TestServer;
  let client: ReturnType<typeof oauthClient>;
  let alice: Browser;
  let clientId: string;
  const redirectUri = 'https://app.example.com/callback?from=oauth';

  before(async () => {
    server = await createTestServer(current(), { env: { BASE_URL } });
    await server.app.ready();
    await server.accounts.register('alice', 'alice password');
    await server.accounts.register('bob', 'bob password', { bypassRegistrationMode: true });
    client = oauthClient(server);
    clientId = await client.registered('Web Podcasts', [redirectUri]);
    alice = await client.login('alice', 'alice password');
  });
  after(async () => server?.app.close());

  const authorization = (challenge: string, overrides: Record<string, string | undefined> = {}) => ({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'user.plays.read',
    state: 's-1',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...overrides,
  });

  /** The error an authorization request is sent back to the app with: by a link, never an automatic redirect. */
  async function redirectedError(params: Record<string, string | undefined>) {
    const response = await client.openAuthorize(alice, params);
    assert.equal(response.statusCode, 400, response.body);
    assert.equal(response.headers.location, undefined);
    const href = /<a href="([^"]+)">Return to the app<\/a>/.exec(response.body)![1]!.replaceAll('&amp;', '&');
    const location = new URL(href);
    assert.equal(`${location.origin}${location.pathname}`, 'https://app.example.com/callback');
    assert.equal(location.searchParams.get('from'), 'oauth', "the redirect URI's own query is kept");
    assert.equal(location.searchParams.get('iss'), BASE_URL);
    return { error: location.searchParams.get('error'), state: location.searchParams.get('state'), code: location.searchParams.get('code') };
  }

  async function exchange(code: string, verifier: string, overrides: Record<string, string | undefined> = {}) {
    return client.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, ...overrides });
  }

  it('shows an error page, never a redirect, for an unknown client or an unregistered redirect URI', async () => {
    const { challenge } = newPkce();
    for (const params of [
      authorization(challenge, { client_id: 'no-such-client' }),
      authorization(challenge, { client_id: undefined }),
      authorization(challenge, { redirect_uri: 'https://attacker.example.com/callback' }),
      authorization(challenge, { redirect_uri: undefined }),
      authorization(challenge, { client_id: 'http://app.example.com/' }),
    ]) {
      const response = await client.openAuthorize(alice, params);
      assert.equal(response.statusCode, 400, JSON.stringify(params));
      assert.equal(response.headers.location, undefined);
      assert.match(response.headers['content-type'] as string, /^text\/html/);
      assert.equal(response.headers['x-frame-options'], 'DENY');
      assert.match(response.headers['content-security-policy'] as string, /form-action 'none'/);
    }
    const repeated = await server.app.inject({ method: 'GET', url: `/oauth/authorize?client_id=${clientId}&client_id=other` });
    assert.equal(repeated.statusCode, 400);
    assert.equal(repeated.headers.location, undefined);
  });

  it('sends the other problems back to the app with error= and state', async () => {
    const { challenge } = newPkce();
    assert.deepEqual(await redirectedError(authorization(challenge, { code_challenge_method: 'plain' })), { error: 'invalid_request', state: 's-1', code: null });
    assert.equal((await redirectedError(authorization(challenge, { code_challenge_method: undefined }))).error, 'invalid_request', 'absent method means plain');
    assert.equal((await redirectedError(authorization(challenge, { code_challenge: undefined }))).error, 'invalid_request');
    assert.equal((await redirectedError(authorization(challenge, { code_challenge: 'too-short' }))).error, 'invalid_request');
    assert.equal((await redirectedError(authorization(challenge, { response_type: 'token' }))).error, 'unsupported_response_type');
    assert.equal((await redirectedError(authorization(challenge, { response_type: undefined }))).error, 'invalid_request');
    assert.equal((await redirectedError(authorization(challenge, { scope: undefined }))).error, 'invalid_scope');
    assert.equal((await redirectedError(authorization(challenge, { scope: 'user.plays.read admin' }))).error, 'invalid_scope');
    const noState = await redirectedError(authorization(challenge, { scope: undefined, state: undefined }));
    assert.equal(noState.state, null);
  });

  it('answers Deny with error=access_denied and the state', async () => {
    const { challenge } = newPkce();
    const denied = await client.answer(alice, authorization(challenge), 'deny');
    assert.equal(denied.statusCode, 303);
    const location = new URL(denied.headers.location as string);
    assert.equal(location.searchParams.get('error'), 'access_denied');
    assert.equal(location.searchParams.get('state'), 's-1');
    assert.equal(location.searchParams.get('code'), null);
  });

  it('refuses an approval without the CSRF token, or without a session', async () => {
    const { challenge } = newPkce();
    const missing = await client.answer(alice, authorization(challenge), 'approve', null);
    assert.equal(missing.statusCode, 403);
    assert.equal(missing.json().error.code, 'csrf_failed');
    const wrong = await client.answer(alice, authorization(challenge), 'approve', `${alice.csrf}x`);
    assert.equal(wrong.statusCode, 403);
    const noSession = await client.answer({ cookie: 'balados_session=bse_stale', csrf: '' }, authorization(challenge), 'approve');
    assert.equal(noSession.statusCode, 303);
    assert.match(noSession.headers.location as string, /^\/login\?next=%2Foauth%2Fauthorize%3F/);
    const grants = await current().db.query('SELECT 1 FROM oauth_grants');
    assert.equal(grants.rows.length, 0, 'nothing was authorized');
  });

  it('re-checks the submitted form: a tampered redirect URI shows an error page', async () => {
    const { challenge } = newPkce();
    const tampered = await client.answer(alice, authorization(challenge, { redirect_uri: 'https://attacker.example.com/' }), 'approve');
    assert.equal(tampered.statusCode, 400);
    assert.equal(tampered.headers.location, undefined);
  });

  it('refuses a wrong verifier, and the code is used up by the attempt', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge));
    const wrong = await exchange(code, newPkce().verifier);
    assert.equal(wrong.statusCode, 400);
    assert.deepEqual(wrong.json().error, 'invalid_grant');
    assert.equal(wrong.headers['cache-control'], 'no-store');
    assert.equal((await exchange(code, pkce.verifier)).json().error, 'invalid_grant');
    const malformed = await exchange(code, 'short');
    assert.equal(malformed.json().error, 'invalid_request');
    const noVerifier = await exchange(code, '', { code_verifier: undefined });
    assert.equal(noVerifier.json().error, 'invalid_request');
  });

  it('revokes the tokens of a code presented twice', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge));
    const first = await exchange(code, pkce.verifier);
    assert.equal(first.statusCode, 200, first.body);
    const replay = await exchange(code, pkce.verifier);
    assert.equal(replay.statusCode, 400);
    assert.equal(replay.json().error, 'invalid_grant');
    assert.equal((await client.whoami(first.json().access_token)).statusCode, 401);
    assert.equal((await client.token({ grant_type: 'refresh_token', refresh_token: first.json().refresh_token })).json().error, 'invalid_grant');
  });

  it('gives tokens once for a code redeemed twice at the same time, and revokes them', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge));
    const answers = await Promise.all([exchange(code, pkce.verifier), exchange(code, pkce.verifier)]);
    const statuses = answers.map((answer) => answer.statusCode).sort();
    assert.deepEqual(statuses, [200, 400]);
    const winner = answers.find((answer) => answer.statusCode === 200)!.json();
    assert.equal((await client.whoami(winner.access_token)).statusCode, 401, 'the replay revoked what the first redemption got');
  });

  it('refuses a code with another redirect URI or client, an unknown client, an expired code', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge));
    const otherRedirect = await exchange(code, pkce.verifier, { redirect_uri: 'https://app.example.com/callback' });
    assert.equal(otherRedirect.json().error, 'invalid_grant');

    const otherClientId = await client.registered('Other', ['https://other.example.com/cb']);
    const second = newPkce();
    const secondCode = await client.authorizationCode(alice, authorization(second.challenge));
    assert.equal((await exchange(secondCode, second.verifier, { client_id: otherClientId })).json().error, 'invalid_grant');

    const unknown = await exchange('whatever', second.verifier, { client_id: 'no-such-client' });
    assert.equal(unknown.statusCode, 401);
    assert.equal(unknown.json().error, 'invalid_client');

    const third = newPkce();
    const expiring = await client.authorizationCode(alice, authorization(third.challenge));
    await current().db.query(`UPDATE oauth_codes SET expires_at = now() - interval '1 second' WHERE used_at IS NULL`);
    const expired = await exchange(expiring, third.verifier);
    assert.equal(expired.statusCode, 400);
    assert.equal(expired.json().error, 'invalid_grant');
    assert.match(expired.json().error_description, /expired/);
  });

  it('refuses expired access and refresh tokens', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge));
    const tokens = (await exchange(code, pkce.verifier)).json();
    await current().db.query(`UPDATE oauth_tokens SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL`);
    assert.equal((await client.whoami(tokens.access_token)).statusCode, 401);
    const refresh = await client.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    assert.match(refresh.json().error_description, /expired/);
  });

  it('stops the tokens of a disabled account, and refuses to issue more', async () => {
    const bob = await client.login('bob', 'bob password');
    const pkce = newPkce();
    const code = await client.authorizationCode(bob, authorization(pkce.challenge));
    const pending = newPkce();
    const pendingCode = await client.authorizationCode(bob, authorization(pending.challenge));
    const tokens = (await exchange(code, pkce.verifier)).json();
    assert.equal((await client.whoami(tokens.access_token)).statusCode, 200);
    const bobId = (await server.accounts.findByUsername('bob'))!.userId;
    await server.accounts.disable(bobId);
    assert.equal((await client.whoami(tokens.access_token)).statusCode, 401);
    assert.equal((await client.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).json().error, 'invalid_grant');
    assert.equal((await exchange(pendingCode, pending.verifier)).json().error, 'invalid_grant');
    await server.accounts.enable(bobId);
    assert.equal((await client.whoami(tokens.access_token)).statusCode, 200, 'enabling the account again restores its apps');
  });

  it('answers malformed token requests the OAuth way', async () => {
    const unsupported = await client.token({ grant_type: 'password', client_id: clientId });
    assert.equal(unsupported.statusCode, 400);
    assert.equal(unsupported.json().error, 'unsupported_grant_type');
    assert.equal((await client.token({ client_id: clientId })).json().error, 'invalid_request');
    const repeated = await server.app.inject({
      method: 'POST',
      url: '/oauth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'grant_type=refresh_token&refresh_token=a&refresh_token=b',
    });
    assert.equal(repeated.statusCode, 400);
    assert.equal(repeated.json().error, 'invalid_request');
    const empty = await server.app.inject({ method: 'POST', url: '/oauth/token' });
    assert.equal(empty.json().error, 'invalid_request');
    assert.equal((await client.token({ grant_type: 'refresh_token', refresh_token: 'brt_forged' })).json().error, 'invalid_grant');
  });

  it('serves apps that run in a logged-in browser: no CSRF token needed at the token endpoint, CORS allowed', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge));
    const response = await client.token(
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: pkce.verifier },
      'form',
      { cookie: alice.cookie },
    );
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['access-control-allow-origin'], '*');
    const preflight = await server.app.inject({ method: 'OPTIONS', url: '/oauth/token' });
    assert.equal(preflight.statusCode, 204);
    assert.match(preflight.headers['access-control-allow-headers'] as string, /content-type/);
  });
});
