import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { fixture } from '../../../test/fixtures/feeds/real-feeds.js';
import { apiClient, newListener, type ApiClient } from '../../../test/support/api.js';
import { describeEachDriver } from '../../../test/support/databases.js';
import { fixtureServerForFile, serveFeed, settleProjections } from '../../../test/support/feed-catalog.js';
import { parse, rss } from '../../../test/support/feeds.js';
import { basic } from '../../../test/support/http.js';
import { createTestServer, type TestServer } from '../../../test/support/server.js';
import { applicationProjectors } from '../../app/projectors.js';
import type { ParsedFeed } from '../parser/model.js';
import { encodeFeedId } from '../../subscriptions/feed-id.js';
import { episodeId } from './paths.js';

const BASE = 'http://balados.test';
// 60 dated items; titles with what breaks naive XML writers (in CDATA: `&amp;` is text there).
const hostileItems = Array.from({ length: 60 }, (_, index) =>
  `<item><guid>h${index}</guid><title><![CDATA[Part ${index} ]]]]><![CDATA[> <b>&amp;</b> "x"]]></title>` +
  `<pubDate>${new Date(Date.UTC(2030, 0, 1, index)).toUTCString()}</pubDate>` +
  `<enclosure url="https://cdn.example/h${index}.mp3?a=1&amp;b=2" type="audio/mpeg" length="${100 + index}"/></item>`,
).join('');

const fixtures = fixtureServerForFile();

describeEachDriver('personal feeds and play gateway', (current) => {
  let server: TestServer;
  const projectors = applicationProjectors();
  let listener: { userId: string; username: string; phone: ApiClient };
  let owner: ApiClient;
  let realUrl = '';
  let hostileUrl = '';
  let source: { real: ParsedFeed; hostile: ParsedFeed };
  let token = '';
  let tokenId = '';
  const get = (url: string, method: 'GET' | 'HEAD' = 'GET') => server.app.inject({ method, url });

  before(async () => {
    server = await createTestServer(current(), { projectors, env: { REGISTRATION: 'open', FEED_ALLOWED_ADDRESSES: '127.0.0.1', BASE_URL: BASE } });
    listener = await newListener(server.app, server.accounts, 'personal');
    owner = apiClient(server.app, listener.username, 'listener password');
    const hostileXml = rss(hostileItems, '<title>Evil ]]&gt; &lt;Show&gt; &amp; "Co"</title>');
    serveFeed(fixtures, `/real-${current().driver}.xml`, () => ({ body: fixture('dk-podcast.xml') }));
    serveFeed(fixtures, `/hostile-${current().driver}.xml`, () => ({ body: hostileXml }));
    realUrl = fixtures.url(`/real-${current().driver}.xml`);
    hostileUrl = fixtures.url(`/hostile-${current().driver}.xml`);
    for (const feedUrl of [realUrl, hostileUrl]) {
      assert.equal((await listener.phone.post('/api/v1/subscriptions', { feedUrl })).status, 200);
      const refreshed = await listener.phone.post(`/api/v1/podcasts/${encodeFeedId(feedUrl)}/refresh`);
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    }
    await settleProjections(current().db, server.store, projectors);
    source = { real: parse(fixture('dk-podcast.xml')), hostile: parse(hostileXml) };
    const created = await owner.post('/api/v1/me/play-tokens', { label: 'Car radio' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers['cache-control'], 'no-store');
    token = created.body.secret;
    tokenId = created.body.id;
    assert.match(token, /^bpl_[A-Za-z0-9_-]{43}$/);
    assert.equal(created.body.subscriptionsFeedPath, `/rss/${token}/subscriptions.xml`);
  });
  after(async () => server?.app.close());

  it('lists play tokens apart from app passwords, without their secret', async () => {
    const listed = await owner.get('/api/v1/me/play-tokens');
    assert.deepEqual(listed.body.map((t: { id: string; label: string }) => [t.id, t.label]), [[tokenId, 'Car radio']]);
    assert.ok(!JSON.stringify(listed.body).includes(token));
    assert.deepEqual((await owner.get('/api/v1/me/credentials')).body, []);
  });

  it('serves the subscriptions as RSS 2.0: the newest 100 episodes, titled "Podcast - Episode", through the gateway', async () => {
    const response = await get(`/rss/${token}/subscriptions.xml`);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/rss+xml; charset=utf-8');
    assert.equal(response.headers['cache-control'], 'private, max-age=60');
    const feed = parse(response.body);
    assert.deepEqual(feed.warnings, []);
    const expected = [
      ...source.real.episodes.filter((e) => e.enclosure).map((e) => ({ ...e, feedUrl: realUrl, podcast: source.real.podcast.title })),
      ...source.hostile.episodes.map((e) => ({ ...e, feedUrl: hostileUrl, podcast: source.hostile.podcast.title })),
    ]
      .sort((a, b) => Date.parse(b.publishedAt!) - Date.parse(a.publishedAt!))
      .slice(0, 100);
    assert.equal(feed.episodes.length, 100);
    assert.deepEqual(
      feed.episodes.map((e) => [e.title, e.guid, e.enclosure?.url, e.enclosure?.length, e.publishedAt]),
      expected.map((e) => [
        `${e.podcast} - ${e.title}`,
        `${encodeFeedId(e.feedUrl)}/${episodeId(e.guid)}`,
        `${BASE}/play/${token}/${encodeFeedId(e.feedUrl)}/${episodeId(e.guid)}`,
        e.enclosure!.length,
        e.publishedAt,
      ]),
    );
    assert.equal(feed.episodes[0]!.title, 'Evil ]]> <Show> & "Co" - Part 59 ]]> <b>&amp;</b> "x"');
    assert.ok(feed.episodes.some((e) => e.guid.startsWith(encodeFeedId(realUrl))), 'both podcasts are merged');
    const again = parse((await get(`/rss/${token}/subscriptions.xml`)).body);
    assert.deepEqual(again.episodes.map((e) => e.guid), feed.episodes.map((e) => e.guid), 'guids are stable');
  });

  it('serves a collection (its feeds only) and a playlist (in playlist order, unknown episodes left out)', async () => {
    const collection = await listener.phone.post('/api/v1/collections', { name: 'Only DK' });
    assert.equal((await listener.phone.post(`/api/v1/collections/${collection.body.collectionId}/feeds`, { feedUrl: realUrl })).status, 200);
    const byCollection = parse((await get(`/rss/${token}/collections/${collection.body.collectionId}.xml`)).body);
    assert.equal(byCollection.podcast.title, 'Only DK (Balados Sync)');
    assert.equal(byCollection.episodes.length, source.real.episodes.filter((e) => e.enclosure).length);
    assert.ok(byCollection.episodes.every((e) => e.guid.startsWith(`${encodeFeedId(realUrl)}/`)));

    const playlist = await listener.phone.post('/api/v1/playlists', { name: 'Queue' });
    const picks = [
      { feedUrl: hostileUrl, guid: 'h3' },
      { feedUrl: realUrl, guid: source.real.episodes[5]!.guid },
      { feedUrl: realUrl, guid: 'not-in-the-catalog' },
      { feedUrl: hostileUrl, guid: 'h40' },
    ];
    for (const episode of picks) assert.equal((await listener.phone.post(`/api/v1/playlists/${playlist.body.playlistId}/items`, { episode })).status, 200);
    const byPlaylist = parse((await get(`/rss/${token}/playlists/${playlist.body.playlistId}.xml`)).body);
    assert.deepEqual(
      byPlaylist.episodes.map((e) => e.guid),
      [picks[0]!, picks[1]!, picks[3]!].map((p) => `${encodeFeedId(p.feedUrl)}/${episodeId(p.guid)}`),
    );
    assert.equal((await get(`/rss/${token}/playlists/nope.xml`)).statusCode, 404);
    assert.equal((await get(`/rss/${token}/collections/nope.xml`)).statusCode, 404);
  });

  it('records a start through the gateway and redirects to the enclosure; HEAD and unknown episodes record nothing', async () => {
    const state = (guid: string) => owner.get(`/api/v1/episodes/state?feedUrl=${encodeURIComponent(hostileUrl)}&guid=${guid}`);
    const path = (guid: string) => `/play/${token}/${encodeFeedId(hostileUrl)}/${episodeId(guid)}`;

    const probed = await get(path('h7'), 'HEAD');
    assert.equal(probed.statusCode, 302);
    assert.equal(probed.headers.location, 'https://cdn.example/h7.mp3?a=1&b=2');
    assert.equal((await state('h7')).status, 404, 'HEAD records nothing');

    const played = await get(path('h7'));
    assert.equal(played.statusCode, 302);
    assert.equal(played.headers.location, 'https://cdn.example/h7.mp3?a=1&b=2');
    const recorded = await state('h7');
    assert.equal(recorded.status, 200);
    assert.deepEqual([recorded.body.progress.position, recorded.body.progress.started, recorded.body.episode], [0, 0, { feedUrl: hostileUrl, guid: 'h7', mediaUrl: 'https://cdn.example/h7.mp3?a=1&b=2' }]);

    // A position a player recorded is not moved back by a later fetch of the enclosure.
    assert.equal((await owner.post('/api/v1/episodes/progress', { episode: { feedUrl: hostileUrl, guid: 'h7' }, position: 120 })).status, 200);
    assert.equal((await get(path('h7'))).statusCode, 302);
    assert.equal((await state('h7')).body.progress.position, 120);

    assert.equal((await get(`/play/${token}/${encodeFeedId(hostileUrl)}/${episodeId('nope')}`)).statusCode, 404);
    assert.equal((await get(`/play/${token}/${encodeFeedId(hostileUrl)}/not-an-id`)).statusCode, 404);
    assert.equal((await get(`/play/${token}/!!/${episodeId('h7')}`)).statusCode, 404);
    const unknownToken = await get(`/play/bpl_${'A'.repeat(43)}/${encodeFeedId(hostileUrl)}/${episodeId('h8')}`);
    assert.equal(unknownToken.statusCode, 404);
    assert.equal(unknownToken.json().error.code, 'not_found');
    assert.equal((await state('h8')).status, 404);
  });

  it('authenticates nothing but its feeds and gateway', async () => {
    for (const authorization of [`Bearer ${token}`, basic(listener.username, token)]) {
      const me = await server.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization } });
      assert.equal(me.statusCode, 401);
      assert.equal(me.json().error.code, 'invalid_credentials');
    }
    const app = await owner.post('/api/v1/me/app-passwords', { label: 'phone' });
    assert.equal((await get(`/rss/${app.body.secret}/subscriptions.xml`)).statusCode, 404, 'an app password is no play token');
    const other = await newListener(server.app, server.accounts, 'other');
    assert.equal((await other.phone.delete(`/api/v1/me/play-tokens/${tokenId}`)).status, 404);
    assert.equal((await owner.delete(`/api/v1/me/play-tokens/${app.body.id}`)).status, 404, 'the play-token route revokes play tokens only');
  });

  it('revoking a token ends its feeds and gateway at once', async () => {
    assert.equal((await get(`/rss/${token}/subscriptions.xml`)).statusCode, 200);
    assert.equal((await owner.delete(`/api/v1/me/play-tokens/${tokenId}`)).status, 204);
    assert.equal((await get(`/rss/${token}/subscriptions.xml`)).statusCode, 404);
    assert.equal((await get(`/play/${token}/${encodeFeedId(hostileUrl)}/${episodeId('h9')}`)).statusCode, 404);
    assert.deepEqual((await owner.get('/api/v1/me/play-tokens')).body, []);
    assert.equal((await owner.delete(`/api/v1/me/play-tokens/${tokenId}`)).status, 404);
  });

  it("a disabled account's tokens answer 404 until it is enabled, and an erased account's are gone", async () => {
    const someone = await newListener(server.app, server.accounts, 'erased');
    const created = await apiClient(server.app, someone.username, 'listener password').post('/api/v1/me/play-tokens', { label: 'x' });
    const feed = `/rss/${created.body.secret}/subscriptions.xml`;
    assert.equal((await get(feed)).statusCode, 200);
    await server.accounts.disable(someone.userId);
    assert.equal((await get(feed)).statusCode, 404);
    await server.accounts.enable(someone.userId);
    assert.equal((await get(feed)).statusCode, 200);
    const erased = await server.app.inject({
      method: 'DELETE',
      url: '/api/v1/me',
      headers: { authorization: basic(someone.username, 'listener password') },
      payload: { password: 'listener password' },
    });
    assert.equal(erased.statusCode, 204);
    assert.equal((await get(feed)).statusCode, 404);
    const rows = await current().db.query('SELECT 1 FROM account_credentials WHERE credential_id = $1', [created.body.id]);
    assert.equal(rows.rows.length, 0);
  });
});
