import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachDriver } from '../support/databases.js';
import { basic } from '../support/http.js';
import { createTestServer, type TestServer } from '../support/server.js';

/**
 * One listener, two devices, over real HTTP (a listening socket, fetch): what the issue's
 * "done when" asks of the sync domain, end to end through the native API.
 */
describeEachDriver('two devices of one listener, end to end', (current) => {
  let server: TestServer;
  let base: string;
  const FEED = 'https://feeds.example/e2e-show.xml';

  function device(name: string, username = 'commuter', password = 'commuter password') {
    const headers = { authorization: basic(username, password), 'x-device-id': name, 'content-type': 'application/json' };
    return async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
      const response = await fetch(`${base}${path}`, { method, headers: { ...headers, ...extra }, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
      const text = await response.text();
      return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
    };
  }

  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
    await server.accounts.register('commuter', 'commuter password');
    await server.accounts.register('newcomer', 'newcomer password');
  });
  after(async () => server?.app.close());

  it('subscribes on one device and the other sees it through /sync; crossing plays converge; a replayed batch applies once; OPML carries over', async () => {
    const phone = device('phone');
    const laptop = device('laptop');

    // The laptop has synced once (nothing yet) and keeps its cursor.
    const start = await laptop('GET', '/api/v1/sync');
    assert.equal(start.status, 200);
    let cursor: string = start.body.cursor;

    const subscribed = await phone('POST', '/api/v1/subscriptions', { feedUrl: FEED, title: 'E2E Show' });
    assert.equal(subscribed.status, 200);
    const seen = await laptop('GET', `/api/v1/sync?since=${cursor}`);
    assert.deepEqual(seen.body.changes.subscriptions.map((s: { feedUrl: string; subscribed: boolean; deviceId: string }) => [s.feedUrl, s.subscribed, s.deviceId]), [[FEED, true, 'phone']]);
    cursor = seen.body.cursor;

    // Both play the same episode; their updates cross: the later client time wins on both.
    const episode = { feedUrl: FEED, guid: 'e2e-1' };
    const fromLaptop = await laptop('POST', '/api/v1/episodes/progress', { episode, position: 1500, at: '2026-11-25T08:30:00Z' });
    const fromPhone = await phone('POST', '/api/v1/episodes/progress', { episode, position: 600, at: '2026-11-25T08:10:00Z' });
    assert.deepEqual([fromLaptop.body.applied, fromPhone.body.applied], [true, false]);
    const onPhone = await phone('GET', `/api/v1/episodes/state?feedUrl=${encodeURIComponent(FEED)}&guid=e2e-1`);
    const onLaptop = (await laptop('GET', `/api/v1/sync?since=${cursor}`)).body.changes.episodes[0];
    assert.deepEqual(onPhone.body.progress, onLaptop.progress);
    assert.deepEqual([onPhone.body.progress.position, onPhone.body.progress.deviceId], [1500, 'laptop']);

    // The phone was offline on the train: its batch is sent, the answer is lost, it is sent again.
    const batch = {
      changes: [
        { type: 'subscription', id: 'train-1', feedUrl: 'https://feeds.example/train.xml', subscribed: true, at: '2026-11-25T07:00:00Z' },
        { type: 'episode', id: 'train-2', action: 'progress', episode: { feedUrl: FEED, guid: 'e2e-2' }, position: 240, at: '2026-11-25T07:05:00Z' },
        { type: 'episode', id: 'train-3', action: 'played', episode: { feedUrl: FEED, guid: 'e2e-3' }, played: true, at: '2026-11-25T07:06:00Z' },
      ],
    };
    const first = await phone('POST', '/api/v1/sync', batch, { 'idempotency-key': 'train-batch' });
    const eventsAfterFirst = await current().db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    const replay = await phone('POST', '/api/v1/sync', batch, { 'idempotency-key': 'train-batch' });
    const eventsAfterReplay = await current().db.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    assert.deepEqual(replay.body.results, first.body.results);
    assert.equal(eventsAfterReplay.rows[0]!.n, eventsAfterFirst.rows[0]!.n, 'applied once');
    const delta = (await laptop('GET', `/api/v1/sync?since=${cursor}`)).body;
    assert.deepEqual(delta.changes.subscriptions.map((s: { feedUrl: string }) => s.feedUrl), ['https://feeds.example/train.xml']);
    assert.deepEqual(delta.changes.episodes.map((e: { episode: { guid: string } }) => e.episode.guid).sort(), ['e2e-1', 'e2e-2', 'e2e-3']);

    // OPML exported from this account and imported into a fresh one gives the same subscriptions.
    const opml = await laptop('GET', '/api/v1/subscriptions.opml');
    assert.equal(opml.status, 200);
    const newcomer = device('tablet', 'newcomer', 'newcomer password');
    const imported = await newcomer('POST', '/api/v1/subscriptions/opml', opml.body, { 'content-type': 'text/x-opml' });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    const mine = (await laptop('GET', '/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string; title: string | null }) => [s.feedUrl, s.title]).sort();
    const theirs = (await newcomer('GET', '/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string; title: string | null }) => [s.feedUrl, s.title]).sort();
    assert.deepEqual(theirs, mine);
    assert.equal(mine.length, 2);
  });
});
