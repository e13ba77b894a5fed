import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { apiClient } from '../../test/support/api.js';
import { describeEachDriver } from '../../test/support/databases.js';
import { basic } from '../../test/support/http.js';
import { createTestServer, type TestServer } from '../../test/support/server.js';
import { parseOpml } from './opml.js';

const fixture = (name: string) => fs.readFileSync(new URL(`../../test/fixtures/opml/${name}`, import.meta.url));

describeEachDriver('OPML import and export over HTTP', (current) => {
  let server: TestServer;
  before(async () => {
    server = await createTestServer(current(), { env: { REGISTRATION: 'open' }, requestLimits: { burst: 100_000, perSecond: 10_000 } });
    await server.app.ready();
    await server.accounts.register('first', 'first password');
    await server.accounts.register('second', 'second password');
  });
  after(async () => server?.app.close());

  const upload = (user: string, body: Buffer | string, contentType = 'text/x-opml') =>
    server.app.inject({ method: 'POST', url: '/api/v1/subscriptions/opml', headers: { authorization: basic(user, `${user} password`), 'content-type': contentType }, payload: body });

  it('imports a real export, then exports it, and the export imported into a fresh account gives the same subscriptions', async () => {
    const file = fixture('antennapod.opml');
    const expected = parseOpml(file).feeds.map((feed) => feed.url).sort();
    const imported = await upload('first', file);
    assert.equal(imported.statusCode, 200, imported.body);
    assert.equal(imported.json().subscribed, expected.length);
    const again = await upload('first', file, 'application/xml');
    assert.deepEqual([again.json().subscribed, again.json().alreadySubscribed], [0, expected.length]);

    const first = apiClient(server.app, 'first', 'first password');
    const exported = await first.get('/api/v1/subscriptions.opml');
    assert.equal(exported.status, 200);
    assert.match(String(exported.headers['content-type']), /text\/x-opml/);
    assert.match(String(exported.headers['content-disposition']), /attachment; filename="first-subscriptions.opml"/);
    const reimported = await upload('second', exported.body as string);
    assert.equal(reimported.json().subscribed, expected.length);
    const second = apiClient(server.app, 'second', 'second password');
    const firstList = (await first.get('/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string; title: string | null }) => [s.feedUrl, s.title]);
    const secondList = (await second.get('/api/v1/subscriptions')).body.subscriptions.map((s: { feedUrl: string; title: string | null }) => [s.feedUrl, s.title]);
    assert.deepEqual(secondList.sort(), firstList.sort());
    assert.deepEqual(secondList.map(([url]: [string]) => url).sort(), expected);
  });

  it('refuses what is not OPML with a clear error and subscribes to nothing', async () => {
    const cases: [Buffer | string, string, number, string][] = [
      [fixture('not-opml.html'), 'text/plain', 400, 'invalid_opml'],
      [fixture('truncated.opml'), 'text/x-opml', 400, 'invalid_opml'],
      ['{"feeds": []}', 'application/json', 415, 'unsupported_media_type'],
      [Buffer.alloc(6 * 1024 * 1024, 32), 'text/x-opml', 413, 'payload_too_large'],
    ];
    const before = (await apiClient(server.app, 'second', 'second password').get('/api/v1/subscriptions?include=unsubscribed')).body.subscriptions.length;
    for (const [body, type, status, code] of cases) {
      const response = await upload('second', body, type);
      assert.deepEqual([response.statusCode, response.json().error.code], [status, code], response.body.slice(0, 300));
    }
    const after = (await apiClient(server.app, 'second', 'second password').get('/api/v1/subscriptions?include=unsubscribed')).body.subscriptions.length;
    assert.equal(after, before);
  });
});
