import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createTestServer, type TestServer } from '../support/server.js';

describe('account page in a real browser', () => {
  let database: TestDatabase;
  let server: TestServer;
  let browser: Browser;
  let base: string;
  before(async () => {
    database = await createTestDatabase('pglite');
    server = await createTestServer(database);
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await server.accounts.register('alice', 'alice password');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.app.close();
    await database?.dispose();
  });

  it('logs in, creates an app password that works with HTTP Basic, and logs out', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/account`);
    assert.match(page.url(), /\/login\?next=%2Faccount$/);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'wrong password');
    await page.click('button[type=submit]');
    assert.match(await page.textContent('.error') ?? '', /Wrong username or password/);
    await page.fill('#username', 'alice');
    await page.fill('#password', 'alice password');
    await page.click('button[type=submit]');
    await page.waitForURL(`${base}/account`);
    assert.equal(await page.textContent('h1'), 'Your account');

    await page.fill('#ap-label', 'Kasts on the laptop');
    await page.click('form[action="/account/app-passwords"] button');
    const secret = (await page.textContent('code.secret'))?.trim() ?? '';
    assert.match(secret, /^bap_/);
    assert.match(await page.textContent('table') ?? '', /Kasts on the laptop/);
    const me = await fetch(`${base}/api/v1/me`, { headers: { authorization: `Basic ${Buffer.from(`alice:${secret}`).toString('base64')}` } });
    assert.equal(me.status, 200);

    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'balados_session');
    assert.equal(session?.httpOnly, true);
    assert.equal(session?.sameSite, 'Lax');
    assert.equal(await page.evaluate(() => document.cookie.includes('balados_session')), false, 'scripts cannot read the session');

    await page.click('header button');
    await page.waitForURL(/\/login$/);
    await page.goto(`${base}/account`);
    assert.match(page.url(), /\/login/);
  });
});
