import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createTestServer, type TestServer } from '../support/server.js';

/**
 * A podcast app signing in with OAuth, end to end over real HTTP: the app registers, sends the
 * user's browser (Chromium) to the consent page, receives the code on its own callback server,
 * exchanges it with its PKCE verifier, and syncs with the access token.
 */
describe('an app authorized through OAuth with PKCE, in a real browser', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let base: string;
  let callback: http.Server;
  let callbackUrl: string;
  const received: URLSearchParams[] = [];

  before(async () => {
    database = await createTestDatabase('pglite');
    server = await createTestServer(database);
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await server.accounts.register('alice', 'alice password');
    callback = http.createServer((request, response) => {
      // Only the callback itself: the browser also asks this server for a favicon.
      const url = new URL(request.url ?? '/', 'http://app.local');
      if (url.pathname === '/callback') received.push(url.searchParams);
      response.end('Signed in: you can return to the app.');
    });
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
    callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    callback?.close();
    await server?.app.close();
    await database?.dispose();
  });

  it('registers, gets consent, exchanges the code, syncs, and loses access when the user revokes it', async () => {
    const registered = await fetch(`${base}/api/v1/oauth/clients`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Test Player', redirectUris: [callbackUrl] }),
    });
    assert.equal(registered.status, 201);
    const clientId = ((await registered.json()) as { clientId: string }).clientId;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const state = randomBytes(8).toString('hex');
    const authorize = new URL(`${base}/oauth/authorize`);
    for (const [key, value] of Object.entries({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: callbackUrl,
      scope: 'user.sync',
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })) authorize.searchParams.set(key, value);

    const page = await browser.newPage();
    await page.goto(authorize.toString());
    assert.match(page.url(), /\/login\?next=/, 'not logged in: the login page first');
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice password');
    await page.click('button[type=submit]');
    await page.waitForSelector('button[value=approve]');
    const consent = (await page.textContent('body')) ?? '';
    assert.match(consent, /Test Player/);
    assert.match(consent, /user\.sync/);
    await page.click('button[value=approve]');
    await page.waitForURL((url) => url.toString().startsWith(callbackUrl));
    const answer = received.at(-1)!;
    assert.equal(answer.get('state'), state);
    const code = answer.get('code')!;
    assert.ok(code);

    const exchange = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callbackUrl, client_id: clientId, code_verifier: verifier }),
    });
    assert.equal(exchange.status, 200);
    const tokens = (await exchange.json()) as { access_token: string; refresh_token: string; scope: string };
    assert.equal(tokens.scope, 'user.sync');
    const bearer = { authorization: `Bearer ${tokens.access_token}` };
    const devices = await fetch(`${base}/api/v1/devices`, { headers: bearer });
    assert.equal(devices.status, 200);
    const exported = await fetch(`${base}/api/v1/me/export`, { headers: bearer });
    assert.equal(exported.status, 403, 'the app only got user.sync');

    await page.goto(`${base}/account`);
    assert.match((await page.textContent('table')) ?? '', /Test Player/);
    await page.click('form[action^="/account/apps/"] button');
    await page.waitForURL(`${base}/account`);
    assert.match((await page.textContent('main')) ?? '', /No app has been authorized yet/);
    assert.equal((await fetch(`${base}/api/v1/devices`, { headers: bearer })).status, 401, 'revoked: the token no longer works');
    const refreshed = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: clientId }),
    });
    assert.equal(refreshed.status, 400);
  });
});
