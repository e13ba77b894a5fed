import assert from 'node:assert/strict';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { basic } from '../support/http.js';
import { createTestServer, type TestServer } from '../support/server.js';

/** A port nobody listens on now: the server's BASE_URL must name it before it starts. */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface Flow {
  poll: { token: string; endpoint: string };
  login: string;
}

/**
 * AntennaPod's "Nextcloud" sign-in end to end over real HTTP: the app starts a Login Flow v2,
 * the user's browser (Chromium) opens the login link, signs in and grants access, the app's
 * poll receives an app password once, and that password syncs. A refused or expired flow yields
 * nothing.
 */
describe('Nextcloud Login Flow v2 in a real browser', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let base: string;
  const APP = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'AntennaPod/3.7.0' };

  before(async () => {
    database = await createTestDatabase('pglite');
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = await createTestServer(database, { env: { BASE_URL: base } });
    await server.app.listen({ port, host: '127.0.0.1' });
    await server.accounts.register('alice', 'alice password');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.app.close();
    await database?.dispose();
  });

  async function start(): Promise<Flow> {
    const response = await fetch(`${base}/index.php/login/v2`, { method: 'POST', headers: APP, body: '' });
    assert.equal(response.status, 200);
    return (await response.json()) as Flow;
  }

  // As AntennaPod does: the endpoint as given, "token=" + token, unencoded.
  const poll = (flow: Flow) => fetch(flow.poll.endpoint, { method: 'POST', headers: APP, body: `token=${flow.poll.token}` });

  async function openLogin(page: Page, flow: Flow): Promise<void> {
    await page.goto(flow.login);
    if (/\/login\?next=/.test(page.url())) {
      await page.fill('#username', 'alice');
      await page.fill('#password', 'alice password');
      await page.click('button[type=submit]');
    }
    await page.waitForSelector('button[value=approve]');
  }

  it('signs in, grants access, polls the app password once, and syncs with it', async () => {
    const flow = await start();
    assert.ok(flow.login.startsWith(`${base}/index.php/login/v2/flow/`));
    assert.equal(flow.poll.endpoint, `${base}/index.php/login/v2/poll`);
    assert.equal((await poll(flow)).status, 404, 'nothing before the user acts');

    const page = await browser.newPage();
    await openLogin(page, flow);
    assert.match((await page.textContent('main')) ?? '', /AntennaPod\/3\.7\.0 asks for access/);
    assert.equal((await poll(flow)).status, 404, 'signed in, not yet granted');
    await page.click('button[value=approve]');
    await page.waitForSelector('text=return to the app');

    const done = await poll(flow);
    assert.equal(done.status, 200);
    const answer = (await done.json()) as { server: string; loginName: string; appPassword: string };
    assert.deepEqual([answer.server, answer.loginName], [base, 'alice']);
    assert.equal((await poll(flow)).status, 404, 'answered once');

    // AntennaPod's sync calls, with what the flow gave it.
    const headers = { authorization: basic(answer.loginName, answer.appPassword), accept: 'application/json', 'content-type': 'application/json' };
    const upload = await fetch(`${answer.server}/index.php/apps/gpoddersync/subscription_change/create`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ add: ['https://feeds.example.org/tech-talk.xml'], remove: [] }),
    });
    assert.equal(upload.status, 200);
    const download = await fetch(`${answer.server}/index.php/apps/gpoddersync/subscriptions?since=0`, { headers });
    assert.equal(download.status, 200);
    assert.deepEqual(((await download.json()) as { add: string[] }).add, ['https://feeds.example.org/tech-talk.xml']);

    // The account page lists it under the app's name; revoking it there ends the app's access.
    await page.goto(`${base}/account`);
    assert.match((await page.textContent('table')) ?? '', /AntennaPod\/3\.7\.0/);
    await page.click('form[action^="/account/credentials/"] button');
    await page.waitForURL(`${base}/account`);
    assert.equal((await fetch(`${answer.server}/index.php/apps/gpoddersync/subscriptions?since=0`, { headers })).status, 401);
    await page.close();
  });

  it('a refused flow and an expired flow give the app nothing', async () => {
    const page = await browser.newPage();
    const refused = await start();
    await openLogin(page, refused);
    await page.click('button[value=deny]');
    await page.waitForSelector('text=was not given access');
    assert.equal((await poll(refused)).status, 404);
    await page.goto(refused.login);
    assert.match((await page.textContent('main')) ?? '', /not valid|already used/);

    const expired = await start();
    await openLogin(page, expired);
    await database.db.query(`UPDATE nextcloud_login_flows SET expires_at = now() - interval '1 second' WHERE expires_at > now()`);
    await page.click('button[value=approve]');
    await page.waitForSelector('text=Sign-in link not valid');
    assert.equal((await poll(expired)).status, 404);
    const credentials = await server.accounts.listCredentials((await server.accounts.findByUsername('alice'))!.userId);
    assert.deepEqual(credentials.map((credential) => credential.label), [], 'no app password was created');
    await page.close();
  });
});
