import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../support/databases.js';
import { basic } from '../support/http.js';
import { createTestServer, type TestServer } from '../support/server.js';

/**
 * One listener switching between apps that speak three APIs, over real HTTP (a listening
 * socket, fetch): a phone on AntennaPod's gpodder.net option (Basic once, then the session
 * cookie), a laptop on Kasts' Nextcloud option (an app password on every request) and the
 * native API. A position recorded through any of them is the one the others read: one model.
 */
describeEachDriver('episode positions across gpodder.net, Nextcloud and the native API, end to end', (current) => {
  let server: TestServer;
  let base: string;
  let appPassword = '';
  const USER = 'switcher';
  const PASSWORD = 'switcher password';
  const FEED = 'https://feeds.example/e2e-episodes.xml';
  const EPISODE = { podcast: FEED, episode: 'https://cdn.example/e2e/ep7.mp3', guid: 'e2e-ep-7' };

  async function call(method: string, path: string, headers: Record<string, string>, body?: unknown) {
    const response = await fetch(`${base}${path}`, { method, headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as any) : undefined };
  }

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    const { userId } = await server.accounts.register(USER, PASSWORD);
    appPassword = (await server.accounts.createAppPassword(userId, 'Kasts')).secret;
  });
  after(async () => server?.app.close());

  it('carries a position from the phone to the laptop and the web, and back', async () => {
    // The phone signs in to gpodder.net and from then on sends only its cookie.
    const login = await call('POST', `/api/2/auth/${USER}/login.json`, { authorization: basic(USER, PASSWORD) });
    assert.equal(login.status, 200);
    const cookie = /sessionid=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
    assert.ok(cookie, 'the login sets the session cookie');
    const phone = { cookie };
    const laptop = { authorization: basic(USER, appPassword) };
    const web = { authorization: basic(USER, PASSWORD), 'x-device-id': 'browser' };

    const phoneStart = await call('GET', `/api/2/episodes/${USER}.json?since=0`, phone);
    assert.deepEqual(phoneStart.body.actions, []);
    const uploaded = await call('POST', `/api/2/episodes/${USER}.json`, phone, [
      { ...EPISODE, action: 'play', timestamp: '2026-11-20T07:45:00', started: 0, position: 1500, total: 3600, device: 'pixel' },
    ]);
    assert.deepEqual(uploaded.body, { timestamp: phoneStart.body.timestamp, update_urls: [] });

    // The laptop (Nextcloud) and the web page (native) see the phone's position.
    const laptopSees = await call('GET', '/index.php/apps/gpoddersync/episode_action?since=0', laptop);
    assert.equal(laptopSees.status, 200);
    assert.deepEqual(
      laptopSees.body.actions.map(({ id: _id, ...action }: Record<string, unknown>) => action),
      [{ ...EPISODE, action: 'PLAY', timestamp: '2026-11-20T07:45:00', started: 0, position: 1500, total: 3600 }],
    );
    const webSees = await call('GET', `/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=${EPISODE.guid}`, web);
    assert.deepEqual(webSees.body.progress, { started: 0, position: 1500, total: 3600, at: '2026-11-20T07:45:00.000Z', deviceId: 'pixel' });

    // The laptop listens on and uploads; the web page then moves it further.
    const fromLaptop = await call('POST', '/apps/gpoddersync/episode_action/create', laptop, [
      { ...EPISODE, action: 'play', timestamp: '2026-11-20T19:10:00', started: 1500, position: 2400, total: 3600, device: '' },
    ]);
    assert.equal(fromLaptop.status, 200);
    assert.deepEqual(Object.keys(fromLaptop.body), ['timestamp']);
    const webNow = await call('GET', `/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=${EPISODE.guid}`, web);
    assert.equal(webNow.body.progress.position, 2400);
    const fromWeb = await call('POST', '/api/v1/episodes/progress', web, { episode: { feedUrl: FEED, guid: EPISODE.guid }, position: 3000, total: 3600, at: '2026-11-21T08:00:00Z' });
    assert.equal(fromWeb.status, 200);

    // The phone's next sync brings the latest position, from the web page.
    const phoneNext = await call('GET', `/api/2/episodes/${USER}.json?since=${uploaded.body.timestamp}`, phone);
    assert.deepEqual(phoneNext.body.actions, [
      { ...EPISODE, device: 'browser', action: 'play', timestamp: '2026-11-21T08:00:00', started: 0, position: 3000, total: 3600 },
    ]);
    const laptopNext = await call('GET', `/index.php/apps/gpoddersync/episode_action?since=${laptopSees.body.timestamp}`, laptop);
    assert.equal(laptopNext.body.actions[0].position, 3000);

    // An older position from the phone (it was offline) loses everywhere: the state stays.
    await call('POST', `/api/2/episodes/${USER}.json`, phone, [{ ...EPISODE, action: 'play', timestamp: '2026-11-20T08:00:00', started: 1500, position: 1600, total: 3600 }]);
    const webAfter = await call('GET', `/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=${EPISODE.guid}`, web);
    assert.equal(webAfter.body.progress.position, 3000);
  });
});
