import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../../../test/support/databases.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { AccountEraser } from '../erasure.js';
import { grantsProjector } from './grants-projector.js';
import { newPkce, oauthClient, type Browser } from './oauth-test-client.js';
import { basic } from '../../../test/support/http.js';

const BASE_URL = 'https://sync.example.org';

describeEachDriver('OAuth authorization code flow', (current) => {
  let server: TestServer;
  let client: ReturnType<typeof oauthClient>;
  let alice: Browser;
  let clientId: string;
  const redirectUri = 'antennapod://callback';

  before(async () => {
    server = await createTestServer(current(), { env: { BASE_URL } });
    await server.app.ready();
    await server.accounts.register('alice', 'alice password');
    client = oauthClient(server);
    clientId = await client.registered('Podcast <App> & Co', [redirectUri, 'http://127.0.0.1/callback']);
    alice = await client.login('alice', 'alice password');
  });
  after(async () => server?.app.close());

  const authorization = (challenge: string, scope = 'user.subscriptions.read user.plays.write') => ({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope,
    state: 'xyz 123',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });

  it('registers apps, validating names and redirect URIs', async () => {
    const ok = await client.register('Desktop app', ['https://app.example.com/cb', 'http://localhost/cb', 'de.danoeh.antennapod:/oauth']);
    assert.equal(ok.statusCode, 201);
    assert.deepEqual(ok.json().redirectUris, ['https://app.example.com/cb', 'http://localhost/cb', 'de.danoeh.antennapod:/oauth']);
    for (const uris of [['http://app.example.com/cb'], ['https://app.example.com/cb#top'], ['javascript:alert(1)'], []]) {
      const refused = await client.register('x', uris);
      assert.equal(refused.statusCode, 400, JSON.stringify(uris));
    }
    const tooMany = await client.register('x', Array.from({ length: 11 }, (_, i) => `https://app.example.com/${i}`));
    assert.equal(tooMany.statusCode, 400);
    assert.equal((await client.register('x'.repeat(101), ['https://app.example.com/cb'])).statusCode, 400);
    assert.equal((await client.register('   ', ['https://app.example.com/cb'])).json().error.code, 'invalid_client_metadata');
  });

  it('sends a browser without a session to the login page, and back', async () => {
    const { challenge } = newPkce();
    const response = await client.openAuthorize(undefined, authorization(challenge));
    assert.equal(response.statusCode, 303);
    const location = new URL(response.headers.location as string, BASE_URL);
    assert.equal(location.pathname, '/login');
    const next = location.searchParams.get('next')!;
    assert.ok(next.startsWith('/oauth/authorize?'));
    assert.equal(new URLSearchParams(next.split('?')[1]).get('code_challenge'), challenge);
    const basicAuth = await server.app.inject({ method: 'GET', url: next, headers: { authorization: basic('alice', 'alice password') } });
    assert.equal(basicAuth.statusCode, 303, 'HTTP Basic is not a browser session');
  });

  it('shows a consent page with the app, its redirect and the scopes, escaped, unframeable', async () => {
    const { challenge } = newPkce();
    const page = await client.openAuthorize(alice, authorization(challenge));
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /^text\/html/);
    assert.ok(page.body.includes('Podcast &lt;App&gt; &amp; Co'));
    assert.ok(!page.body.includes('<App>'));
    assert.ok(page.body.includes('See the podcasts you subscribe to'));
    assert.ok(page.body.includes('user.subscriptions.read') && page.body.includes('user.plays.write'));
    assert.ok(page.body.includes('antennapod:'));
    assert.ok(page.body.includes(`name="_csrf" value="${alice.csrf}"`));
    assert.ok(page.body.includes('name="state" value="xyz 123"'));
    const csp = page.headers['content-security-policy'] as string;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /form-action 'self' antennapod:/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
  });

  it('plays the whole flow: approve, exchange, call the API, refresh, detect refresh token reuse', async () => {
    const pkce = newPkce();
    const params = authorization(pkce.challenge);
    await client.openAuthorize(alice, params);
    const approved = await client.answer(alice, params, 'approve');
    assert.equal(approved.statusCode, 303);
    const location = new URL(approved.headers.location as string);
    assert.equal(`${location.protocol}//${location.host}`, 'antennapod://callback');
    assert.equal(location.searchParams.get('state'), 'xyz 123');
    assert.equal(location.searchParams.get('iss'), BASE_URL);
    const code = location.searchParams.get('code')!;

    const exchanged = await client.token(
      { grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: pkce.verifier },
      'json',
    );
    assert.equal(exchanged.statusCode, 200, exchanged.body);
    assert.equal(exchanged.headers['cache-control'], 'no-store');
    const first = exchanged.json();
    assert.equal(first.token_type, 'Bearer');
    assert.equal(first.expires_in, 3600);
    assert.equal(first.scope, 'user.subscriptions.read user.plays.write');
    assert.match(first.access_token, /^bat_/);
    assert.match(first.refresh_token, /^brt_/);

    const me = await client.whoami(first.access_token);
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().username, 'alice');
    assert.equal(me.json().authenticatedWith, 'oauth');
    assert.equal(me.json().admin, false, 'an app never acts as administrator');
    assert.deepEqual(me.json().scopes, ['user.subscriptions.read', 'user.plays.write']);

    const refreshed = await client.token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, client_id: clientId });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    const second = refreshed.json();
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal((await client.whoami(second.access_token)).statusCode, 200);

    const narrowed = await client.token({ grant_type: 'refresh_token', refresh_token: second.refresh_token, scope: 'user.plays.write' });
    assert.equal(narrowed.statusCode, 200, narrowed.body);
    const third = narrowed.json();
    assert.equal(third.scope, 'user.plays.write');
    const wider = await client.token({ grant_type: 'refresh_token', refresh_token: third.refresh_token, scope: 'user.sync' });
    assert.equal(wider.statusCode, 400);
    assert.equal(wider.json().error, 'invalid_scope');

    // The first refresh token was rotated: it comes back, so someone copied it.
    const reused = await client.token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    assert.equal(reused.statusCode, 400);
    assert.deepEqual(Object.keys(reused.json()).sort(), ['error', 'error_description']);
    assert.equal(reused.json().error, 'invalid_grant');
    for (const accessToken of [first.access_token, second.access_token, third.access_token]) assert.equal((await client.whoami(accessToken)).statusCode, 401);
    const afterReuse = await client.token({ grant_type: 'refresh_token', refresh_token: third.refresh_token });
    assert.equal(afterReuse.json().error, 'invalid_grant', 'the whole grant is revoked');
    const apps = await server.app.inject({ method: 'GET', url: '/api/v1/me/apps', headers: { authorization: basic('alice', 'alice password') } });
    assert.deepEqual(apps.json(), []);
    const events = await current().db.query<{ type: string; metadata: { reason?: string } }>(
      `SELECT type, metadata FROM events WHERE stream_id LIKE 'grants-%' ORDER BY global_position`,
    );
    assert.deepEqual(events.rows.map((row) => [row.type, row.metadata.reason]), [['AppAuthorized', undefined], ['AppAuthorizationRevoked', 'refresh_token_reuse']]);
  });

  it('revokes tokens (RFC 7009): a refresh token takes its family along; unknown tokens still answer 200', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge));
    const tokens = (await client.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: pkce.verifier })).json();
    const again = newPkce();
    const otherCode = await client.authorizationCode(alice, authorization(again.challenge));
    const other = (await client.token({ grant_type: 'authorization_code', code: otherCode, redirect_uri: redirectUri, client_id: clientId, code_verifier: again.verifier })).json();

    const accessOnly = await client.revoke({ token: other.access_token, token_type_hint: 'access_token' });
    assert.equal(accessOnly.statusCode, 200);
    assert.equal((await client.whoami(other.access_token)).statusCode, 401);
    assert.equal((await client.token({ grant_type: 'refresh_token', refresh_token: other.refresh_token })).statusCode, 200, 'its refresh token lives on');

    const revoked = await client.revoke({ token: tokens.refresh_token });
    assert.equal(revoked.statusCode, 200);
    assert.equal((await client.whoami(tokens.access_token)).statusCode, 401);
    assert.equal((await client.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).json().error, 'invalid_grant');
    assert.equal((await client.revoke({ token: 'brt_unknown' })).statusCode, 200);
    assert.equal((await client.revoke({ token: tokens.refresh_token })).statusCode, 200);
    const missing = await client.revoke({});
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().error, 'invalid_request');
  });

  it('lists authorized apps once per app, records their last use, and revokes them', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge, 'user.sync'));
    const tokens = (await client.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: pkce.verifier })).json();
    // A second device of the same app, on a loopback redirect with a port of its own.
    const loopback = newPkce();
    const loopbackCode = await client.authorizationCode(alice, {
      ...authorization(loopback.challenge, 'user.sync'),
      redirect_uri: 'http://127.0.0.1:49152/callback',
    });
    const laptop = await client.token({
      grant_type: 'authorization_code',
      code: loopbackCode,
      redirect_uri: 'http://127.0.0.1:49152/callback',
      client_id: clientId,
      code_verifier: loopback.verifier,
    });
    assert.equal(laptop.statusCode, 200, laptop.body);

    const list = async () => server.app.inject({ method: 'GET', url: '/api/v1/me/apps', headers: { cookie: alice.cookie } });
    const before = (await list()).json();
    assert.equal(before.length, 1, 'one grant per app');
    assert.equal(before[0].appName, 'Podcast <App> & Co');
    assert.equal(before[0].clientId, clientId);
    // The grant left by the previous test was widened, not duplicated.
    assert.deepEqual(before[0].scopes, ['user.subscriptions.read', 'user.plays.write', 'user.sync']);
    assert.equal(before[0].lastUsedAt, null);
    await client.whoami(tokens.access_token);
    const used = (await list()).json()[0];
    assert.ok(used.lastUsedAt, 'last use recorded');
    await client.whoami(tokens.access_token);
    assert.equal((await list()).json()[0].lastUsedAt, used.lastUsedAt, 'written at most once a minute');

    const viaToken = await server.app.inject({ method: 'GET', url: '/api/v1/me/apps', headers: { authorization: `Bearer ${tokens.access_token}` } });
    // 401 while src/http/authentication.ts does not resolve OAuth tokens, 403 once it does.
    assert.ok([401, 403].includes(viaToken.statusCode), 'an app cannot list or revoke apps');

    const forged = await server.app.inject({ method: 'DELETE', url: `/api/v1/me/apps/${before[0].id}`, headers: { cookie: alice.cookie } });
    assert.equal(forged.statusCode, 403);
    const deleted = await server.app.inject({ method: 'DELETE', url: `/api/v1/me/apps/${before[0].id}`, headers: { cookie: alice.cookie, 'x-csrf-token': alice.csrf } });
    assert.equal(deleted.statusCode, 204);
    assert.equal((await client.whoami(tokens.access_token)).statusCode, 401);
    assert.equal((await client.whoami(laptop.json().access_token)).statusCode, 401);
    assert.equal((await client.token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).json().error, 'invalid_grant');
    assert.deepEqual((await list()).json(), []);
    const again = await server.app.inject({ method: 'DELETE', url: `/api/v1/me/apps/${before[0].id}`, headers: { authorization: basic('alice', 'alice password') } });
    assert.equal(again.statusCode, 404);
  });

  it('accepts an https client id without registration, redirecting only to its origin', async () => {
    const pkce = newPkce();
    const params = { ...authorization(pkce.challenge), client_id: 'https://podcasts.example.net/', redirect_uri: 'https://podcasts.example.net/oauth/done' };
    const page = await client.openAuthorize(alice, params);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes('Allow podcasts.example.net to use'));
    assert.match(page.headers['content-security-policy'] as string, /form-action 'self' https:\/\/podcasts\.example\.net;/);
    const code = await client.authorizationCode(alice, params);
    const tokens = await client.token({ grant_type: 'authorization_code', code, redirect_uri: params.redirect_uri, client_id: params.client_id, code_verifier: pkce.verifier });
    assert.equal(tokens.statusCode, 200, tokens.body);
    const elsewhere = await client.openAuthorize(alice, { ...params, redirect_uri: 'https://attacker.example.com/' });
    assert.equal(elsewhere.statusCode, 400);
    assert.equal(elsewhere.headers.location, undefined);
  });

  it('serves its metadata and documents its routes', async () => {
    const metadata = await server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' });
    assert.equal(metadata.json().issuer, BASE_URL);
    assert.deepEqual(metadata.json().code_challenge_methods_supported, ['S256']);
    const openapi = await server.app.inject({ method: 'GET', url: '/api/openapi.json' });
    assert.equal(openapi.statusCode, 200);
    const paths = Object.keys(openapi.json().paths);
    for (const path of ['/oauth/authorize', '/oauth/token', '/oauth/revoke', '/api/v1/oauth/clients', '/api/v1/me/apps']) assert.ok(paths.includes(path), path);
  });

  it("forgets a user's grants, codes and tokens when the account is erased", async () => {
    const carol = await server.accounts.register('carol', 'carol password', { bypassRegistrationMode: true });
    const browser = await client.login('carol', 'carol password');
    const pkce = newPkce();
    const code = await client.authorizationCode(browser, authorization(pkce.challenge));
    const tokens = (await client.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: pkce.verifier })).json();
    await client.whoami(tokens.access_token);
    await client.authorizationCode(browser, authorization(newPkce().challenge));
    const rows = async () => {
      const counts = await current().db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM oauth_grants WHERE user_id = $1) + (SELECT count(*) FROM oauth_tokens WHERE user_id = $1)
              + (SELECT count(*) FROM oauth_codes WHERE user_id = $1) + (SELECT count(*) FROM oauth_grant_usage) AS n`,
        [carol.userId],
      );
      return Number(counts.rows[0]!.n);
    };
    const others = await current().db.query<{ n: number }>(`SELECT count(*) AS n FROM oauth_grants WHERE user_id <> $1`, [carol.userId]);
    assert.ok((await rows()) > 0);
    await new AccountEraser(server.store, [grantsProjector()]).erase(carol.userId);
    const usageOfOthers = await current().db.query<{ n: number }>('SELECT count(*) AS n FROM oauth_grant_usage');
    assert.equal((await rows()) - Number(usageOfOthers.rows[0]!.n), 0);
    assert.equal((await client.whoami(tokens.access_token)).statusCode, 401);
    const left = await current().db.query<{ n: number }>(`SELECT count(*) AS n FROM oauth_grants`);
    assert.equal(Number(left.rows[0]!.n), Number(others.rows[0]!.n), "other users' grants stay");
  });

  it('never writes codes or tokens to the logs', async () => {
    const pkce = newPkce();
    const code = await client.authorizationCode(alice, authorization(pkce.challenge));
    const tokens = (await client.token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: pkce.verifier })).json();
    await client.whoami(tokens.access_token);
    const logs = JSON.stringify(server.logs);
    for (const secret of [code, tokens.access_token, tokens.refresh_token, pkce.verifier]) assert.ok(!logs.includes(secret));
  });
});
